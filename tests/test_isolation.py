"""Walks every URL pattern: another organisation's objects are always a 404.

A new route whose URL arguments this test does not know makes it fail, so no
endpoint can skip the check.
"""

import uuid

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.services import api_key_create, invitation_create
from interviews import services
from interviews.models import Interview

from .api_assertions import assert_error
from .interviews.factories import ParticipantFactory, StudyFactory, UtteranceFactory
from .routes import url_arguments, walk_routes

# Pages about the whole organisation (no object id in the URL); the not-a-member walk covers them.
ORG_WIDE_ROUTES = {
    "dashboard", "members", "api_keys", "audit_log", "codebook", "tag_styles", "evidence_search", "patterns",
    "patterns_matrix_csv", "patterns_cooccurrence_csv", "persona_gallery", "evidence_policy", "notifications",
    "message_create", "message_evidence_panel", "message_highlight_picker", "message_insights", "message_insights_csv",
    "privacy_settings", "retention_run", "webhooks", "comment_create", "memo_create", "four_eyes",
    "notification_settings", "exercise-score", "calibration", "outcome_import", "exercise_list", "exercise_create",
    # Research exchange: exports of the whole organisation (or of what a query selects).
    "export-codebook-qdc", "export-project-qdpx", "export-highlights-xlsx", "export-highlights-docx",
    "export-highlights-csv", "export-highlights-html", "export-codebook-csv", "export-codebook-xlsx",
    "export-codebook-docx", "imports", "export_highlights", "export_codebook", "export_project", "export_backup", "export_jobs", "reel_list",
}
# Routes with no tenant object in them (checked here only for existing).
# invitation_accept's `token` is itself the credential and names its organisation, so it answers whoever holds
# the link; tests/tenancy/test_invitations_and_throttling.py checks it.
# media_file's `token` is signed by the site, names its organisation and object, and expires; tests/interviews/
# test_media.py checks that it opens nothing of another organisation.
# api-unknown is the 404 for every API path no endpoint answers: it reads nothing (test_webhook_api_and_ratelimit).
PUBLIC_ROUTES = {"healthz", "readyz", "login", "logout", "home", "api-schema", "api-docs", "invitation_accept",
                 "api-unknown", "media_file",
                 # The signed-in person's own account (no organisation): tests/tenancy/test_team_accounts.py.
                 "account", "sessions_end", "password_change", "password_change_done", "password_reset",
                 "password_reset_done", "password_reset_confirm", "password_reset_complete"}


def all_named_routes():
    seen = {}
    for route, pattern in walk_routes():
        name = pattern.name
        if not name or (name.endswith("-schema") and name != "api-schema"):
            continue
        seen.setdefault(name, (route, sorted(set(url_arguments(route)) - {"format"})))
    return seen


