"""Comments with @mentions and memos: API, notifications, threads, roles, audit, changes feed, erasure."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from collaboration import services
from collaboration.models import Comment, Memo
from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.models import AuditEvent, Notification
from interviews import services as interview_services
from interviews.services import participant_erase
from personas import services as persona_services
from tests.api_assertions import assert_error
from tests.interviews.factories import StudyFactory


def session_api(actor):
    client = APIClient()
    client.force_login(actor.user)
    client.credentials(HTTP_X_ORGANIZATION=actor.org.slug)
    return client


@pytest.fixture
def marketer(evidence, member_factory):
    return member_factory(evidence["org"], "marketer", "mia@example.test")


def test_a_comment_mentioning_a_member_notifies_them_and_no_one_else(evidence, persona, alice, bob, charlie):
    api = session_api(alice)
    response = api.post("/api/v1/comments/", {
        "target_type": "persona", "target": str(persona.public_id),
        "body": "@bob@example.test is this claim strong enough? cc @charlie@example.test and @nobody@example.test.",
    }, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["target_type"] == "persona" and body["target"] == str(persona.public_id)
    assert body["author"] == str(alice.user.public_id) and body["resolved"] is False
    # Charlie is in another organisation: a mention of his address is plain text, nobody there is told.
    assert body["mentions"] == [str(bob.user.public_id)]
    with tenant_scope(evidence["org"]):
        told = list(Notification.objects.filter(kind="mention"))
        assert [n.user for n in told] == [bob.user]
        assert "Careful" not in told[0].message and "is this claim strong enough" in told[0].message
        assert told[0].link.endswith(f"#comment-{body['id']}")
    with tenant_scope(charlie.org):
        assert not Notification.objects.filter(user=charlie.user).exists()


def test_each_target_type_takes_comments_and_a_wrong_target_is_400(evidence, persona, alice):
    api = session_api(alice)
    with tenant_scope(evidence["org"]):
        claim = persona_services.claim_create(persona=persona, kind="goal", statement="Wants fewer spreadsheets")
        message = persona_services.message_create(
            title="t", channel="email", body="b", target_personas=[persona],
            check=persona_services.CheckAnswers(basis="preference", own_taste=3, predicted_reaction=3))
    targets = {"highlight": evidence["h"]["ana1"], "claim": claim, "persona": persona, "message": message,
               "interview": evidence["interviews"]["ben"]}
    for kind, target in targets.items():
        response = api.post("/api/v1/comments/", {"target_type": kind, "target": str(target.public_id), "body": f"On {kind}"},
                            format="json")
        assert response.status_code == 201, (kind, response.content)
        listed = api.get("/api/v1/comments/", {"target_type": kind, "target": str(target.public_id)}).json()["results"]
        assert [c["body"] for c in listed] == [f"On {kind}"]
    # A persona's id given as a highlight: the same 400 as an id that exists nowhere.
    wrong = api.post("/api/v1/comments/", {"target_type": "highlight", "target": str(persona.public_id), "body": "x"},
                     format="json")
    assert "target" in assert_error(wrong, 400, "invalid")["details"]
    assert_error(api.post("/api/v1/comments/", {"target_type": "tag", "target": str(persona.public_id), "body": "x"},
                          format="json"), 400, "invalid")
    assert_error(api.post("/api/v1/comments/", {"target_type": "persona", "target": str(persona.public_id), "body": " "},
                          format="json"), 400, "invalid")
    assert_error(api.get("/api/v1/comments/", {"target_type": "persona"}), 400, "invalid")


def test_threads_are_replied_to_resolved_and_reopened(evidence, persona, alice, bob):
    with tenant_scope(evidence["org"]):
        root = services.comment_create(target_type="persona", target=persona, body="Is Ben procurement?", by=alice.user)
    api = session_api(bob)
    reply = api.post("/api/v1/comments/", {"target_type": "persona", "target": str(persona.public_id), "body": "Yes",
                                           "parent": str(root.public_id)}, format="json")
    assert reply.status_code == 201 and reply.json()["parent"] == str(root.public_id)
    resolved = api.patch(f"/api/v1/comments/{reply.json()['id']}/", {"resolved": True}, format="json")
    assert resolved.status_code == 200
    root_now = api.get(f"/api/v1/comments/{root.public_id}/").json()
    assert root_now["resolved"] is True and root_now["resolved_by"] == str(bob.user.public_id)
    # A new reply reopens the thread.
    api.post("/api/v1/comments/", {"target_type": "persona", "target": str(persona.public_id), "body": "Wait, no",
                                   "parent": str(root.public_id)}, format="json")
    assert api.get(f"/api/v1/comments/{root.public_id}/").json()["resolved"] is False
    # Only the author edits the words.
    assert_error(api.patch(f"/api/v1/comments/{root.public_id}/", {"body": "Rewritten"}, format="json"), 403,
                 "permission_denied")


def test_deleting_is_for_the_author_or_an_admin_and_is_audited(evidence, persona, alice, bob):
    with tenant_scope(evidence["org"]):
        comment = services.comment_create(target_type="persona", target=persona, body="Bob's note", by=bob.user)
        other = services.comment_create(target_type="persona", target=persona, body="Alice's note", by=alice.user)
    assert_error(session_api(bob).delete(f"/api/v1/comments/{other.public_id}/"), 403, "permission_denied")
    assert session_api(alice).delete(f"/api/v1/comments/{comment.public_id}/").status_code == 204
    event = AuditEvent.objects.get(action="comment_deleted")
    assert event.actor == alice.user and event.details["target_type"] == "persona"
    assert "Bob's note" not in str(event.details) + event.target_label  # the audit log never holds content
    with tenant_scope(evidence["org"]):
        assert list(Comment.objects.values_list("body", flat=True)) == ["Alice's note"]


def test_roles_viewers_read_marketers_comment_only_researchers_write_memos(evidence, persona, marketer, member_factory):
    viewer = member_factory(evidence["org"], "viewer", "vic@example.test")
    study_target = evidence["interviews"]["ben"]
    comment = {"target_type": "persona", "target": str(persona.public_id), "body": "Hello"}
    memo = {"target_type": "interview", "target": str(study_target.public_id), "body": "Long thought"}
    assert_error(session_api(viewer).post("/api/v1/comments/", comment, format="json"), 403, "permission_denied")
    assert session_api(viewer).get("/api/v1/comments/").status_code == 200
    assert session_api(marketer).post("/api/v1/comments/", comment, format="json").status_code == 201
    assert_error(session_api(marketer).post("/api/v1/memos/", memo, format="json"), 403, "permission_denied")
    client = APIClient()
    client.force_login(viewer.user)
    page = reverse("comment_create", args=[evidence["org"].slug])
    assert client.post(page, {"target_type": "persona", "target": str(persona.public_id), "body": "x"}).status_code == 403


def test_memos_on_interviews_tags_and_studies_with_author_and_time(evidence, alice, bob):
    api = session_api(bob)
    with tenant_scope(evidence["org"]):
        tag = interview_services.tag_create(name="Trust")
        study = evidence["interviews"]["ben"].study
    targets = {"interview": evidence["interviews"]["ben"], "tag": tag}
    if study is not None:
        targets["study"] = study
    else:
        with tenant_scope(evidence["org"]):
            targets["study"] = StudyFactory(organization=evidence["org"])
    for kind, target in targets.items():
        created = api.post("/api/v1/memos/", {"target_type": kind, "target": str(target.public_id), "title": f"About {kind}",
                                              "body": "What we learnt"}, format="json")
        assert created.status_code == 201, created.content
        memo = created.json()
        assert memo["author"] == str(bob.user.public_id) and memo["created_at"] and memo["target_type"] == kind
    memo_id = memo["id"]
    edited = api.patch(f"/api/v1/memos/{memo_id}/", {"body": "What we learnt, revised"}, format="json")
    assert edited.status_code == 200 and edited.json()["body"] == "What we learnt, revised"
    assert api.delete(f"/api/v1/memos/{memo_id}/").status_code == 204
    assert AuditEvent.objects.filter(action="memo_deleted", actor=bob.user).count() == 1
    client = APIClient()
    client.force_login(alice.user)
    page = client.get(reverse("tag_detail", args=[evidence["org"].slug, tag.public_id])).content.decode()
    assert "About tag" in page and "What we learnt" in page and bob.user.display_name in page


def _follow(api, cursor):
    entries, page = [], api.get("/api/v1/changes/", {"cursor": cursor}).json()
    while True:
        entries += page["results"]
        if not page["next"]:
            return entries
        page = api.get(page["next"]).json()


def test_comments_and_memos_are_in_the_changes_feed(evidence, persona, alice):
    api = session_api(alice)
    cursor = api.get("/api/v1/changes/").json()["cursor"]
    comment = api.post("/api/v1/comments/", {"target_type": "persona", "target": str(persona.public_id), "body": "Feed me"},
                       format="json").json()
    memo = api.post("/api/v1/memos/", {"target_type": "interview", "target": str(evidence["interviews"]["ana1"].public_id),
                                       "body": "A memo"}, format="json").json()
    entries = [e for e in _follow(api, cursor) if e["type"] in ("comment", "memo")]
    assert [(e["type"], e["action"], e["id"]) for e in entries] == [
        ("comment", "created", comment["id"]), ("memo", "created", memo["id"])]
    assert entries[0]["object"]["body"] == "Feed me" and entries[1]["object"]["target_type"] == "interview"
    cursor = api.get("/api/v1/changes/", {"cursor": cursor}).json()["cursor"]
    api.delete(f"/api/v1/comments/{comment['id']}/")
    deleted = [e for e in _follow(api, cursor) if e["type"] == "comment"]
    assert [(e["action"], e["id"], e["object"]) for e in deleted] == [("deleted", comment["id"], None)]


def test_erasing_a_participant_removes_their_words_quoted_in_comments_and_memos(evidence, persona, alice):
    quote = "I compare vendors in a spreadsheet every quarter."
    with tenant_scope(evidence["org"]):
        comment = services.comment_create(target_type="persona", target=persona, by=alice.user,
                                          body=f"Ana said “{quote}” — that is our headline.")
        memo = services.memo_create(target_type="interview", target=evidence["interviews"]["ben"], by=alice.user,
                                    title="Ana", body=f"Compare with: {quote}")
        on_her_highlight = services.comment_create(target_type="highlight", target=evidence["h"]["ana1"], body="Strong",
                                                   by=alice.user)
        participant_erase(participant=evidence["people"]["ana"], by=alice.user)
        comment.refresh_from_db()
        memo.refresh_from_db()
        assert quote not in comment.body and "that is our headline" in comment.body
        assert quote not in memo.body and "Ana" not in memo.title
        # A comment on one of her erased highlights goes with the highlight.
        assert not Comment.objects.filter(pk=on_her_highlight.pk).exists()
        assert Memo.objects.filter(pk=memo.pk).exists()


def test_the_ui_thread_posts_a_mention_and_resolves(client, evidence, persona, alice, bob):
    client.force_login(alice.user)
    org = evidence["org"].slug
    detail = reverse("persona_detail", args=[org, persona.public_id])
    page = client.get(detail).content.decode()
    assert "New comment" in page and "bob@example.test" in page  # the member list to pick a mention from
    response = client.post(reverse("comment_create", args=[org]), {
        "target_type": "persona", "target": str(persona.public_id), "body": "@bob@example.test look", "next": detail})
    assert response.status_code == 302 and response["Location"] == detail
    with tenant_scope(evidence["org"]):
        comment = Comment.objects.get()
        assert Notification.objects.filter(user=bob.user, kind="mention").count() == 1
    client.post(reverse("comment_resolve", args=[org, comment.public_id]), {"next": detail})
    page = client.get(detail).content.decode()
    assert "Resolved by" in page and "@bob@example.test look" in page
    discussion = client.get(reverse("highlight_discussion", args=[org, evidence["h"]["ben"].public_id]))
    assert discussion.status_code == 200 and "New comment" in discussion.content.decode()
