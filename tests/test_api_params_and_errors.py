"""Issue 13, "the schema must be exact": unknown query parameters answer 400 naming them; every error's
`details` is {name: [messages]}; every code has one status, and docs/api-errors.md lists them all.

The list endpoints come from the OpenAPI schema (tests/test_bad_input.py's walk), so a new one is covered
without being added here.
"""

import inspect
import re
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import get_resolver
from rest_framework import exceptions
from rest_framework.test import APIClient

from empathy_site.api import errors
from empathy_site.api.errors import ERROR_CODES, error_body, exception_handler, field_errors
from empathy_site.tenancy.services import api_key_create
from tests.api_assertions import assert_error
from tests.test_api_schema import build_objects, no_dns  # noqa: F401  (no_dns is a fixture)
from tests.test_bad_input import _base_query, _fill_path, _schema, list_operations

ROOT = Path(__file__).resolve().parent.parent
UNKNOWN = "Not a query parameter of this operation"


def assert_field_messages(details) -> None:
    """The one `details` shape: {name: [message, ...]}, every message a non-empty string."""
    assert isinstance(details, dict), details
    for name, messages in details.items():
        assert isinstance(name, str) and name, details
        assert isinstance(messages, list) and messages, details
        assert all(isinstance(message, str) and message for message in messages), details


def _value_for(parameter: dict) -> str:
    """A plausible value of a documented query parameter, from its schema."""
    schema = parameter.get("schema", {})
    if schema.get("enum"):
        return str(schema["enum"][0])
    return {"integer": "1", "boolean": "true", "number": "1"}.get(schema.get("type"), {
        "uuid": str(uuid.uuid4()), "date-time": "2026-01-01T00:00:00Z", "date": "2026-01-01",
    }.get(schema.get("format"), "vendors"))


@pytest.fixture
def world(db, no_dns, alice):  # noqa: F811
    """One of every object, an admin's client, and the list operations of the schema (as tests/test_bad_input.py)."""
    ids = build_objects(alice.org)
    client = APIClient()
    client.force_login(alice.user)
    client.credentials(HTTP_X_ORGANIZATION=alice.org.slug)
    return ids, client, list_operations(_schema(client))


# --- Unknown query parameters -----------------------------------------------------------------------------


def test_every_list_refuses_unknown_query_parameters_naming_each(world):
    ids, client, operations = world
    for op in operations:
        response = client.get(_fill_path(op["path"], ids), {**_base_query(op["parameters"]), "bogus": "1", "statu": "x"})
        error = assert_error(response, 400, "invalid")
        assert set(error["details"]) == {"bogus", "statu"}, (op["path"], error)
        assert UNKNOWN in error["details"]["statu"][0] and error["message"].startswith("bogus: ")
        assert_field_messages(error["details"])


def test_every_documented_query_parameter_is_accepted(world):
    """What the schema documents, the API reads: none of it is refused as unknown."""
    ids, client, operations = world
    for op in operations:
        for name, parameter in op["parameters"].items():
            query = {**_base_query(op["parameters"]), name: _value_for(parameter)}
            response = client.get(_fill_path(op["path"], ids), query)
            if response.status_code == 400:
                refused = response.json()["error"]["details"].get(name, [])
                assert not any(UNKNOWN in message for message in refused), (op["path"], name, refused)


def test_filters_and_parameters_apply_only_where_the_operation_reads_them(world):
    ids, client, _ = world
    assert client.get("/api/v1/interviews/", {"status": "ready", "study": str(ids["studies"])}).json()["results"]
    assert client.get("/api/v1/participants/", {"q": "Dana", "page_size": "5", "format": "json"}).status_code == 200
    refused = [
        # A list's filter or search on a detail: not an operation that reads it.
        (f"/api/v1/participants/{ids['participants']}/", "q"),
        (f"/api/v1/interviews/{ids['interviews']}/", "status"),
        (f"/api/v1/interviews/{ids['interviews']}/", "cursor"),
        # The interview list's filter is not the utterances'.
        (f"/api/v1/interviews/{ids['interviews']}/utterances/", "status"),
        (f"/api/v1/interviews/{ids['interviews']}/speakers/", "page_size"),
        ("/api/v1/search/", "page_size"),
        ("/api/v1/changes/", "page_size"),
    ]
    for path, name in refused:
        query = {"q": "vendors"} if path == "/api/v1/search/" else {}
        error = assert_error(client.get(path, {**query, name: "1"}), 400, "invalid")
        assert list(error["details"]) == [name] and UNKNOWN in error["details"][name][0], (path, error)
    # Writes too: the upsert is not a list to paginate.
    response = client.post("/api/v1/participants/upsert/?cursor=x", {"system": "hubspot", "participants": []},
                           format="json")
    assert list(assert_error(response, 400, "invalid")["details"]) == ["cursor"]


