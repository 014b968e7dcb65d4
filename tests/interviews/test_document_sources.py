"""PDF, HTML, Markdown and ODT documents through the usual upload: stored, highlightable and searchable.

Their utterances have null speaker, start_ms and end_ms where the document names none, and the schema says so.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from empathy_site.tenancy.services import api_key_create
from interviews.parsers.pdf import NO_TEXT_LAYER_MESSAGE

from .parsers.test_documents import odt, pdf_with_text, pdf_without_text

DOCUMENTS = {
    "notes.pdf": lambda: pdf_with_text("The depot still plans on whiteboards.", "Dana: Paper is faster for me."),
    "notes.html": lambda: (
        b"<html><head><script>var leaked = 'token'</script></head><body>"
        b"<p>The depot still plans on whiteboards.</p><p>Dana: Paper is faster for me.</p></body></html>"
    ),
    "notes.md": lambda: b"# The depot still plans on whiteboards.\n\n**Dana:** Paper is faster for me.\n",
    "notes.odt": lambda: odt("The depot still plans on whiteboards.", "Dana: Paper is faster for me."),
}


@pytest.fixture
def api(org_a):
    _, raw = api_key_create(organization=org_a, name="crm", scopes=["read", "write", "personal_data"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def _upload(api, name, data, captured):
    with captured(execute=True):
        response = api.post("/api/v1/interviews/", {"file": SimpleUploadedFile(name, data)}, format="multipart")
    assert response.status_code == 202, response.content
    return response.json()["id"]


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_document_becomes_a_highlightable_searchable_source(api, name, django_capture_on_commit_callbacks):
    interview = _upload(api, name, DOCUMENTS[name](), django_capture_on_commit_callbacks)
    detail = api.get(f"/api/v1/interviews/{interview}/").json()
    assert (detail["status"], detail["error"], detail["format"]) == ("ready", None, name.rsplit(".", 1)[1])
    assert detail["duration_ms"] is None
    utterances = api.get(f"/api/v1/interviews/{interview}/utterances/").json()["results"]
    assert [(u["speaker"], u["start_ms"], u["end_ms"], u["text"]) for u in utterances] == [
        (None, None, None, "The depot still plans on whiteboards."),
        ("Dana", None, None, "Paper is faster for me."),
    ]
    assert "token" not in str(utterances)

    tag = api.post("/api/v1/tags/", {"name": "Paper planning"}, format="json").json()["id"]
    highlight = api.post("/api/v1/highlights/", {
        "interview": interview, "start_position": 0, "start_offset": 22, "end_position": 0, "end_offset": 36,
        "tags": [tag],
    }, format="json")
    assert highlight.status_code == 201, highlight.content
    assert highlight.json()["quote"] == "on whiteboards"

    hits = api.get("/api/v1/search/", {"q": "whiteboards"}).json()["results"]
    assert {(hit["kind"], hit["speaker"]) for hit in hits} == {("highlight", None), ("utterance", None)}


def test_pdf_without_text_layer_fails_with_the_reason_and_keeps_the_file(api, django_capture_on_commit_callbacks):
    interview = _upload(api, "scan.pdf", pdf_without_text(), django_capture_on_commit_callbacks)
    detail = api.get(f"/api/v1/interviews/{interview}/").json()
    assert (detail["status"], detail["error"]) == ("failed", NO_TEXT_LAYER_MESSAGE)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("bomb.odt", odt(content=b"<text:p>" + b"a" * (60 * 1024 * 1024) + b"</text:p>")),
        ("fake.pdf", b"Dana: not a pdf"),
        ("sheet.odt", odt("x", mimetype=b"application/vnd.oasis.opendocument.spreadsheet")),
    ],
)
def test_hostile_documents_are_refused_at_upload(api, name, data):
    response = api.post("/api/v1/interviews/", {"file": SimpleUploadedFile(name, data)}, format="multipart")
    assert response.status_code == 415, response.content


def test_schema_says_speaker_and_times_may_be_null(api):
    schema = api.get("/api/v1/schema/?format=json").json()
    utterance = schema["components"]["schemas"]["Utterance"]["properties"]
    assert utterance["speaker"].get("nullable") is True
    assert utterance["start_ms"].get("nullable") is True and utterance["end_ms"].get("nullable") is True
