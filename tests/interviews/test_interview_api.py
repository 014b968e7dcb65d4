import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.services import api_key_create
from interviews.models import Interview
from tests.api_assertions import assert_error

from .factories import ParticipantFactory, StudyFactory

SRT = (
    b"1\n00:00:01,000 --> 00:00:02,500\nDana: I never read the manual.\n\n"
    b"2\n00:00:03,000 --> 00:00:04,000\nSam: Never?\n"
)


@pytest.fixture
def api(org_a):
    # personal_data: this CRM sync reads names and raw speaker labels (tests/test_personal_data.py has the others).
    _, raw = api_key_create(organization=org_a, name="crm", scopes=["read", "write", "personal_data"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def _upload(api, data=SRT, name="call.srt", **fields):
    return api.post("/api/v1/interviews/", {"file": SimpleUploadedFile(name, data), **fields}, format="multipart")


def test_upload_answers_202_then_the_interview_is_ready(api, org_a, django_capture_on_commit_callbacks):
    with tenant_scope(org_a):
        study = StudyFactory()
        participant = ParticipantFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(
            api, title="Dana", study=str(study.public_id), participant=str(participant.public_id),
            conducted_at="2026-10-01T10:00:00Z",
        )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "queued" and body["title"] == "Dana" and body["study"] == str(study.public_id)
    assert body["participants"] == [str(participant.public_id)]
    detail = api.get(f"/api/v1/interviews/{body['id']}/").json()
    assert detail["status"] == "ready" and detail["error"] is None and detail["utterance_count"] == 2
    utterances = api.get(f"/api/v1/interviews/{body['id']}/utterances/").json()
    assert [(u["speaker"], u["start_ms"], u["end_ms"], u["text"]) for u in utterances["results"]] == [
        ("Dana", 1000, 2500, "I never read the manual."),
        ("Sam", 3000, 4000, "Never?"),
    ]
    assert utterances["next"] is None


@pytest.mark.parametrize(
    "name,data,status",
    [
        ("empty.srt", b"", 415),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + bytes(64), 415),
        ("slides.pptx", b"PK\x03\x04junk", 415),
    ],
)
def test_bad_uploads_get_a_clear_4xx(api, org_a, name, data, status):
    response = _upload(api, data=data, name=name)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == "unsupported_file" and error["message"]
    with tenant_scope(org_a):
        assert not Interview.objects.exists()


def test_oversized_upload_is_413(api, settings):
    settings.UPLOAD_MAX_BYTES = 100
    response = _upload(api, data=SRT * 10)
    assert "limit" in assert_error(response, 413, "too_large")["details"]["file"][0]


def test_missing_file_is_400(api):
    response = api.post("/api/v1/interviews/", {"title": "x"}, format="multipart")
    assert assert_error(response, 400, "invalid")["details"]["file"]


def test_duplicate_upload_is_409_naming_the_existing_interview(api):
    first = _upload(api).json()
    response = _upload(api, name="again.srt")
    assert assert_error(response, 409, "duplicate")["details"]["existing"] == [first["id"]]


def test_unknown_study_is_400_not_500(api):
    response = _upload(api, study="00000000-0000-0000-0000-000000000000")
    assert "study" in assert_error(response, 400, "invalid")["message"]


def test_failed_interview_can_be_reprocessed(api, org_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        body = _upload(api, data=b"1\n00:00:01,000 --> nonsense\nHi\n", name="broken.srt").json()
    detail = api.get(f"/api/v1/interviews/{body['id']}/").json()
    assert detail["status"] == "failed" and detail["error"]
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/interviews/{body['id']}/reprocess/")
    assert response.status_code == 202 and response.json()["status"] == "queued"
    assert api.get(f"/api/v1/interviews/{body['id']}/").json()["status"] == "failed"


def test_speakers_are_listed_and_mapped(api, org_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        body = _upload(api).json()
    with tenant_scope(org_a):
        participant = ParticipantFactory()
    speakers = api.get(f"/api/v1/interviews/{body['id']}/speakers/").json()["results"]
    dana = next(s for s in speakers if s["label"] == "Dana")
    response = api.post(
        f"/api/v1/interviews/{body['id']}/speakers/{dana['id']}/", {"participant": str(participant.public_id)}, format="json"
    )
    assert response.status_code == 200 and response.json()["kind"] == "participant"
    utterances = api.get(f"/api/v1/interviews/{body['id']}/utterances/").json()["results"]
    assert utterances[0]["participant"] == str(participant.public_id) and utterances[0]["speaker_kind"] == "participant"


def test_delete_interview(api, org_a):
    body = _upload(api).json()
    assert api.delete(f"/api/v1/interviews/{body['id']}/").status_code == 204
    assert_error(api.get(f"/api/v1/interviews/{body['id']}/"), 404, "not_found")


def test_participants_and_studies_crud(api):
    created = api.post(
        "/api/v1/participants/", {"pseudonym": "P07", "attributes": {"role": "procurement"}, "external_ids": {"hubspot": "123"}},
        format="json",
    )
    assert created.status_code == 201, created.content
    pid = created.json()["id"]
    assert api.patch(f"/api/v1/participants/{pid}/", {"name": "Ida"}, format="json").json()["name"] == "Ida"
    duplicate = api.post("/api/v1/participants/", {"pseudonym": "P07"}, format="json")
    assert "pseudonym" in assert_error(duplicate, 409, "conflict")["message"]
    study = api.post("/api/v1/studies/", {"name": "Onboarding", "research_questions": ["Why churn?"]}, format="json")
    assert study.status_code == 201
    bad = api.post("/api/v1/studies/", {"name": "Dates", "starts_on": "2026-05-01", "ends_on": "2026-04-01"}, format="json")
    assert_error(bad, 400, "invalid")


def test_lists_are_cursor_paginated(api, org_a):
    with tenant_scope(org_a):
        for _ in range(5):
            ParticipantFactory()
    first = api.get("/api/v1/participants/?page_size=2").json()
    assert len(first["results"]) == 2 and first["next"]
    seen = [p["id"] for p in first["results"]]
    url = first["next"]
    while url:
        page = api.get(url).json()
        seen += [p["id"] for p in page["results"]]
        url = page["next"]
    assert len(seen) == len(set(seen)) == 5


def test_malformed_id_is_404(api):
    assert_error(api.get("/api/v1/interviews/not-a-uuid/"), 404, "not_found")


@pytest.mark.parametrize("role,status", [("viewer", 403), ("marketer", 403), ("researcher", 202)])
def test_upload_needs_the_research_role(member_factory, org_a, role, status):
    actor = member_factory(org_a, role)
    client = APIClient()
    client.force_login(actor.user)
    response = client.post(
        "/api/v1/interviews/", {"file": SimpleUploadedFile("c.srt", SRT)}, format="multipart", HTTP_X_ORGANIZATION=org_a.slug
    )
    assert response.status_code == status
    if status == 403:
        assert_error(response, 403, "permission_denied")


def test_viewer_cannot_write_anything(member_factory, org_a):
    viewer = member_factory(org_a, "viewer")
    client = APIClient()
    client.force_login(viewer.user)
    headers = {"HTTP_X_ORGANIZATION": org_a.slug}
    assert client.get("/api/v1/participants/", **headers).status_code == 200
    assert_error(client.post("/api/v1/participants/", {"pseudonym": "x"}, format="json", **headers), 403, "permission_denied")
    assert_error(client.post("/api/v1/studies/", {"name": "x"}, format="json", **headers), 403, "permission_denied")


def test_session_call_without_org_header_is_400(client, alice):
    client.force_login(alice.user)
    response = client.get("/api/v1/participants/")
    assert "X-Organization" in assert_error(response, 400, "invalid")["details"]


def test_openapi_schema_and_docs_are_served(client, db):
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200 and b"/api/v1/interviews/" in schema.content
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200 and b"cdn" not in docs.content.lower()
