"""Sign-in throttling that stops guessing without locking out the right person,
invitations that reveal nothing about other accounts, and an audit log that shows
only what happened in its own organisation."""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from empathy_site.tenancy.audit import client_ip
from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.models import AuditEvent, Invitation, Membership
from empathy_site.tenancy.services import invitation_create
from tests.factories import PASSWORD, UserFactory

UserModel = get_user_model()


@pytest.fixture(autouse=True)
def _empty_rate_limit_counters():
    cache.clear()
    yield
    cache.clear()


def _sign_in(client, email, password, address="10.0.0.1", **extra):
    return client.post(reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=address, **extra)


# --- throttling --------------------------------------------------------------------------------------------------


@override_settings(LOGIN_RATE_LIMIT="3/m", LOGIN_ADDRESS_RATE_LIMIT="100/m")
def test_guessing_from_one_address_is_stopped_for_that_account_and_address(client, alice):
    for _ in range(3):
        assert _sign_in(client, alice.user.email, "guess", "10.0.0.66").status_code == 200
    blocked = _sign_in(client, alice.user.email, PASSWORD, "10.0.0.66")
    assert blocked.status_code == 429
    assert "_auth_user_id" not in client.session


@override_settings(LOGIN_RATE_LIMIT="3/m", LOGIN_ADDRESS_RATE_LIMIT="100/m")
def test_correct_password_from_another_address_works_while_one_address_guesses(client, alice):
    for _ in range(6):
        _sign_in(client, alice.user.email, "guess", "203.0.113.66")
    response = _sign_in(client, alice.user.email, PASSWORD, "198.51.100.7")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(alice.user.pk)


@override_settings(LOGIN_RATE_LIMIT="3/m", LOGIN_ADDRESS_RATE_LIMIT="100/m")
def test_ten_people_signing_in_from_one_office_address_is_normal(db):
    people = [UserFactory(email=f"colleague{n}@office.test") for n in range(10)]
    for person in people:
        client = Client()
        response = _sign_in(client, person.email, PASSWORD, "192.0.2.10")
        assert response.status_code == 302, person.email
        assert client.session["_auth_user_id"] == str(person.pk)


@override_settings(LOGIN_RATE_LIMIT="100/m", LOGIN_ADDRESS_RATE_LIMIT="5/m")
def test_one_address_trying_many_accounts_hits_the_address_ceiling(client, alice):
    for n in range(5):
        assert _sign_in(client, f"someone{n}@example.test", "guess", "203.0.113.9").status_code == 200
    assert _sign_in(client, alice.user.email, PASSWORD, "203.0.113.9").status_code == 429
    # Another address is unaffected.
    assert _sign_in(client, alice.user.email, PASSWORD, "198.51.100.7").status_code == 302


@override_settings(LOGIN_RATE_LIMIT="100/m", LOGIN_ADDRESS_RATE_LIMIT="3/m")
def test_an_ipv6_client_cannot_escape_the_address_ceiling_by_rotating_within_its_64(client, alice):
    for n in range(1, 4):
        _sign_in(client, f"someone{n}@example.test", "guess", f"2001:db8:0:7::{n}")
    assert _sign_in(client, alice.user.email, PASSWORD, "2001:db8:0:7::99").status_code == 429
    assert _sign_in(client, alice.user.email, PASSWORD, "2001:db8:0:8::1").status_code == 302