@pytest.fixture
def b_objects(org_b, charlie):
    with tenant_scope(org_b):
        utterance = UtteranceFactory()  # the factories take org B, the active tenant
        interview = Interview.objects.get(pk=utterance.interview_id)
        objects = {
            "interview": interview,
            "speaker": utterance.speaker,
            "participant": ParticipantFactory(),
            "study": StudyFactory(),
        }
        interview.status = "ready"
        from interviews.models import RedactionFinding

        objects["finding"] = RedactionFinding.objects.create(
            organization=org_b, interview=interview, utterance=utterance, start=0, end=3, kind="name", placeholder="[X]"
        )
        objects["tag"] = services.tag_create(name="B tag")
        objects["highlight"] = services.highlight_create(
            interview=interview, span=services.Span(utterance.position, 0, utterance.position, 3), tags=[objects["tag"]]
        )
        objects["assignment"] = services.assignment_create(interview=interview, coder=charlie.user)
        services.assignment_set_done(assignment=objects["assignment"], done=True, by=charlie.user, for_others=False)
        objects["reconciliation"] = services.reconcile(utterance=utterance, tag=objects["tag"], decision="discard")
        from personas import services as persona_services

        persona = persona_services.persona_create(name="B persona")
        claim = persona_services.claim_create(persona=persona, kind="goal", statement="B goal")
        objects.update(
            persona=persona, claim=claim,
            citation=persona_services.citation_create(claim=claim, highlight=objects["highlight"]),
            message=persona_services.message_create(
                title="B message", channel="email", body="B words", target_personas=[persona],
                check=persona_services.CheckAnswers(basis="preference", own_taste=3, predicted_reaction=3),
            ),
        )
        objects["outcome"] = persona_services.outcome_record(message=objects["message"], observed_reaction=2)
        ParticipantFactory(attributes={"role": "buyer"})
        objects["exercise"] = persona_services.exercise_create(title="B exercise", questions=[
            persona_services.QuestionSpec(kind="share", tag=objects["tag"], segment="buyer")])
        from empathy_site.sync.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

        endpoint = WebhookEndpoint.objects.create(organization=org_b, url="https://example.com/hook", events=["highlight.created"],
                                                  secret="whsec_dGVzdA==")
        event = WebhookEvent.objects.create(organization=org_b, event_type="highlight.created", payload={})
        from django.utils import timezone

        objects["webhook"] = endpoint
        from empathy_site.sync.models import FailedTask

        objects["failed_task"] = FailedTask.objects.create(organization=org_b, task_name="x", args=[org_b.pk], error="e")
        from interop.models import ExportJob, ImportJob

        objects["import_job"] = ImportJob.objects.create(organization=org_b, filename="b.qdc", format="qdc")
        objects["export_job"] = ExportJob.objects.create(organization=org_b, kind="project")
        objects["delivery"] = WebhookDelivery.objects.create(organization=org_b, endpoint=endpoint, event=event,
                                                             next_attempt_at=timezone.now())
        from collaboration import services as collaboration_services

        objects["comment"] = collaboration_services.comment_create(target_type="persona", target=persona, body="B comment")
        objects["memo"] = collaboration_services.memo_create(target_type="study", target=objects["study"], body="B memo")
        from empathy_site.tenancy.models import Notification

        objects["notification"] = Notification.objects.create(organization=org_b, user=charlie.user, kind="mention",
                                                               message="B note")
    with tenant_scope(org_b):
        from interviews.models import Clip, Media, Reel, ReelItem

        Media.objects.create(interview=interview, original_name="recordings/b.wav", original_filename="b.wav",
                             file_name="recordings/b.wav", status="ready", duration_ms=9000, content_type="audio/wav")
        objects["clip"] = Clip.objects.create(highlight=objects["highlight"], interview=interview, start_ms=0,
                                              end_ms=900, status="ready", file_name="clips/b.ogg")
        objects["reel"] = Reel.objects.create(title="B reel", status="ready", file_name="reels/b.ogg")
        ReelItem.objects.create(reel=objects["reel"], highlight=objects["highlight"], position=0)
        from interviews.models import MediaUpload

        objects["media_upload"] = MediaUpload.objects.create(interview=interview, filename="b.wav", size=10)
    key, _ = api_key_create(organization=org_b, name="b key", scopes=["read"])
    objects["key"] = key
    objects["invitation"], _ = invitation_create(organization=org_b, email="someone@example.test", role="viewer")
    objects["user"] = charlie.user
    return objects


# URL argument -> which of org B's objects fills it.
KWARG_OBJECTS = {
    "interview_id": "interview",
    "speaker_id": "speaker",
    "participant_id": "participant",
    "study_id": "study",
    "key_id": "key",
    "user_id": "user",
    "tag_id": "tag",
    "highlight_id": "highlight",
    "persona_id": "persona",
    "claim_id": "claim",
    "citation_id": "citation",
    "message_id": "message",
    "finding_id": "finding",
    "delivery_id": "delivery",
    "webhook_id": "webhook",
    "failed_task_id": "failed_task",
    "invitation_id": "invitation",
    "comment_id": "comment",
    "memo_id": "memo",
    "notification_id": "notification",
    "outcome_id": "outcome",
    "exercise_id": "exercise",
    "import_id": "import_job",
}
# API router basenames: {basename}-detail etc. take `id`.
API_BASENAMES = {
    "interview": "interview", "participant": "participant", "study": "study", "tag": "tag", "highlight": "highlight",
    "persona": "persona", "claim": "claim", "citation": "citation", "message": "message", "webhook": "webhook",
    "comment": "comment", "memo": "memo", "invitation": "invitation",
    "assignment": "assignment", "reconciliation": "reconciliation",
    "exercise": "exercise", "import": "import_job", "export": "export_job",  # export-job-detail
    "clip": "clip", "reel": "reel", "mediaupload": "media_upload",
}


def build_kwargs(name, kwarg_names, objects, org_slug):
    kwargs = {}
    for kwarg in kwarg_names:
        if kwarg == "org_slug":
            kwargs[kwarg] = org_slug
        elif kwarg in KWARG_OBJECTS:
            kwargs[kwarg] = objects[KWARG_OBJECTS[kwarg]].public_id
        elif kwarg == "id" and name.split("-")[0] in API_BASENAMES:
            kwargs[kwarg] = objects[API_BASENAMES[name.split("-")[0]]].public_id
        else:
            pytest.fail(f"URL {name!r} takes {kwarg!r}, which the isolation test does not know. Teach it.")
    return kwargs


def _status_any_method(client, url, **extra):
    response = client.get(url, **extra)
    if response.status_code == 405:
        response = client.post(url, {}, **extra)
    return response.status_code


