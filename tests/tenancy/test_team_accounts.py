"""Accounts for teams: invitations by email (real SMTP server), resend and revoke, the invitations API,
password change and reset, signing out everywhere, the notification bell, and the daily digest."""

import threading
from datetime import timedelta

import pytest
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from empathy_site.tenancy import services
from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.models import AuditEvent, Invitation, Membership, Notification
from empathy_site.tenancy.notifications import digest_send, notify
from empathy_site.tenancy.services import api_key_create
from tests.api_assertions import assert_error
from tests.smtp import Mailbox


def admin_api(actor):
    client = APIClient()
    client.force_login(actor.user)
    client.credentials(HTTP_X_ORGANIZATION=actor.org.slug)
    return client


def link_in(message) -> str:
    return next(line for line in Mailbox.body(message).splitlines() if "/accounts/" in line).strip()


def test_inviting_mails_the_link_and_the_answer_is_the_same_whether_or_not_the_address_has_an_account(
    alice, charlie, smtp_server, django_capture_on_commit_callbacks
):
    api = admin_api(alice)
    with django_capture_on_commit_callbacks(execute=True):
        known = api.post("/api/v1/invitations/", {"email": charlie.user.email, "role": "researcher"}, format="json")
        unknown = api.post("/api/v1/invitations/", {"email": "new@example.test", "role": "researcher"}, format="json")
    assert known.status_code == unknown.status_code == 201
    shape = {k for k in known.json() if k not in ("id", "email", "created_at", "expires_at")}
    assert {k: known.json()[k] for k in shape} == {k: unknown.json()[k] for k in shape}
    assert known.json()["status"] == "pending" and "link" not in known.json() and "token" not in str(known.json())
    mail_known, mail_new = smtp_server.wait_for(charlie.user.email)[0], smtp_server.wait_for("new@example.test")[0]
    # The same words either way, apart from the address and the link.
    strip = lambda m: Mailbox.body(m).replace(link_in(m), "LINK")  # noqa: E731
    assert strip(mail_known) == strip(mail_new) and "Org A" in mail_known["Subject"]
    client = APIClient()
    assert client.get(link_in(mail_new).removeprefix("http://testserver")).status_code == 200


def test_resend_mails_a_new_link_and_kills_the_old_one_revoke_kills_it_too(alice, smtp_server, django_capture_on_commit_callbacks):
    api = admin_api(alice)
    with django_capture_on_commit_callbacks(execute=True):
        invitation = api.post("/api/v1/invitations/", {"email": "new@example.test"}, format="json").json()
    first = link_in(smtp_server.wait_for("new@example.test")[0]).removeprefix("http://testserver")
    with django_capture_on_commit_callbacks(execute=True):
        resent = api.post(f"/api/v1/invitations/{invitation['id']}/resend/", format="json")
    assert resent.status_code == 200 and resent.json()["status"] == "pending"
    second = link_in(smtp_server.wait_for("new@example.test", 2)[1]).removeprefix("http://testserver")
    assert first != second
    client = APIClient()
    assert client.get(first).status_code == 404 and client.get(second).status_code == 200
    assert AuditEvent.objects.filter(action="invitation_resent", actor=alice.user).count() == 1
    revoked = api.post(f"/api/v1/invitations/{invitation['id']}/revoke/", format="json")
    assert revoked.json()["status"] == "revoked" and client.get(second).status_code == 410
    assert_error(api.post(f"/api/v1/invitations/{invitation['id']}/resend/", format="json"), 400, "invalid")


def test_the_list_shows_every_state_and_only_admins_see_it(alice, bob):
    org = alice.org
    pending, _ = services.invitation_create(organization=org, email="p@example.test", role="viewer")
    expired, _ = services.invitation_create(organization=org, email="e@example.test", role="viewer")
    revoked, _ = services.invitation_create(organization=org, email="r@example.test", role="viewer")
    accepted, _ = services.invitation_create(organization=org, email=bob.user.email.replace("bob", "bob2"), role="viewer")
    with tenant_scope(org):
        Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
        Invitation.objects.filter(pk=accepted.pk).update(accepted_at=timezone.now())
    services.invitation_revoke(invitation=revoked)
    states = {i["email"]: i["status"] for i in admin_api(alice).get("/api/v1/invitations/").json()["results"]}
    assert states == {"p@example.test": "pending", "e@example.test": "expired", "r@example.test": "revoked",
                      "bob2@example.test": "accepted"}
    assert_error(admin_api(bob).get("/api/v1/invitations/"), 403, "permission_denied")
    _, raw = api_key_create(organization=org, name="k", scopes=["read", "write"])
    key_client = APIClient()
    key_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert_error(key_client.get("/api/v1/invitations/"), 403, "permission_denied")
    assert_error(admin_api(alice).post("/api/v1/invitations/", {"email": "not an email"}, format="json"), 400, "invalid")
    page = APIClient()
    page.force_login(alice.user)
    members = page.get(reverse("members", args=[org.slug])).content.decode()
    for state in ("pending", "expired", "revoked", "accepted"):
        assert f"status-invitation-{state}" in members