def test_utterances_page_with_cursor_and_page_size(world):
    ids, client, _ = world
    path = f"/api/v1/interviews/{ids['interviews']}/utterances/"
    first = client.get(path, {"page_size": "1"}).json()
    assert len(first["results"]) == 1 and first["next"]
    assert client.get(first["next"]).status_code == 200


@pytest.mark.parametrize("value", ["0", "501", "-1", "abc", "1.5"])
def test_page_size_outside_1_to_500_is_a_400_naming_it(world, value):
    _, client, _ = world
    error = assert_error(client.get("/api/v1/participants/", {"page_size": value}), 400, "invalid")
    assert list(error["details"]) == ["page_size"] and "1 to 500" in error["details"]["page_size"][0]
    assert_field_messages(error["details"])


def test_page_size_at_the_bounds_and_the_feed_limit(world):
    _, client, _ = world
    for value in ("1", "500"):
        assert client.get("/api/v1/participants/", {"page_size": value}).status_code == 200
    for value in ("0", "501"):
        error = assert_error(client.get("/api/v1/changes/", {"limit": value}), 400, "invalid")
        assert list(error["details"]) == ["limit"]
        assert_field_messages(error["details"])


# --- The details shape ------------------------------------------------------------------------------------


def test_details_are_field_messages_for_every_kind_of_validation_error(world):
    ids, client, _ = world
    answers = [
        # Raised with a bare string for a field.
        assert_error(client.get("/api/v1/participants/", {"external_id": "no-colon"}), 400, "invalid"),
        assert_error(client.get("/api/v1/participants/", {"cursor": "!!!"}), 400, "invalid"),
        # A service's bare message: about the request as a whole.
        assert_error(client.post(f"/api/v1/tags/{ids['tags']}/merge/", {"into": str(ids["tags"])}, format="json"),
                     400, "invalid"),
        # Not JSON at all.
        assert_error(client.post("/api/v1/studies/", "{not json", content_type="application/json"), 400, "invalid"),
        # A nested row of a batch.
        assert_error(client.post("/api/v1/participants/upsert/", {
            "system": "hubspot", "participants": [{"external_id": "1", "pseudonym": "P-1", "email": "not-an-email"}],
        }, format="json"), 400, "invalid"),
    ]
    for error in answers:
        assert_field_messages(error["details"])
        assert error["details"], error
    assert list(answers[0]["details"]) == ["external_id"] and list(answers[1]["details"]) == ["cursor"]
    assert list(answers[2]["details"]) == ["non_field_errors"] and list(answers[3]["details"]) == ["non_field_errors"]
    assert list(answers[4]["details"]) == ["participants[0].email"], answers[4]


def test_nested_error_details_flatten_to_paths():
    nested = {
        "items": [{}, {"note": ["Too long."], "non_field_errors": ["Ends before it starts."]}],
        "attributes": {"plan": ["Not text."]},
        "tags": {1: ["Not a valid id."]},
        "title": "A bare string.",
        "non_field_errors": ["Whole request."],
    }
    assert field_errors(nested) == {
        "items[1].note": ["Too long."], "items[1]": ["Ends before it starts."], "attributes.plan": ["Not text."],
        "tags[1]": ["Not a valid id."], "title": ["A bare string."], "non_field_errors": ["Whole request."],
    }
    assert field_errors(["One.", "Two."]) == {"non_field_errors": ["One.", "Two."]}
    assert field_errors("Alone.") == {"non_field_errors": ["Alone."]}