@override_settings(LOGIN_RATE_LIMIT="3/m", LOGIN_ADDRESS_RATE_LIMIT="100/m", TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_each_client_is_throttled_on_its_own_address(client, alice):
    proxy = "10.1.1.1"
    for _ in range(4):
        _sign_in(client, alice.user.email, "guess", proxy, HTTP_X_FORWARDED_FOR="203.0.113.66")
    response = _sign_in(client, alice.user.email, PASSWORD, proxy, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert response.status_code == 302


class _Request:
    def __init__(self, remote_addr, forwarded_for=None):
        self.META = {"REMOTE_ADDR": remote_addr}
        if forwarded_for is not None:
            self.META["HTTP_X_FORWARDED_FOR"] = forwarded_for


@pytest.mark.parametrize(
    ("proxies", "remote_addr", "forwarded_for", "expected"),
    [
        # No proxy trusted: the header is whatever the client wrote, so it is ignored.
        (0, "203.0.113.5", "1.2.3.4", "203.0.113.5"),
        (0, "203.0.113.5", None, "203.0.113.5"),
        # One proxy: it appended the address it saw; anything further left was sent by the client.
        (1, "10.0.0.2", "1.2.3.4, 198.51.100.7", "198.51.100.7"),
        (1, "10.0.0.2", "198.51.100.7", "198.51.100.7"),
        (1, "10.0.0.2", "2001:db8::1", "2001:db8::1"),
        # Two proxies: the client's address is two hops from the right.
        (2, "10.0.0.2", "6.6.6.6, 198.51.100.7, 10.0.0.9", "198.51.100.7"),
        # Malformed or too short: fall back to the connecting address.
        (1, "10.0.0.2", "not-an-address", "10.0.0.2"),
        (1, "10.0.0.2", "", "10.0.0.2"),
        (1, "10.0.0.2", None, "10.0.0.2"),
        (2, "10.0.0.2", "198.51.100.7", "10.0.0.2"),
        (1, "10.0.0.2", "1.2.3.4, ", "10.0.0.2"),
        # A connecting address that is not an address at all is no address.
        (0, "garbage", None, None),
    ],
)
def test_client_address_honours_only_the_trusted_proxies(settings, proxies, remote_addr, forwarded_for, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_ip(_Request(remote_addr, forwarded_for)) == expected


@override_settings(TRUSTED_PROXY_COUNT=0)
def test_spoofed_forwarded_for_is_not_what_the_audit_log_records(client, alice):
    _sign_in(client, alice.user.email, PASSWORD, "203.0.113.5", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert AuditEvent.objects.get(action="login").ip_address == "203.0.113.5"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_audit_log_records_the_client_behind_the_trusted_proxy(client, alice):
    _sign_in(client, alice.user.email, PASSWORD, "10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7")
    assert AuditEvent.objects.get(action="login").ip_address == "198.51.100.7"


# --- audit log scope ---------------------------------------------------------------------------------------------


def test_audit_log_shows_no_sign_ins_from_before_joining_nor_other_orgs_events(client, alice, charlie):
    from datetime import timedelta

    from django.utils import timezone

    # Charlie's history before joining org A: sign-ins with addresses, and work in org B.
    earlier = timezone.now() - timedelta(days=3)
    AuditEvent.objects.create(action="login", actor=charlie.user, ip_address="198.51.100.77", created_at=earlier)
    AuditEvent.objects.create(action="login_failed", actor=charlie.user, actor_label=charlie.user.email,
                              ip_address="198.51.100.78", created_at=earlier)
    AuditEvent.objects.create(action="api_key_created", organization=charlie.org, actor=charlie.user,
                              target_label="B secret key", created_at=earlier)
    AuditEvent.objects.create(action="organization_deleted", actor=charlie.user, target_label="old-b-org",
                              created_at=timezone.now() - timedelta(days=2))
    Membership.objects.create(organization=alice.org, user=charlie.user, role="viewer")
    # After joining: a sign-in that org A may see.
    AuditEvent.objects.create(action="login", actor=charlie.user, ip_address="198.51.100.99")

    client.force_login(alice.user)
    page = client.get(reverse("audit_log", args=[alice.org.slug])).content.decode()
    assert "198.51.100.99" in page
    for leaked in ("198.51.100.77", "198.51.100.78", "B secret key", "old-b-org"):
        assert leaked not in page


# --- invitations ------------------------------------------------------------------------------------------------

NEW_PASSWORD = "a-long-pass-phrase-9"


def _invite(client, admin, email, role="viewer"):
    client.force_login(admin.user)
    response = client.post(reverse("members", args=[admin.org.slug]), {"email": email, "role": role})
    assert response.status_code == 200
    return response


def _invite_link(client, admin, email, role="viewer") -> str:
    link = _invite(client, admin, email, role).context["new_invitation"]["link"]
    client.logout()
    return link.removeprefix("http://testserver")


def _invitation(org, email):
    with tenant_scope(org):
        return Invitation.objects.get(email=email)


def _signup(client, link, name="New Person", password=NEW_PASSWORD):
    return client.post(link, {"full_name": name, "password": password, "password_again": password})


def test_admin_gets_the_same_answer_whether_or_not_the_email_has_an_account(client, alice, charlie):
    """charlie@ has an account (in org B); nobody@ has none. Nothing on the page or in the log tells them apart."""
    import re

    def normalised(response, email):
        content = response.content.decode()
        link = response.context["new_invitation"]["link"]
        content = content.replace(link, "LINK").replace(email, "EMAIL")
        content = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "UUID", content)
        content = re.sub(r"\d{4}-\d\d-\d\dT[0-9:.+-]+", "TIME", content)
        return re.sub(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]+"', r"\1CSRF", content)

    users_before = UserModel.objects.count()
    existing = _invite(client, alice, charlie.user.email)
    existing_page = normalised(existing, charlie.user.email)
    with tenant_scope(alice.org):
        Invitation.objects.all().delete()
    new = _invite(client, alice, "nobody@example.test")
    assert existing.status_code == new.status_code == 200
    assert existing_page == normalised(new, "nobody@example.test")
    # Nobody was added or created; the log says the same for both.
    assert UserModel.objects.count() == users_before
    assert not Membership.objects.filter(organization=alice.org, user=charlie.user).exists()
    invited = list(AuditEvent.objects.filter(action="member_invited").order_by("id"))
    assert [(e.target_label, e.details) for e in invited] == [
        (charlie.user.email, {"role": "viewer"}), ("nobody@example.test", {"role": "viewer"})
    ]
    # The members page never lists charlie's sign-ins or anything of org B.
    page = client.get(reverse("audit_log", args=[alice.org.slug])).content.decode()
    assert charlie.org.name not in page


def test_only_a_hash_of_the_link_is_stored(client, alice):
    link = _invite_link(client, alice, "new@example.test")
    token = link.rstrip("/").rsplit("/", 1)[-1]
    invitation = _invitation(alice.org, "new@example.test")
    assert token not in invitation.token_hash and invitation.token_hash == Invitation.hash_token(token)


def test_new_person_creates_an_account_and_joins(client, alice):
    link = _invite_link(client, alice, "New@Example.test", role="researcher")
    page = client.get(link)
    assert page.status_code == 200 and "Create account and join" in page.content.decode()
    assert not UserModel.objects.filter(email="new@example.test").exists()
    response = _signup(client, link)
    assert response.status_code == 302 and response["Location"] == f"/o/{alice.org.slug}/"
    user = UserModel.objects.get(email="new@example.test")
    assert user.full_name == "New Person" and user.check_password(NEW_PASSWORD)
    assert Membership.objects.get(organization=alice.org, user=user).role == "researcher"
    assert client.session["_auth_user_id"] == str(user.pk)
    invitation = _invitation(alice.org, "new@example.test")
    assert invitation.accepted_at is not None and invitation.accepted_by == user
    assert AuditEvent.objects.get(action="invitation_accepted").organization == alice.org


def test_new_account_form_refuses_a_weak_or_mismatched_password(client, alice):
    link = _invite_link(client, alice, "new@example.test")
    weak = _signup(client, link, password="123")
    assert weak.status_code == 200 and "error" in weak.content.decode()
    mismatch = client.post(link, {"full_name": "N", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD + "x"})
    assert mismatch.status_code == 200 and "differ" in mismatch.content.decode()
    assert not UserModel.objects.filter(email="new@example.test").exists()
    assert _invitation(alice.org, "new@example.test").accepted_at is None


def test_signed_in_invitee_joins_only_when_they_say_so(client, alice, charlie):
    link = _invite_link(client, alice, charlie.user.email, role="marketer")
    client.force_login(charlie.user)
    page = client.get(link)
    assert page.status_code == 200 and f"Join {alice.org.name}" in page.content.decode()
    # Opening the link (or a mail scanner fetching it) joins nobody.
    assert not Membership.objects.filter(organization=alice.org, user=charlie.user).exists()
    response = client.post(link)
    assert response.status_code == 302 and response["Location"] == f"/o/{alice.org.slug}/"
    assert Membership.objects.get(organization=alice.org, user=charlie.user).role == "marketer"
    assert client.get(f"/o/{alice.org.slug}/").status_code == 200


def test_existing_account_not_signed_in_signs_in_then_joins(client, alice, charlie):
    link = _invite_link(client, alice, charlie.user.email)
    page = client.get(link)
    content = page.content.decode()
    assert page.status_code == 200 and "Sign in to accept" in content and "Create account" not in content
    # Creating a second account for that email is refused.
    assert _signup(client, link).status_code == 200
    assert UserModel.objects.filter(email=charlie.user.email).count() == 1
    signed_in = client.post(
        f"{reverse('login')}?next={link}", {"username": charlie.user.email, "password": PASSWORD, "next": link}
    )
    assert signed_in.status_code == 302 and signed_in["Location"] == link
    assert client.post(link).status_code == 302
    assert Membership.objects.filter(organization=alice.org, user=charlie.user).exists()


def test_someone_signed_in_with_another_account_cannot_accept(client, alice, charlie):
    link = _invite_link(client, alice, "dave@example.test")
    client.force_login(charlie.user)
    assert client.get(link).status_code == 403
    response = client.post(link)
    assert response.status_code == 403 and "another email address" in response.content.decode()
    assert not Membership.objects.filter(organization=alice.org, user=charlie.user).exists()
    assert _invitation(alice.org, "dave@example.test").accepted_at is None


def test_expired_invitation_says_so_and_joins_nobody(client, alice):
    from datetime import timedelta

    from django.utils import timezone

    link = _invite_link(client, alice, "new@example.test")
    with tenant_scope(alice.org):
        Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    page = client.get(link)
    assert page.status_code == 410 and "expired" in page.content.decode()
    assert _signup(client, link).status_code == 410
    assert not UserModel.objects.filter(email="new@example.test").exists()


def test_admin_lists_and_revokes_a_pending_invitation(client, alice):
    link = _invite_link(client, alice, "new@example.test")
    client.force_login(alice.user)
    members = client.get(reverse("members", args=[alice.org.slug])).content.decode()
    assert "new@example.test" in members and "status-invitation-pending" in members
    invitation = _invitation(alice.org, "new@example.test")
    response = client.post(reverse("invitation_revoke", args=[alice.org.slug, invitation.public_id]))
    assert response.status_code == 302
    # Listed with its state: withdrawn, no longer pending.
    members = client.get(reverse("members", args=[alice.org.slug])).content.decode()
    assert "status-invitation-revoked" in members and "status-invitation-pending" not in members
    assert AuditEvent.objects.get(action="invitation_revoked").organization == alice.org
    client.logout()
    page = client.get(link)
    assert page.status_code == 410 and "withdrawn" in page.content.decode()
    assert _signup(client, link).status_code == 410
    assert not UserModel.objects.filter(email="new@example.test").exists()


def test_a_used_invitation_cannot_be_used_again(client, alice, charlie):
    link = _invite_link(client, alice, charlie.user.email)
    client.force_login(charlie.user)
    assert client.post(link).status_code == 302
    Membership.objects.filter(organization=alice.org, user=charlie.user).delete()  # removed later by an admin
    again = client.post(link)
    assert again.status_code == 410 and "already used" in again.content.decode()
    assert not Membership.objects.filter(organization=alice.org, user=charlie.user).exists()


def test_unknown_or_malformed_tokens_are_404(client, alice):
    link = _invite_link(client, alice, "new@example.test")
    token = link.rstrip("/").rsplit("/", 1)[-1]
    org_part, secret = token.split(".", 1)
    for wrong in (f"{org_part}.{secret[:-1]}x", f"{'0' * 32}.{secret}", secret, "x" * 500, f"{org_part}.", "a.b"):
        assert client.get(reverse("invitation_accept", args=[wrong])).status_code == 404, wrong
        assert client.post(reverse("invitation_accept", args=[wrong])).status_code == 404, wrong


def test_revoking_another_orgs_invitation_is_404(client, alice, charlie):
    invitation, _ = invitation_create(organization=charlie.org, email="someone@example.test", role="viewer")
    client.force_login(alice.user)
    response = client.post(reverse("invitation_revoke", args=[alice.org.slug, invitation.public_id]))
    assert response.status_code == 404
    assert _invitation(charlie.org, "someone@example.test").revoked_at is None


def test_inviting_an_existing_member_of_this_org_is_a_form_error(client, alice, bob):
    client.force_login(alice.user)
    response = client.post(reverse("members", args=[alice.org.slug]), {"email": bob.user.email, "role": "viewer"})
    assert response.status_code == 200 and "already a member" in response.content.decode()
    with tenant_scope(alice.org):
        assert not Invitation.objects.exists()


def test_researcher_cannot_invite_or_revoke(client, alice, bob):
    invitation, _ = invitation_create(organization=alice.org, email="someone@example.test", role="viewer")
    client.force_login(bob.user)
    assert client.post(reverse("members", args=[bob.org.slug]), {"email": "x@x.test", "role": "admin"}).status_code == 403
    assert client.post(reverse("invitation_revoke", args=[bob.org.slug, invitation.public_id])).status_code == 403
    with tenant_scope(alice.org):
        assert Invitation.objects.count() == 1 and Invitation.objects.get().revoked_at is None


def _race(count, action):
    """Runs `action(i)` in `count` threads released together; each thread has its own connection."""
    results, barrier = [None] * count, threading.Barrier(count)

    def run(i):
        try:
            barrier.wait(10)
            results[i] = action(i)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_accepts_by_the_invitee_join_exactly_once(alice, charlie):
    _, raw_token = invitation_create(organization=alice.org, email=charlie.user.email, role="viewer", by=alice.user)
    link = reverse("invitation_accept", args=[raw_token])
    clients = [Client() for _ in range(4)]
    for each in clients:
        each.force_login(charlie.user)
    statuses = _race(4, lambda i: clients[i].post(link).status_code)
    assert sorted(statuses) == [302, 410, 410, 410]
    assert Membership.objects.filter(organization=alice.org, user=charlie.user).count() == 1
    assert AuditEvent.objects.filter(action="invitation_accepted").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sign_ups_through_one_link_create_exactly_one_account(alice):
    _, raw_token = invitation_create(organization=alice.org, email="new@example.test", role="viewer", by=alice.user)
    link = reverse("invitation_accept", args=[raw_token])
    statuses = _race(4, lambda i: _signup(Client(), link, name=f"Racer {i}").status_code)
    assert sorted(statuses) == [302, 410, 410, 410]
    assert UserModel.objects.filter(email="new@example.test").count() == 1
    assert Membership.objects.filter(organization=alice.org, user__email="new@example.test").count() == 1
