"""Four-eyes review of messages: on by default, the author cannot approve, review requests notify."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.models import AuditEvent, Notification, Role
from empathy_site.tenancy.services import api_key_create
from personas import services
from personas.models import Message, MessageReview
from tests.api_assertions import assert_error

from .fixtures import cite


@pytest.fixture
def grounded_by_bob(evidence, persona, bob):
    """A grounded message written by bob (researcher); alice is the admin."""
    with tenant_scope(evidence["org"]):
        claim = services.claim_create(persona=persona, kind="pain_point", statement="Hates rebuilding the spreadsheet")
        cite(claim, evidence["h"]["ana1"], evidence["h"]["ben"])
        return services.message_create(
            title="Spring", channel="email", body="Stop rebuilding spreadsheets", target_personas=[persona],
            check=services.CheckAnswers(basis="insight", own_taste=3, predicted_reaction=4, claims=[claim]), by=bob.user,
        )


def session_api(actor):
    client = APIClient()
    client.force_login(actor.user)
    client.credentials(HTTP_X_ORGANIZATION=actor.org.slug)
    return client


def test_the_author_cannot_approve_their_own_message_in_the_api(evidence, grounded_by_bob, bob, alice):
    refused = session_api(bob).post(f"/api/v1/messages/{grounded_by_bob.public_id}/approve/", {}, format="json")
    assert "Four-eyes" in assert_error(refused, 403, "self_approval")["message"]
    with tenant_scope(evidence["org"]):
        assert Message.objects.get(pk=grounded_by_bob.pk).status == "draft"
    approved = session_api(alice).post(f"/api/v1/messages/{grounded_by_bob.public_id}/approve/", {}, format="json")
    assert approved.status_code == 200 and approved.json()["approved_by"] == str(alice.user.public_id)


def test_the_author_of_the_current_revision_cannot_approve_either(evidence, persona, grounded_by_bob, alice):
    with tenant_scope(evidence["org"]):
        claim = grounded_by_bob.revisions.get().checks.get().claims.get()
        services.message_revise(message=grounded_by_bob, body="Alice's words", target_personas=[persona],
                                check=services.CheckAnswers(basis="insight", own_taste=3, predicted_reaction=4,
                                                            claims=[claim]), by=alice.user)
        with pytest.raises(services.SelfApprovalRefused):
            services.message_approve(message=grounded_by_bob, by=alice.user, is_admin=True)


def test_admins_turn_four_eyes_off_audited_and_then_authors_may_approve(client, evidence, grounded_by_bob, alice, bob):
    org = evidence["org"].slug
    client.force_login(bob.user)
    assert client.post(reverse("four_eyes", args=[org]), {}).status_code == 403  # admins only
    client.force_login(alice.user)
    response = client.post(reverse("four_eyes", args=[org]), {})  # the box unticked: off
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="four_eyes_changed")
    assert event.actor == alice.user and event.details == {"from": True, "to": False}
    with tenant_scope(evidence["org"]):
        assert services.message_approve(message=grounded_by_bob, by=bob.user).status == "approved"
    client.post(reverse("four_eyes", args=[org]), {"four_eyes_review": "on"})
    assert AuditEvent.objects.filter(action="four_eyes_changed").count() == 2


def test_request_review_notifies_the_reviewer_and_the_page_shows_who_approved_and_the_history(
    client, evidence, grounded_by_bob, alice, bob
):
    org = evidence["org"].slug
    detail = reverse("message_detail", args=[org, grounded_by_bob.public_id])
    client.force_login(bob.user)
    # The author cannot be named as their own reviewer.
    client.post(reverse("message_request_review", args=[org, grounded_by_bob.public_id]), {"reviewer": str(bob.user.public_id)})
    with tenant_scope(evidence["org"]):
        assert not Notification.objects.filter(kind="review_request").exists()
    client.post(reverse("message_request_review", args=[org, grounded_by_bob.public_id]),
                {"reviewer": str(alice.user.public_id), "note": "Legal wording checked"})
    with tenant_scope(evidence["org"]):
        told = Notification.objects.get(kind="review_request")
        assert told.user == alice.user and "Spring" in told.message and told.link == detail
        assert Message.objects.get(pk=grounded_by_bob.pk).status == "in_review"
    client.post(reverse("message_approve", args=[org, grounded_by_bob.public_id]))  # bob, the author: refused
    with tenant_scope(evidence["org"]):
        assert Message.objects.get(pk=grounded_by_bob.pk).status == "in_review"
    client.force_login(alice.user)
    client.post(reverse("message_review_comment", args=[org, grounded_by_bob.public_id]), {"body": "Shorter subject?"})
    client.post(reverse("message_approve", args=[org, grounded_by_bob.public_id]))
    with tenant_scope(evidence["org"]):
        kinds = list(MessageReview.objects.filter(message=grounded_by_bob).values_list("kind", flat=True))
        assert kinds == ["requested", "comment", "approved"]
        assert Notification.objects.filter(user=bob.user, kind="needs_review").exists()  # the author hears of the comment
    page = client.get(detail).content.decode()
    assert f"Approved by {alice.user.display_name}" in page
    assert "Legal wording checked" in page and "Shorter subject?" in page and "approved revision 1" in page


def test_a_reviewer_from_another_organisation_is_refused(evidence, grounded_by_bob, charlie, bob):
    with tenant_scope(evidence["org"]), pytest.raises(ValidationError, match="member"):
        services.message_request_review(message=grounded_by_bob, reviewer=charlie.user, by=bob.user)


def review_request(client, message, reviewer, **extra):
    return client.post(f"/api/v1/messages/{message.public_id}/review-requests/",
                       {"reviewer": str(reviewer.public_id), "note": "Check the claim"}, format="json", **extra)


def test_request_review_through_the_api_notifies_and_the_author_still_cannot_approve(
    evidence, grounded_by_bob, alice, bob, charlie
):
    as_bob = session_api(bob)
    # Not the author (four-eyes), not someone outside the organisation: 400 on the field, nobody told.
    assert "reviewer" in assert_error(review_request(as_bob, grounded_by_bob, bob.user), 400, "invalid")["details"]
    assert "reviewer" in assert_error(review_request(as_bob, grounded_by_bob, charlie.user), 400, "invalid")["details"]
    with tenant_scope(evidence["org"]):
        assert not Notification.objects.filter(kind="review_request").exists()

    first = review_request(as_bob, grounded_by_bob, alice.user, HTTP_IDEMPOTENCY_KEY="ask-alice")
    assert first.status_code == 201, first.content
    replayed = review_request(as_bob, grounded_by_bob, alice.user, HTTP_IDEMPOTENCY_KEY="ask-alice")
    assert replayed.status_code == 201 and replayed.json() == first.json()
    with tenant_scope(evidence["org"]):
        request = MessageReview.objects.get(message=grounded_by_bob, kind="requested")  # once, not twice
        told = Notification.objects.get(kind="review_request")
    assert first.json() == {
        "id": str(request.public_id), "message": str(grounded_by_bob.public_id), "reviewer": str(alice.user.public_id),
        "requested_by": str(bob.user.public_id), "note": "Check the claim", "revision": 1,
        "created_at": first.json()["created_at"],
    }
    assert told.user == alice.user and "Spring" in told.message
    assert told.link == reverse("message_detail", args=[evidence["org"].slug, grounded_by_bob.public_id])
    assert as_bob.get(f"/api/v1/messages/{grounded_by_bob.public_id}/").json()["status"] == "in_review"

    refused = as_bob.post(f"/api/v1/messages/{grounded_by_bob.public_id}/approve/", {}, format="json")
    assert_error(refused, 403, "self_approval")
    approved = session_api(alice).post(f"/api/v1/messages/{grounded_by_bob.public_id}/approve/", {}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    # An approved message needs no review.
    assert_error(review_request(as_bob, grounded_by_bob, alice.user), 400, "invalid")


def test_review_requests_by_role_and_key(evidence, grounded_by_bob, alice, member_factory):
    viewer = member_factory(evidence["org"], Role.VIEWER)
    assert_error(review_request(session_api(viewer), grounded_by_bob, alice.user), 403, "permission_denied")
    _, read_only = api_key_create(organization=evidence["org"], name="reader", scopes=["read"])
    _, writer = api_key_create(organization=evidence["org"], name="crm", scopes=["read", "write"])
    reader_client, writer_client = APIClient(), APIClient()
    reader_client.credentials(HTTP_AUTHORIZATION=f"Bearer {read_only}")
    writer_client.credentials(HTTP_AUTHORIZATION=f"Bearer {writer}")
    assert_error(review_request(reader_client, grounded_by_bob, alice.user), 403, "permission_denied")
    by_key = review_request(writer_client, grounded_by_bob, alice.user)
    assert by_key.status_code == 201 and by_key.json()["requested_by"] is None
    with tenant_scope(evidence["org"]):
        assert Notification.objects.get(kind="review_request").message.startswith("Someone asks you to review")


def test_review_request_for_another_organisations_message_is_not_found(evidence, grounded_by_bob, charlie):
    outsider = session_api(charlie)
    assert_error(review_request(outsider, grounded_by_bob, charlie.user), 404, "not_found")