def test_every_route_is_known_to_this_test():
    for name, (_, kwarg_names) in all_named_routes().items():
        if name in PUBLIC_ROUTES:
            continue
        for kwarg in kwarg_names:
            known = kwarg in KWARG_OBJECTS or kwarg == "org_slug" or (kwarg == "id" and name.split("-")[0] in API_BASENAMES)
            assert known, f"{name}: URL argument {kwarg!r} is not covered by the isolation test"
        assert set(kwarg_names) - {"org_slug"} or name in ORG_WIDE_ROUTES or name.endswith(("-list", "-bulk", "_list", "-detail", "-upsert", "-snapshot")), (
            f"{name}: no object in the URL; add it to ORG_WIDE_ROUTES or to the object checks"
        )


def test_every_object_url_of_another_org_is_404_in_the_ui(client, alice, b_objects):
    client.force_login(alice.user)
    checked = 0
    for name, (_, kwarg_names) in all_named_routes().items():
        if name.startswith("api") or "-" in name or name in PUBLIC_ROUTES:
            continue
        if set(kwarg_names) - {"org_slug"}:
            url = reverse(name, kwargs=build_kwargs(name, kwarg_names, b_objects, alice.org.slug))
            assert _status_any_method(client, url) == 404, url
            checked += 1
    assert checked >= 8


def test_every_page_of_an_org_i_do_not_belong_to_is_404(client, alice, b_objects):
    client.force_login(alice.user)
    for name, (_, kwarg_names) in all_named_routes().items():
        if "org_slug" in kwarg_names:
            url = reverse(name, kwargs=build_kwargs(name, kwarg_names, b_objects, "org-b"))
            assert _status_any_method(client, url) == 404, url


@pytest.mark.parametrize("auth", ["api_key", "session"])
def test_every_api_object_url_of_another_org_is_404(alice, b_objects, auth):
    client = APIClient()
    if auth == "api_key":
        _, raw = api_key_create(organization=alice.org, name="a key", scopes=["read", "write"])
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        extra = {}
    else:
        client.force_login(alice.user)
        extra = {"HTTP_X_ORGANIZATION": alice.org.slug}
    checked = 0
    for name, (_, kwarg_names) in all_named_routes().items():
        if "-" not in name or name in PUBLIC_ROUTES or not kwarg_names:
            continue
        url = reverse(name, kwargs=build_kwargs(name, kwarg_names, b_objects, alice.org.slug))
        kwargs = build_kwargs(name, kwarg_names, b_objects, alice.org.slug)
        unknown = reverse(name, kwargs={k: (uuid.uuid4() if isinstance(v, uuid.UUID) else v) for k, v in kwargs.items()})
        for method in ("get", "patch", "put", "delete", "post"):
            response = getattr(client, method)(url, {}, format="json", **extra)
            status = response.status_code
            if status == 403 and auth == "api_key":
                # A key without the right gets 403 for any id (admin-only resources): no existence leak.
                assert_error(response, 403, "permission_denied")
                assert_error(getattr(client, method)(unknown, {}, format="json", **extra), 403, "permission_denied")
                continue
            assert status in (404, 405), f"{method.upper()} {url} answered {status}"
            if status == 404:
                assert_error(response, 404, "not_found")
                checked += 1
    assert checked >= 6


def test_session_user_naming_an_org_they_are_not_in_gets_404(client, alice, org_b):
    client.force_login(alice.user)
    response = client.get("/api/v1/participants/", HTTP_X_ORGANIZATION=org_b.slug)
    assert_error(response, 404, "not_found")


def test_api_key_of_a_lists_none_of_bs_rows(alice, b_objects):
    _, raw = api_key_create(organization=alice.org, name="a key", scopes=["read"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    for resource in ("participants", "studies", "interviews", "tags", "highlights", "personas", "claims", "citations", "messages",  # noqa: E501
                     "comments", "memos", "assignments", "reconciliations", "clips", "reels"):
        body = client.get(f"/api/v1/{resource}/").json()
        assert body == {"results": [], "next": None}, resource


@pytest.mark.parametrize("path", ["/api/v1/agreement/", "/api/v1/agreement/disagreements/"])
def test_agreement_of_another_orgs_interview_or_study_is_refused_as_unknown(alice, b_objects, path):
    _, raw = api_key_create(organization=alice.org, name="a key", scopes=["read"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    for field in ("interview", "study"):
        response = client.get(path, {field: str(b_objects[field].public_id)})
        assert_error(response, 400, "invalid")
        assert f"No {field} with id" in str(response.json())


def test_unauthenticated_api_call_is_401(db):
    response = APIClient().get("/api/v1/interviews/")
    assert_error(response, 401, "not_authenticated")
