import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from empathy_site.demo import DEMO_PASSWORD, DEMO_USERS
from empathy_site.tenancy.models import AuditEvent, Membership, Organization
from tests.factories import PASSWORD


def test_login_redirects_a_single_org_member_to_its_dashboard(client, alice):
    response = client.post(reverse("login"), {"username": alice.user.email, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == f"/o/{alice.org.slug}/"
    assert b"Org A" in response.content
    assert AuditEvent.objects.filter(action="login", actor=alice.user).exists()


def test_failed_login_is_audited_without_the_password(client, alice):
    response = client.post(reverse("login"), {"username": alice.user.email, "password": "wrong-guess"})
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="login_failed")
    assert event.actor == alice.user
    assert "wrong-guess" not in str(event.details) + event.actor_label


@override_settings(LOGIN_RATE_LIMIT="3/m")
def test_login_is_rate_limited(client, alice):
    from django.core.cache import cache

    cache.clear()
    for _ in range(3):
        client.post(reverse("login"), {"username": alice.user.email, "password": "nope"})
    response = client.post(reverse("login"), {"username": alice.user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    cache.clear()


def test_logout_needs_post_and_ends_the_session(client, alice):
    client.force_login(alice.user)
    assert client.get(reverse("logout")).status_code == 405
    client.post(reverse("logout"))
    assert client.get(f"/o/{alice.org.slug}/").status_code == 302


def test_org_switcher_lists_every_org_of_the_person(client, alice, org_b, member_factory):
    Membership.objects.create(organization=org_b, user=alice.user, role="viewer")
    client.force_login(alice.user)
    page = client.get(reverse("home"))
    assert page.status_code == 200 and b"Org A" in page.content and b"Org B" in page.content
    dashboard = client.get(f"/o/{org_b.slug}/").content.decode()
    assert f'href="/o/{alice.org.slug}/"' in dashboard


def test_anonymous_visitor_is_sent_to_login(client, org_a):
    response = client.get(f"/o/{org_a.slug}/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_seed_demo_is_idempotent(db):
    call_command("seed_demo")
    counts = (Organization.objects.count(), Membership.objects.count())
    call_command("seed_demo")
    assert (Organization.objects.count(), Membership.objects.count()) == counts == (1, len(DEMO_USERS))


def test_demo_researcher_can_sign_in(client, db):
    call_command("seed_demo")
    email = next(e for e, _, role in DEMO_USERS if role == "researcher")
    response = client.post(reverse("login"), {"username": email, "password": DEMO_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/o/demo/"


def test_create_org_command(db, capsys):
    call_command("create_org", "acme", "--name", "Acme", "--owner", "owner@acme.test", "--password", "s3cret-pass-1")
    org = Organization.objects.get(slug="acme")
    assert org.memberships.get().role == "admin"


def test_create_org_command_refuses_a_taken_slug(db):
    from django.core.management.base import CommandError

    call_command("create_org", "acme", "--name", "Acme", "--owner", "owner@acme.test", "--password", "s3cret-pass-1")
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_org", "acme", "--name", "Acme 2", "--owner", "owner@acme.test")


def test_delete_org_command_needs_confirmation_and_deletes(org_b):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="confirm"):
        call_command("delete_org", org_b.slug, "--confirm", "nope")
    call_command("delete_org", org_b.slug, "--confirm", org_b.slug)
    assert not Organization.objects.filter(slug=org_b.slug).exists()
