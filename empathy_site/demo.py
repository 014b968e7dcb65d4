"""Demo data for `make run`: one organisation, one person per role.

It spans every app, so it sits outside the layers; only the top app's `seed_demo` command imports it.

Idempotent: every step looks for what it would create first. Not one big
transaction on purpose: in embedded mode each upload is parsed when its own
transaction commits, so the speakers can then be mapped.
"""

from empathy_site.tenancy.models import Organization, Role
from empathy_site.tenancy.services import membership_set, organization_create, user_get_or_create
from interviews.demo import seed_interviews
from personas.demo import seed_personas

DEMO_ORG_SLUG = "demo"
DEMO_ORG_NAME = "Northwind Research"
DEMO_PASSWORD = "demo-pass-2026"
DEMO_USERS = [
    ("admin@demo.example", "Ada Admin", Role.ADMIN),
    ("researcher@demo.example", "Rosa Researcher", Role.RESEARCHER),
    ("marketer@demo.example", "Max Marketer", Role.MARKETER),
    ("viewer@demo.example", "Vic Viewer", Role.VIEWER),
]


def seed_demo() -> tuple[Organization, list[tuple[str, str, str]]]:
    org = Organization.objects.filter(slug=DEMO_ORG_SLUG).first()
    logins = []
    for email, name, role in DEMO_USERS:
        user, _ = user_get_or_create(email=email, password=DEMO_PASSWORD, full_name=name)
        if org is None:
            org = organization_create(slug=DEMO_ORG_SLUG, name=DEMO_ORG_NAME, owner=user)
        membership_set(organization=org, user=user, role=role)
        logins.append((role, email, DEMO_PASSWORD))
    seed_demo_content(org)
    return org, logins


def seed_demo_content(org: Organization) -> None:
    """Sample studies and transcripts; filled in by the apps that own them."""
    seed_interviews(org)
    seed_personas(org)
