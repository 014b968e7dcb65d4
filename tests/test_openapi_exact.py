"""The OpenAPI document says exactly what the API takes and answers, so a generated client works.

- One request content type per operation: JSON, except the upload (multipart); the API refuses the others.
- The headers the base views read and write: Idempotency-Key, If-Match, ETag, Idempotent-Replayed,
  Retry-After, RateLimit-Policy and RateLimit.
- Each list's real filters, typed; nothing that is not there (upsert's pagination, the utterances' status).
- The changes feed's `object` as a union of the syncable types' components, keyed by `type`.
- Per operation, only the error statuses it can answer.
- Required what the API requires (a message create's assumption_check).
tests/test_api_schema.py checks, by calling the API, that the answers agree with all this.
"""

import io

import pytest
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from empathy_site.sync.registry import sync_types
from empathy_site.tenancy.services import api_key_create
from tests.api_assertions import assert_error

SCHEMA_URL = "/api/v1/schema/?format=json"
METHODS = ("get", "post", "put", "patch", "delete")
UPLOAD = ("post", "/api/v1/interviews/")
IMPORT = ("post", "/api/v1/imports/")  # a REFI-QDA project or codebook: multipart too


@pytest.fixture
def openapi(client, db):
    response = client.get(SCHEMA_URL)
    assert response.status_code == 200
    return response.json()


def operations(openapi):
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method, path, operation


def names_object(path: str) -> bool:
    return "{id}" in path


def parameters(operation, location):
    return {p["name"]: p for p in operation.get("parameters", []) if p["in"] == location}


def ref_name(schema) -> str:
    """The component a schema points at, directly or through a nullable allOf."""
    ref = schema.get("$ref") or schema["allOf"][0]["$ref"]
    return ref.rsplit("/", 1)[1]


def test_the_schema_is_valid_openapi_3_0(openapi):
    assert openapi["openapi"].startswith("3.0.")
    validate_schema(openapi)  # raises on an invalid document


# Content types -----------------------------------------------------------------------------------------


def test_every_request_body_has_one_content_type_json_except_the_upload(openapi):
    bodies = {(method, path): list(op["requestBody"]["content"]) for method, path, op in operations(openapi)
              if "requestBody" in op}
    assert len(bodies) > 20
    assert bodies.pop(UPLOAD) == ["multipart/form-data"]
    assert bodies.pop(IMPORT) == ["multipart/form-data"]
    assert bodies.pop(("post", "/api/v1/interviews/{id}/media/")) == ["multipart/form-data"]  # a recording
    assert bodies.pop(("put", "/api/v1/media-uploads/{id}/")) == ["application/octet-stream"]  # a chunk of one
    wrong = {key: types for key, types in bodies.items() if types != ["application/json"]}
    assert not wrong, wrong