def test_password_reset_by_email_end_to_end(client, bob, smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post(reverse("password_reset"), {"email": bob.user.email})
        nobody = client.post(reverse("password_reset"), {"email": "nobody@example.test"})
    assert asked.status_code == nobody.status_code == 302 and asked["Location"] == nobody["Location"]
    mail = smtp_server.wait_for(bob.user.email)[0]
    assert not smtp_server.to("nobody@example.test")
    link = link_in(mail).removeprefix("http://testserver")
    form = client.get(link, follow=True)
    assert form.status_code == 200 and "Choose a new password" in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": "An0ther long secret!", "new_password2": "An0ther long secret!"})
    assert done.status_code == 302
    assert client.login(username=bob.user.email, password="An0ther long secret!")
    client.logout()
    assert "no longer works" in client.get(link, follow=True).content.decode()


def test_password_change_and_sign_out_everywhere(client, bob):
    bob.user.set_password("Old long secret 1!")
    bob.user.save()
    other = APIClient()
    other.force_login(bob.user)
    page = reverse("dashboard", args=[bob.org.slug])
    assert other.get(page).status_code == 200
    client.force_login(bob.user)
    response = client.post(reverse("sessions_end"))
    assert response.status_code == 302
    assert client.get(page).status_code == 200  # this browser stays signed in
    assert other.get(page).status_code == 302  # every other session is over
    assert AuditEvent.objects.filter(action="sessions_ended", actor=bob.user).exists()
    changed = client.post(reverse("password_change"), {
        "old_password": "Old long secret 1!", "new_password1": "New long secret 2!", "new_password2": "New long secret 2!"})
    assert changed.status_code == 302 and client.get(page).status_code == 200
    assert AuditEvent.objects.filter(action="password_changed", actor=bob.user).exists()
    assert "Change password" in client.get(reverse("account")).content.decode()


def test_the_bell_counts_unread_in_one_query_and_marking_read_clears_it(client, alice, bob):
    with tenant_scope(alice.org):
        for n in range(3):
            notify(user=alice.user, kind="mention", message=f"Note {n}", link=f"/o/{alice.org.slug}/")
        notify(user=bob.user, kind="mention", message="Not for alice")
        first = Notification.objects.filter(user=alice.user).order_by("id").first()
    client.force_login(alice.user)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("dashboard", args=[alice.org.slug])).content.decode()
    assert 'aria-label="3 unread"' in page
    assert sum("tenancy_notification" in q["sql"] and "COUNT(" in q["sql"] for q in queries.captured_queries) == 1
    opened = client.post(reverse("notification_read", args=[alice.org.slug, first.public_id]))
    assert opened.status_code == 302 and opened["Location"] == f"/o/{alice.org.slug}/"
    assert 'aria-label="2 unread"' in client.get(reverse("notifications", args=[alice.org.slug])).content.decode()
    client.post(reverse("notifications", args=[alice.org.slug]))
    assert "unread" not in client.get(reverse("dashboard", args=[alice.org.slug])).content.decode().split("bell")[1][:300]
    with tenant_scope(alice.org):
        assert Notification.objects.get(user=bob.user).read_at is None


def test_email_settings_and_the_daily_digest_sends_each_notification_once(client, alice, bob, smtp_server,
                                                                         django_capture_on_commit_callbacks):
    client.force_login(alice.user)
    saved = client.post(reverse("notification_settings", args=[alice.org.slug]), {"email_kinds": ["mention", "needs_review"]})
    assert saved.status_code == 302
    assert_error_page = client.post(reverse("notification_settings", args=[alice.org.slug]), {"email_kinds": ["everything"]})
    assert assert_error_page.status_code == 400
    with tenant_scope(alice.org):
        notify(user=alice.user, kind="mention", message="Bob mentioned you", link="/o/org-a/personas/")
        notify(user=alice.user, kind="persona_needs_review", message="Careful Buyer needs review")
        notify(user=alice.user, kind="review_request", message="Not chosen by alice")
        notify(user=bob.user, kind="mention", message="Bob chose nothing")
        with django_capture_on_commit_callbacks(execute=True):
            assert digest_send() == 1
        with django_capture_on_commit_callbacks(execute=True):
            assert digest_send() == 0  # the same items are never sent twice
    mail = smtp_server.wait_for(alice.user.email)[0]
    body = Mailbox.body(mail)
    assert "Bob mentioned you" in body and "Careful Buyer needs review" in body and "Not chosen" not in body
    assert not smtp_server.to(bob.user.email) and len(smtp_server.to(alice.user.email)) == 1


@pytest.mark.django_db(transaction=True)
def test_two_digest_runs_at_once_mail_each_notification_once(org_a, alice, smtp_server, settings):
    Membership.objects.filter(user=alice.user).update(email_notification_kinds=["mention"])
    with tenant_scope(org_a):
        for n in range(20):
            notify(user=alice.user, kind="mention", message=f"Mention {n}")
    barrier = threading.Barrier(2)
    results = []

    def run():
        try:
            barrier.wait()
            with tenant_scope(org_a):
                results.append(digest_send())
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    mails = smtp_server.wait_for(alice.user.email, count=sum(results))
    mentioned = [line for m in mails for line in Mailbox.body(m).splitlines() if line.startswith("- Mention")]
    assert sorted(mentioned) == sorted(f"- Mention {n}" for n in range(20))  # each once, none lost
    with tenant_scope(org_a):
        assert not Notification.objects.filter(digested_at__isnull=True).exists()
