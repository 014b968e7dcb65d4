from django.urls import reverse

from empathy_site.tenancy.models import AuditEvent, Membership


def test_admin_invites_a_member_and_changes_their_role(client, alice):
    client.force_login(alice.user)
    response = client.post(reverse("members", args=[alice.org.slug]), {"email": "new@example.test", "role": "viewer"})
    assert response.status_code == 200
    link = response.context["new_invitation"]["link"]
    assert not Membership.objects.filter(user__email="new@example.test").exists()
    client.logout()
    accepted = client.post(link, {"full_name": "New", "password": "a-long-pass-phrase", "password_again": "a-long-pass-phrase"})
    assert accepted.status_code == 302
    membership = Membership.objects.get(user__email="new@example.test")
    assert membership.role == "viewer" and membership.user.full_name == "New"
    client.force_login(alice.user)
    client.post(reverse("member_role", args=[alice.org.slug, membership.user.public_id]), {"role": "marketer"})
    membership.refresh_from_db()
    assert membership.role == "marketer"
    event = AuditEvent.objects.get(action="role_changed")
    assert event.details == {"from": "viewer", "to": "marketer"} and event.actor == alice.user


def test_last_admin_cannot_be_demoted_or_removed(client, alice):
    client.force_login(alice.user)
    client.post(reverse("member_role", args=[alice.org.slug, alice.user.public_id]), {"role": "viewer"})
    client.post(reverse("member_remove", args=[alice.org.slug, alice.user.public_id]))
    assert Membership.objects.get(user=alice.user).role == "admin"


def test_researcher_cannot_manage_members_or_keys(client, bob):
    client.force_login(bob.user)
    assert client.get(reverse("members", args=[bob.org.slug])).status_code == 403
    assert client.get(reverse("api_keys", args=[bob.org.slug])).status_code == 403
    assert client.get(reverse("audit_log", args=[bob.org.slug])).status_code == 403
    assert client.post(reverse("members", args=[bob.org.slug]), {"email": "x@x.test", "role": "admin"}).status_code == 403
    assert not Membership.objects.filter(user__email="x@x.test").exists()


def test_admin_creates_a_key_shown_once(client, alice):
    client.force_login(alice.user)
    page = client.post(reverse("api_keys", args=[alice.org.slug]), {"name": "HubSpot", "scopes": ["read"]})
    content = page.content.decode()
    assert "Copy your new key now" in content and "emp_" in content
    again = client.get(reverse("api_keys", args=[alice.org.slug])).content.decode()
    assert "Copy your new key now" not in again


def test_audit_log_shows_member_sign_ins(client, alice):
    from tests.factories import PASSWORD

    client.post(reverse("login"), {"username": alice.user.email, "password": PASSWORD})
    page = client.get(reverse("audit_log", args=[alice.org.slug]))
    assert page.status_code == 200 and "Login" in page.content.decode()