@pytest.fixture
def api(org_a):
    _, raw = api_key_create(organization=org_a, name="crm", scopes=["read", "write"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_json_endpoints_refuse_form_bodies(api):
    assert_error(api.post("/api/v1/studies/", {"name": "Churn"}, format="multipart"), 415, "unsupported_media_type")
    assert api.post("/api/v1/studies/", {"name": "Churn"}).status_code == 201  # JSON, the tests' default


def test_the_upload_takes_multipart_only_and_its_edits_json_only(api):
    assert_error(api.post("/api/v1/interviews/", {"title": "Call"}, format="json"), 415, "unsupported_media_type")
    upload = io.BytesIO(b"Dana: We compare three vendors.\n")
    upload.name = "call.txt"
    created = api.post("/api/v1/interviews/", {"file": upload, "title": "Call"}, format="multipart")
    assert created.status_code == 202, created.content
    url = f"/api/v1/interviews/{created.json()['id']}/"
    assert_error(api.patch(url, {"title": "Call 2"}, format="multipart"), 415, "unsupported_media_type")
    assert api.patch(url, {"title": "Call 2"}).json()["title"] == "Call 2"


# Headers -----------------------------------------------------------------------------------------------


def test_request_headers_idempotency_key_on_post_and_if_match_on_object_writes(openapi):
    for method, path, operation in operations(openapi):
        headers = parameters(operation, "header")
        assert ("Idempotency-Key" in headers) == (method == "post"), (method, path)
        assert ("If-Match" in headers) == (method in ("put", "patch", "delete") and names_object(path)), (method, path)
        assert "X-Organization" in headers, (method, path)


def test_response_headers(openapi):
    for method, path, operation in operations(openapi):
        for code, response in operation["responses"].items():
            headers = response.get("headers", {})
            label = (method, path, code)
            assert {"RateLimit-Policy", "RateLimit"} <= set(headers), label
            assert headers["RateLimit-Policy"]["required"] is True and headers["RateLimit"]["required"] is True, label
            assert ("Idempotent-Replayed" in headers) == (method == "post"), label
            etag_expected = code == "200" and method in ("get", "put", "patch") and names_object(path)
            assert ("ETag" in headers) == etag_expected, label
            if etag_expected:
                assert headers["ETag"]["required"] is True, label
            assert ("Retry-After" in headers) == (code == "429"), label
        assert "429" in operation["responses"], (method, path)


# Parameters --------------------------------------------------------------------------------------------

PAGINATION = {"cursor", "page_size"}
# Every filter each list really reads (filterset_fields, scope_queryset), besides X-Organization.
LIST_QUERY = {
    "/api/v1/participants/": PAGINATION | {"updated_since", "pseudonym", "external_id", "q"},
    "/api/v1/studies/": PAGINATION | {"updated_since"},
    "/api/v1/interviews/": PAGINATION | {"updated_since", "status", "study"},
    "/api/v1/tags/": PAGINATION | {"updated_since"},
    "/api/v1/highlights/": PAGINATION | {"updated_since", "interview", "tag"},
    "/api/v1/personas/": PAGINATION | {"updated_since", "status"},
    "/api/v1/claims/": PAGINATION | {"updated_since"},
    "/api/v1/citations/": PAGINATION | {"updated_since"},
    "/api/v1/messages/": PAGINATION | {"updated_since", "status", "channel", "grounding"},
    "/api/v1/webhooks/": PAGINATION,  # the changes feed does not track endpoints
}


def test_each_list_declares_exactly_its_filters(openapi):
    for path, expected in LIST_QUERY.items():
        assert set(parameters(openapi["paths"][path]["get"], "query")) == expected, path


def test_filters_are_typed(openapi):
    def schema(path, name):
        return parameters(openapi["paths"][path]["get"], "query")[name]["schema"]

    assert schema("/api/v1/interviews/", "study") == {"type": "string", "format": "uuid"}
    assert schema("/api/v1/highlights/", "interview")["format"] == "uuid"
    assert schema("/api/v1/highlights/", "tag")["format"] == "uuid"
    assert set(schema("/api/v1/interviews/", "status")["enum"]) == {"queued", "processing", "ready", "failed"}
    assert set(schema("/api/v1/messages/", "grounding")["enum"]) >= {"grounded", "ungrounded"}
    assert schema("/api/v1/studies/", "updated_since")["format"] == "date-time"


def test_what_is_not_there_is_not_declared(openapi):
    paths = openapi["paths"]
    assert not set(parameters(paths["/api/v1/participants/upsert/"]["post"], "query"))
    assert set(parameters(paths["/api/v1/interviews/{id}/utterances/"]["get"], "query")) == PAGINATION
    for path in ("/api/v1/interviews/{id}/speakers/", "/api/v1/personas/{id}/versions/",
                 "/api/v1/messages/{id}/revisions/"):
        assert not set(parameters(paths[path]["get"], "query")), path


def test_upsert_answers_its_rows_with_created(openapi):
    answer = openapi["paths"]["/api/v1/participants/upsert/"]["post"]["responses"]["200"]
    envelope = openapi["components"]["schemas"][ref_name(answer["content"]["application/json"]["schema"])]
    assert set(envelope["properties"]) == {"results", "next"}
    row = openapi["components"]["schemas"][ref_name(envelope["properties"]["results"]["items"])]
    assert "created" in row["properties"] and "pseudonym" in row["properties"]


# The changes feed --------------------------------------------------------------------------------------

# The REST detail route of each syncable type that has one.
DETAIL_PATHS = {
    "participant": "/api/v1/participants/{id}/", "study": "/api/v1/studies/{id}/",
    "interview": "/api/v1/interviews/{id}/", "tag": "/api/v1/tags/{id}/", "highlight": "/api/v1/highlights/{id}/",
    "persona": "/api/v1/personas/{id}/", "claim": "/api/v1/claims/{id}/", "citation": "/api/v1/citations/{id}/",
    "message": "/api/v1/messages/{id}/",
}


def test_the_feed_object_is_a_union_keyed_by_type(openapi):
    components = openapi["components"]["schemas"]
    page = openapi["paths"]["/api/v1/changes/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    results = components[ref_name(page)]["properties"]["results"]
    change = components[ref_name(results["items"])]
    assert change["discriminator"]["propertyName"] == "type"
    mapping = change["discriminator"]["mapping"]
    assert set(mapping) == set(sync_types())
    assert sorted(mapping.values()) == sorted(member["$ref"] for member in change["oneOf"])
    for type_name, ref in mapping.items():
        member = components[ref.rsplit("/", 1)[1]]
        type_schema = member["properties"]["type"]
        if "$ref" in type_schema:
            type_schema = components[ref_name(type_schema)]
        assert type_schema["enum"] == [type_name]
        assert {"type", "object", "action", "id"} <= set(member["required"])
        assert member["properties"]["object"]["nullable"] is True
        if type_name in DETAIL_PATHS:
            detail = openapi["paths"][DETAIL_PATHS[type_name]]["get"]["responses"]["200"]
            assert ref_name(member["properties"]["object"]) == ref_name(detail["content"]["application/json"]["schema"])


# Required fields ---------------------------------------------------------------------------------------


def request_schema(openapi, method, path):
    content = openapi["paths"][path][method]["requestBody"]["content"]
    return openapi["components"]["schemas"][ref_name(next(iter(content.values()))["schema"])]


def test_required_is_what_the_api_requires(openapi):
    assert "assumption_check" in request_schema(openapi, "post", "/api/v1/messages/")["required"]
    assert "name" in request_schema(openapi, "post", "/api/v1/tags/")["required"]
    assert "file" in request_schema(openapi, *UPLOAD)["required"]


def test_a_message_create_without_an_assumption_check_is_refused_on_that_field(api, org_a):
    response = api.post("/api/v1/messages/", {"title": "Hi", "channel": "email", "body": "Three vendors."})
    error = assert_error(response, 400, "invalid")
    assert "assumption check" in error["details"]["assumption_check"][0]


def test_a_tag_create_without_a_name_is_refused_on_that_field(api):
    error = assert_error(api.post("/api/v1/tags/", {"description": "no name"}), 400, "invalid")
    assert "name" in error["details"]


# Error statuses ----------------------------------------------------------------------------------------


def errors(operation) -> set[str]:
    return {code for code in operation["responses"] if code.startswith("4")}


def test_error_statuses_follow_the_rules(openapi):
    for method, path, operation in operations(openapi):
        codes, label = errors(operation), (method, path)
        assert {"400", "401", "403", "404", "429"} <= codes, label  # every operation takes X-Organization
        assert ("412" in codes) == (method in ("put", "patch", "delete") and names_object(path)), label
        assert ("413" in codes) == ("requestBody" in operation), label
        assert ("415" in codes) == ("requestBody" in operation), label  # JSON endpoints refuse other media
        if method in ("get", "delete"):
            assert "409" not in codes, label
        error_schema = operation["responses"]["400"]["content"]["application/json"]["schema"]
        assert ref_name(error_schema) == "Error", label


@pytest.mark.parametrize(("method", "path", "expected"), [
    ("get", "/api/v1/studies/", {"400", "401", "403", "404", "429"}),
    ("post", "/api/v1/studies/", {"400", "401", "403", "404", "409", "413", "415", "429"}),  # the name is taken
    ("post", "/api/v1/claims/", {"400", "401", "403", "404", "413", "415", "429"}),  # nothing unique to take
    ("patch", "/api/v1/participants/{id}/", {"400", "401", "403", "404", "409", "412", "413", "415", "429"}),
    ("patch", "/api/v1/interviews/{id}/", {"400", "401", "403", "404", "412", "413", "415", "429"}),  # hash not writable
    ("delete", "/api/v1/tags/{id}/", {"400", "401", "403", "404", "412", "429"}),
    ("post", "/api/v1/interviews/", {"400", "401", "403", "404", "409", "413", "415", "429"}),  # duplicate file
    ("post", "/api/v1/personas/{id}/publish/", {"400", "401", "403", "404", "429"}),  # no body, no If-Match
    ("post", "/api/v1/participants/upsert/", {"400", "401", "403", "404", "409", "413", "415", "429"}),
])
def test_error_statuses_of_some_operations(openapi, method, path, expected):
    assert errors(openapi["paths"][path][method]) == expected
