"""Shared fixtures: alice (admin of org A), bob (teammate in A), charlie (outsider, org B).

On PostgreSQL the whole suite runs as the application's runtime role
(NOSUPERUSER, NOBYPASSRLS, owning no table), so row-level security is in force
for every test, exactly as in production.
"""

import os
import shutil
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.db import connection
from django.db.backends.signals import connection_created

from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.models import Role
from empathy_site.tenancy.rls import secure_tenant_tables

from .factories import MembershipFactory, OrganizationFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
APP_ROLE = settings.DATABASE_APP_ROLE
CHROMIUM = "/usr/bin/chromium"


def _use_app_role(sender, connection, **kwargs):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f'SET ROLE "{APP_ROLE}"')


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    if connection.vendor != "postgresql":
        yield
        return
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [APP_ROLE])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE ROLE "{APP_ROLE}"')
            # LOGIN: the worker process of tests/worker.py connects as this role.
            cursor.execute(f'ALTER ROLE "{APP_ROLE}" LOGIN NOSUPERUSER NOBYPASSRLS')
        secure_tenant_tables(using="default")
        with connection.cursor() as cursor:
            # Test-only: transactional tests empty tables between tests with TRUNCATE.
            cursor.execute(f'GRANT TRUNCATE ON ALL TABLES IN SCHEMA public TO "{APP_ROLE}"')
            cursor.execute(f'SET ROLE "{APP_ROLE}"')
        connection_created.connect(_use_app_role, dispatch_uid="tests-app-role")
    yield
    connection_created.disconnect(dispatch_uid="tests-app-role")
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


# Skips that CI must not accept: the real components have to run there.
_REQUIREMENTS = {
    "postgres": ("PostgreSQL", lambda: connection.vendor == "postgresql"),
    "worker": ("Redis and a Celery worker", lambda: bool(settings.REDIS_URL) and connection.vendor == "postgresql"),
    "browser": ("Debian chromium", lambda: shutil.which(CHROMIUM) is not None),
    "ffmpeg": ("ffmpeg and ffprobe", lambda: bool(shutil.which("ffmpeg") and shutil.which("ffprobe"))),
}
_skipped_for_environment = []
# A test that uses one of these fixtures needs what the marker names, whether or not it says so.
_MARKERS_OF_FIXTURES = {"celery_worker": ("worker", "postgres"), "recordings": ("ffmpeg",)}


def pytest_collection_modifyitems(items):
    for item in items:
        for fixture, markers in _MARKERS_OF_FIXTURES.items():
            if fixture in item.fixturenames:
                for marker in markers:
                    item.add_marker(marker)


def pytest_runtest_setup(item):
    for marker, (what, available) in _REQUIREMENTS.items():
        if item.get_closest_marker(marker) and not available():
            if IN_CI:
                pytest.fail(f"CI must run this test, but {what} is not available.")
            _skipped_for_environment.append(item.nodeid)
            pytest.skip(f"needs {what}")


def pytest_terminal_summary(terminalreporter):
    db = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    celery = "Redis broker" if settings.REDIS_URL else "eager Celery (no broker)"
    terminalreporter.write_line(
        f"Ran on {db} with {celery}; skipped {len(_skipped_for_environment)} test(s) that need what this run lacks."
    )


@dataclass
class Actor:
    user: object
    org: object
    membership: object


def _actor(org, role, email):
    user = UserFactory(email=email)
    membership = MembershipFactory(organization=org, user=user, role=role)
    return Actor(user=user, org=org, membership=membership)


@pytest.fixture
def org_a(db):
    return OrganizationFactory(slug="org-a", name="Org A")


@pytest.fixture
def org_b(db):
    return OrganizationFactory(slug="org-b", name="Org B")


@pytest.fixture
def alice(org_a):
    """Admin of org A."""
    return _actor(org_a, Role.ADMIN, "alice@example.test")


@pytest.fixture
def bob(org_a):
    """Teammate in org A (researcher)."""
    return _actor(org_a, Role.RESEARCHER, "bob@example.test")


@pytest.fixture
def charlie(org_b):
    """Outsider: admin of org B."""
    return _actor(org_b, Role.ADMIN, "charlie@example.test")


@pytest.fixture
def member_factory():
    def make(org, role, email=None):
        email = email or f"{role}-{org.slug}@example.test"
        return _actor(org, role, email)

    return make


@pytest.fixture
def in_org():
    """`with in_org(org):` — run test code as that organisation."""
    return tenant_scope
from .smtp import smtp_server  # noqa: E402,F401  (fixture)
from .worker import celery_worker  # noqa: E402,F401  (fixture)
