"""PostgreSQL for the benchmarks: the environment, the database, the two roles.

Migrations run as the owner (the DATABASE_URL user); the measured code runs as
the runtime role (NOSUPERUSER NOBYPASSRLS, owns no table) after `SET ROLE`, so
row-level security is in force exactly as in production.
"""

from __future__ import annotations

import os
import secrets

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/empathy_bench"
BENCH_SLUG_PREFIX = "bench-"


def configure_environment(media_root: str) -> tuple[str, bool]:
    """Set what Django reads at import; call before django.setup().

    Returns (database URL, throwaway): with no DATABASE_URL the bench uses its
    own database, made fresh for the run and dropped after it (3 s of migrations
    instead of minutes of DELETEs); a given DATABASE_URL is never dropped.
    """
    given = os.environ.get("DATABASE_URL")
    url = given or DEFAULT_URL
    os.environ["DATABASE_URL"] = url
    # With DATABASE_URL set the settings demand a secret; any random one will do here.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["DJANGO_SETTINGS_MODULE"] = "empathy_site.settings.base"
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    # Uploaded originals go to a throwaway directory, never into var/media.
    os.environ["MEDIA_ROOT"] = media_root
    return url, not given


def libpq_conninfo(url: str, **overrides) -> str:
    """The URL as a libpq connection string (libpq reads postgres:// URLs itself)."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(url)
    params.update(overrides)
    return make_conninfo(**params)


def _maintenance(url: str):
    import psycopg

    return psycopg.connect(libpq_conninfo(url, dbname="postgres"), autocommit=True)


def _database_name(url: str) -> str:
    from psycopg.conninfo import conninfo_to_dict

    name = conninfo_to_dict(url).get("dbname")
    if not name:
        raise SystemExit(f"DATABASE_URL names no database: {url}")
    return name


def ensure_database(url: str, *, fresh: bool) -> str:
    """Create the database if missing (dropping it first when `fresh`). Returns its name."""
    import psycopg
    from psycopg import sql

    name = _database_name(url)
    with _maintenance(url) as conn:
        if fresh:
            # No FORCE: if another session is using it, stop rather than pull it from under that session.
            try:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            except psycopg.errors.ObjectInUse:
                raise SystemExit(f"Database {name} is in use by another session (another bench run?); "
                                 "close that session or set DATABASE_URL.") from None
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name


def drop_database(url: str) -> None:
    """Drop the throwaway database once every connection to it is closed."""
    from django.db import connections
    from psycopg import sql

    connections.close_all()
    with _maintenance(url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(_database_name(url))))


def ensure_app_role(connection, role: str) -> None:
    """Create the runtime role as tests/conftest.py does (without LOGIN: the bench only uses SET ROLE)."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() is None:
            cursor.execute(f"CREATE ROLE {qn(role)}")
        cursor.execute(f"ALTER ROLE {qn(role)} NOSUPERUSER NOBYPASSRLS")


def migrate_as_owner() -> None:
    from django.core.management import call_command

    # post_migrate (tenancy.rls) enables and forces RLS and grants the runtime role.
    call_command("migrate", interactive=False, verbosity=0)


_app_role = ""


def _set_role(sender, connection, **kwargs):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {connection.ops.quote_name(_app_role)}")


def become_app_role(role: str) -> None:
    """From now on every Django connection (also a reconnect) runs as the runtime role."""
    from django.db import connection
    from django.db.backends.signals import connection_created

    global _app_role
    _app_role = role
    connection_created.connect(_set_role, dispatch_uid="bench-app-role")
    _set_role(None, connection)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        user, superuser, bypass = cursor.fetchone()
    if user != role or superuser or bypass:
        raise RuntimeError(f"Expected to run as {role} without superuser/bypassrls, got {user} ({superuser=}, {bypass=}).")


def raw_connection(url: str, role: str | None):
    """A plain psycopg 3 connection (for reference figures), as `role`, or as the owner if None."""
    import psycopg
    from psycopg import sql

    # Autocommit: callers open their own `with conn.transaction():` blocks.
    conn = psycopg.connect(libpq_conninfo(url), autocommit=True)
    if role:
        conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
    return conn


def bypasses_rls(conn) -> bool:
    """Superusers and BYPASSRLS roles ignore row-level security (even FORCEd)."""
    row = conn.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user").fetchone()
    return bool(row and row[0])


def delete_organization(org_id: int) -> None:
    """Delete one organisation and every row that carries its id, as the runtime role.

    Plain DELETEs rather than the ORM collector: the collector would load every
    utterance into memory (highlights RESTRICT on them). Django's foreign keys
    on PostgreSQL are DEFERRABLE INITIALLY DEFERRED, so the order of the deletes
    does not matter; they are checked together at commit.
    """
    from django.apps import apps
    from django.db import connection, transaction

    from empathy_site.tenancy.context import bind_transaction_to_org
    from empathy_site.tenancy.models import Organization

    tables = [
        model._meta.db_table
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
        and any(f.is_relation and f.many_to_one and f.related_model is Organization for f in model._meta.concrete_fields)
    ]
    qn = connection.ops.quote_name
    with transaction.atomic():
        bind_transaction_to_org(org_id)  # RLS is forced: without it the deletes would see nothing
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"DELETE FROM {qn(table)} WHERE organization_id = %s", [org_id])
            cursor.execute(f"DELETE FROM {qn(Organization._meta.db_table)} WHERE id = %s", [org_id])


def delete_stale_bench_organizations() -> int:
    """Organisations a crashed earlier run left behind."""
    from empathy_site.tenancy.models import Organization

    stale = list(Organization.objects.filter(slug__startswith=BENCH_SLUG_PREFIX).values_list("pk", flat=True))
    for org_id in stale:
        delete_organization(org_id)
    return len(stale)