def test_errors_without_field_problems_have_empty_details(world):
    ids, client, _ = world
    for response, status, code in [
        (client.get(f"/api/v1/participants/{uuid.uuid4()}/"), 404, "not_found"),
        (client.delete("/api/v1/changes/"), 405, "method_not_allowed"),
        (client.get("/api/v1/participants/", HTTP_ACCEPT="text/csv"), 406, "not_acceptable"),
    ]:
        assert assert_error(response, status, code)["details"] == {}


# --- One status per code, and the catalogue ---------------------------------------------------------------


def _api_exception_classes() -> list[type]:
    assert get_resolver().url_patterns  # imports every view module, and with them the exceptions they define
    found, pending = [], [exceptions.APIException]
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        if cls.__module__.split(".")[0] in ("rest_framework", "empathy_site", "interviews", "personas"):
            found.append(cls)
    return found


def _instance(cls):
    required = [p for p in inspect.signature(cls.__init__).parameters.values()
                if p.name != "self" and p.default is p.empty and p.kind is p.POSITIONAL_OR_KEYWORD]
    return cls(*["GET"] * len(required))


def test_every_exception_the_handler_formats_answers_its_codes_one_status():
    classes = _api_exception_classes()
    assert {"ConflictError", "RequestTooLarge", "PreconditionFailed", "ParseError", "Throttled"} <= {
        cls.__name__ for cls in classes}
    for cls in classes:
        response = exception_handler(_instance(cls), {})
        body = response.data["error"]
        assert body["code"] in ERROR_CODES, f"{cls.__name__} answers {body['code']!r}, which ERROR_CODES lacks"
        assert response.status_code == ERROR_CODES[body["code"]].status, (cls.__name__, response.status_code)
        assert_field_messages(body["details"])
        assert body["message"]


def test_parse_error_is_invalid_and_no_code_is_shared_between_statuses():
    response = exception_handler(exceptions.ParseError("Malformed JSON."), {})
    assert response.data["error"]["code"] == "invalid" and response.status_code == 400
    assert response.data["error"]["details"] == {"non_field_errors": ["Malformed JSON."]}
    with pytest.raises(ValueError, match="ERROR_CODES"):
        error_body("made_up", "A code nobody documented.")


def test_every_code_written_in_the_source_is_in_the_table():
    """Codes a view answers itself (error_response, json_error_response) are literals: each must be listed."""
    written = set()
    for folder in ("empathy_site", "interviews", "personas"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text()
            written |= set(re.findall(r"\b(?:error_response|json_error_response|error_body)\(\s*\"(\w+)\"", text))
    assert {"too_large", "unsupported_file", "duplicate", "policy_not_met", "not_found"} <= written
    assert written <= set(ERROR_CODES), written - set(ERROR_CODES)


def test_the_docs_list_every_code_with_its_status():
    text = (ROOT / "docs" / "api-errors.md").read_text()
    listed = {code: int(status) for code, status in re.findall(r"^\| `(\w+)` \| (\d{3}) \|", text, re.MULTILINE)}
    assert listed == {code: entry.status for code, entry in ERROR_CODES.items()}
    assert "docs/api-errors.md" in (ROOT / "README.md").read_text()
    assert errors.__doc__ and "docs/api-errors.md" in errors.__doc__


SRT = b"1\n00:00:01,000 --> 00:00:02,500\nDana: I never read the manual.\n"


def test_an_oversized_upload_is_413_too_large_and_an_unreadable_one_415_unsupported_file(org_a, settings):
    _, raw = api_key_create(organization=org_a, name="crm", scopes=["read", "write"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    settings.UPLOAD_MAX_BYTES = 20
    big = client.post("/api/v1/interviews/", {"file": SimpleUploadedFile("call.srt", SRT)}, format="multipart")
    assert "limit" in assert_error(big, 413, "too_large")["details"]["file"][0]
    settings.UPLOAD_MAX_BYTES = 10_000
    png = client.post("/api/v1/interviews/", {"file": SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n" + bytes(64))},
                      format="multipart")
    assert_field_messages(assert_error(png, 415, "unsupported_file")["details"])
