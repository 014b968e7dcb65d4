"""The OpenAPI schema is the API's contract, checked by schemathesis against the app itself.

- Every route under /api/v1/ is in the schema, with its request and response bodies.
- Generated requests to every documented operation, valid ones and invalid ones,
  never get a 5xx (bad input is a 4xx, DESIGN.md's interface contract).
- Every answer agrees with the schema: a documented status code, content type,
  headers and body shape; errors use the `{"error": {code, message, details}}` shape.

The run is in-process: the schema is loaded from /api/v1/schema/ of the WSGI
application and every generated call goes through WSGI too, inside the test's
database transaction, with a fresh read,write API key of an organisation that
holds one object of each kind (operations no key may call go as its admin, see
Caller). About half of the generated ids, in paths and bodies, are swapped for
those real objects' ids, so the calls get past the 404 into the code behind it.

Nothing is excluded: every operation of the schema runs in both schemathesis tests.
Replay one operation by its words (node ids with brackets do not select schemathesis' items):
pytest tests/test_api_schema.py -k "server_error and PATCH and personas"
"""

import copy
import functools
import ipaddress
import json
import re
import socket
import uuid
import zlib
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django.urls import resolve
from django.utils.crypto import get_random_string
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from empathy_site.api.base import ORG_HEADER
from empathy_site.sync import webhooks
from empathy_site.sync.models import WebhookDelivery
from empathy_site.sync.registry import webhook_event_types
from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.models import Role
from empathy_site.tenancy.roles import scopes_allow
from empathy_site.tenancy.services import api_key_create
from empathy_site.wsgi import application
from interviews import services as interview_services
from interviews.models import Interview, SpeakerMapping
from personas import services as persona_services
from tests.factories import MembershipFactory

from .routes import as_openapi_path, walk_routes

API_PREFIX = "/api/v1/"
SCHEMA_URL = "/api/v1/schema/?format=json"
# The schema and its docs page describe the API; drf-spectacular leaves them out of it by design.
# The catch-all for unknown API paths (a 404 to every method) has no operations to document.
NOT_IN_SCHEMA = {"/api/v1/schema/", "/api/v1/docs/", "/api/v1/.*"}

# Bounded and reproducible: the same requests on every run, on every machine.
MAX_EXAMPLES = 10
SEED = 20261101


def _config(phases, generation_mode):
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {
                "mode": generation_mode,
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
                "with-security-parameters": False,  # every call carries real credentials instead (see Caller)
                # Every location the schema documents is generated, not only bodies: query parameters (filters,
                # cursor, page_size, updated_since...) and headers (X-Organization, Idempotency-Key), with NUL
                # bytes in strings and parameters the schema does not list.
                "allow-x00": True,
                "allow-extra-parameters": True,
            },
            # "stateful" needs links between operations in the schema; drf-spectacular writes none.
            "phases": {
                name: {"enabled": name in phases, **(COVERAGE_PHASE_EXTRAS if name == "coverage" else {})}
                for name in ("examples", "coverage", "fuzzing", "stateful")
            },
        }
    )


# The coverage phase also repeats query parameters (?page_size=1&page_size=x): the view reads one of them.
COVERAGE_PHASE_EXTRAS = {"generate-duplicate-query-parameters": True}


# Systematic requests: every property present, missing, of the wrong type, at and past its bounds, in
# and out of its enum; unexpected methods and content types. JSON bodies only (see _json_bodies_only).
COVERAGE = _config({"coverage"}, "all")
# Random requests, valid and invalid ones, in every media type the schema lists.
FUZZING = _config({"examples", "fuzzing"}, "all")

HYPOTHESIS_SETTINGS = hypothesis_settings(
    max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None, print_blob=False,
    # Building the organisation's objects and the WSGI round trips are slow by Hypothesis' standards.
    suppress_health_check=list(HealthCheck),
)


@schemathesis.check
def documented_method_is_allowed(ctx, response, case):
    """An operation the schema lists must exist: 405 would mean the schema promises a method the view lacks."""
    # Coverage probes send undocumented methods on purpose; only the documented one must be allowed.
    if response.status_code == 405 and case.method.upper() == case.operation.method.upper():
        raise AssertionError(f"{case.operation.label} is in the schema but the view answers 405 Method Not Allowed")


@schemathesis.check
def errors_use_the_error_envelope(ctx, response, case):
    """DESIGN.md: errors answer {"error": {"code", "message", "details"}} with a 4xx status."""
    if not 400 <= response.status_code < 500:
        return
    try:
        body = json.loads(response.content)
    except ValueError:
        raise AssertionError(f"{response.status_code} answer is not JSON: {response.content[:200]!r}") from None
    error = body.get("error") if isinstance(body, dict) else None
    assert isinstance(error, dict) and {"code", "message", "details"} <= set(error), (
        f"{response.status_code} answer lacks the error envelope: {body!r}"
    )
    assert isinstance(error["code"], str) and isinstance(error["message"], str) and error["message"], error


SERVER_ERROR_CHECKS = [not_a_server_error]
CONFORMANCE_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    documented_method_is_allowed,
    errors_use_the_error_envelope,
]


# Webhook URLs are checked by resolving their host. No test may depend on the network's DNS (nor send
# generated host names to it): every name fails to resolve but this one, which resolves to a public address.
WEBHOOK_HOST = "crm.example.com"
WEBHOOK_HOST_ADDRESS = "93.184.215.14"


@pytest.fixture
def no_dns(monkeypatch):
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host == WEBHOOK_HOST:
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (WEBHOOK_HOST_ADDRESS, port or 443))]
        try:
            ipaddress.ip_address(host)
        except ValueError:
            if host != "localhost":
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known (no DNS in tests)") from None
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def build_objects(org):
    """One ready interview with utterances and one of everything that hangs off it; returns public ids by kind."""
    with tenant_scope(org):
        # First, so that the changes below queue deliveries to it (sent on commit: never, in a test transaction).
        webhook = webhooks.endpoint_create(url=f"https://{WEBHOOK_HOST}/hooks", events=webhook_event_types())
        participant = interview_services.participant_create(
            pseudonym="P-Dana", attributes={"role": "procurement"},
            consent_given_at=datetime(2025, 12, 1, tzinfo=UTC), consent_scope="marketing",
        )
        study = interview_services.study_create(name="Onboarding")
        text = (
            b"Dana: We compare three vendors before we sign anything.\n"
            b"Sam: Why three vendors?\n"
            b"Dana: Because onboarding a bad supplier cost us an audit finding.\n"
        )
        interview = interview_services.interview_upload(
            upload=interview_services.Upload(name="call.txt", data=text), title="Call 1", study=study
        )
        interview_services.interview_process(interview_id=interview.pk)
        interview = Interview.objects.get(pk=interview.pk)
        assert interview.status == Interview.Status.READY, interview.error
        speaker = SpeakerMapping.objects.get(interview=interview, label="Dana")
        interview_services.speaker_map(speaker=speaker, participant=participant)
        tag = interview_services.tag_create(name="Vendors")
        highlight = interview_services.highlight_create(
            interview=interview, span=interview_services.Span(0, 0, 0, 10), tags=[tag]
        )
        persona = persona_services.persona_create(name="Careful Buyer", segment={"role": "procurement"})
        claim = persona_services.claim_create(persona=persona, kind="goal", statement="Compares vendors.")
        citation = persona_services.citation_create(claim=claim, highlight=highlight)
        message = persona_services.message_create(
            title="Compare with confidence", channel="email", body="Three vendors, one spreadsheet.",
            target_personas=[persona],
            check=persona_services.CheckAnswers(
                basis="insight", own_taste=3, predicted_reaction=4, claims=[claim], highlights=[highlight]
            ),
        )
        exercise = persona_services.exercise_create(
            title="Buyers", questions=[persona_services.QuestionSpec(kind="share", tag=tag, segment="procurement")])
        coder = MembershipFactory(organization=org, role=Role.RESEARCHER).user
        assignment = interview_services.assignment_create(interview=interview, coder=coder)
        interview_services.assignment_set_done(assignment=assignment, done=True, by=coder, for_others=False)
        reconciliation = interview_services.reconcile(
            utterance=interview.utterances.get(position=1), tag=tag, decision="discard")
        delivery = WebhookDelivery.objects.filter(endpoint=webhook).earliest("pk")
    return {
        "participants": participant.public_id, "studies": study.public_id, "interviews": interview.public_id,
        "speakers": speaker.public_id, "tags": tag.public_id, "highlights": highlight.public_id,
        "personas": persona.public_id, "claims": claim.public_id, "citations": citation.public_id,
        "messages": message.public_id, "webhooks": webhook.public_id,
        "deliveries": delivery.public_id, "exercises": exercise.public_id,
        "assignments": assignment.public_id, "reconciliations": reconciliation.public_id,
    }


# Request-body fields that hold the public id of an object of this kind (or a list of them).
BODY_ID_FIELDS = {
    "participant": "participants", "study": "studies", "interview": "interviews", "persona": "personas",
    "claim": "claims", "highlight": "highlights", "into": "tags", "parent": "tags", "team_member": "members",
    "tags": "tags", "target_personas": "personas", "claims": "claims", "highlights": "highlights",
    "coder": "members", "reviewer": "members",
}


# Path parameters of nested routes: the kinds of the parent ({id}) and of the child.
NESTED_PATH_IDS = {"speaker_id": ("interviews", "speakers"), "delivery_id": ("webhooks", "deliveries")}


def _heads(value) -> bool:
    """A coin that depends only on the generated value, so runs stay reproducible and shrinking works."""
    return zlib.crc32(repr(value).encode()) % 2 == 0


def _with_real_ids(value, ids):
    if isinstance(value, list):
        return [_with_real_ids(item, ids) for item in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        kind = BODY_ID_FIELDS.get(key)
        if kind and isinstance(item, str) and _heads((key, item)):
            item = str(ids[kind])
        elif kind and isinstance(item, list) and item and all(isinstance(i, str) for i in item) and _heads((key, item)):
            item = [str(ids[kind]), *item[1:]]
        else:
            item = _with_real_ids(item, ids)
        out[key] = item
    return out


def aim_at_real_objects(case, ids):
    """Swap about half of the generated ids for ids of objects that exist in the key's organisation."""
    params = case.path_parameters or {}
    resource = case.path.removeprefix(API_PREFIX).split("/")[0]
    nested = [name for name in params if name in NESTED_PATH_IDS]
    if nested:  # /interviews/{id}/speakers/{speaker_id}/: both real (the speaker belongs to the interview) or neither
        parent, child = NESTED_PATH_IDS[nested[0]]
        if _heads(params[nested[0]]):
            params["id"], params[nested[0]] = str(ids[parent]), str(ids[child])
    elif "id" in params and resource in ids and _heads(params["id"]):
        params["id"] = str(ids[resource])
    if isinstance(case.body, dict):
        case.body = _with_real_ids(case.body, ids)


@pytest.fixture
def calls_in_the_test_transaction(db):
    """The WSGI calls run on the test's connection, inside its transaction, as with Django's test client.

    Like the test client, take close_old_connections off the request signals: it would close the
    connection in the middle of the test's transaction. The app's own transactions become savepoints,
    and everything is rolled back after the test (much cheaper than truncating every table).
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


KEY_SCOPES = ["read", "write"]


@functools.cache
def key_may_call(path: str, method: str) -> bool:
    """Whether a read,write key may call this operation, asked of the view itself (OrgAPIView.required_permission)."""
    match = resolve(re.sub(r"\{\w+\}", str(uuid.UUID(int=0)), path))
    view = match.func.cls(**match.func.initkwargs)
    view.action = (getattr(match.func, "actions", None) or {}).get(method.lower())
    needed = view.required_permission(SimpleNamespace(method=method.upper()))
    return scopes_allow(KEY_SCOPES, needed)


class Caller:
    """The organisation's real objects and how to authenticate a call to an operation.

    Every call carries a fresh read,write API key, except calls to operations no API key may make
    (they need Perm.MANAGE_ORG: webhooks, evidence policy changes). With the key those only ever answer
    403; so that their validation and bodies are checked too, they are called as the organisation's admin,
    signed in, naming the organisation in X-Organization as the API docs say.
    """

    def __init__(self, ids, with_key, as_admin):
        self.ids = ids
        self.with_key = with_key
        self.as_admin = as_admin

    def auth_for(self, case):
        """Keyword arguments for case.call: headers (and cookies for the admin's session).

        The credentials override generated headers, except a generated X-Organization for the admin, which
        is kept about half the time, so the header is fuzzed too (an unknown slug must be a 404 in the error
        format); with a key it is always generated freely, since the key fixes the organisation."""
        if key_may_call(case.operation.path, case.operation.method):
            return self.with_key
        generated = (case.headers or {}).get(ORG_HEADER)
        if generated is not None and _heads(("org", generated)):
            headers = {name: value for name, value in self.as_admin["headers"].items() if name != ORG_HEADER}
            return {**self.as_admin, "headers": headers}
        return self.as_admin


@pytest.fixture
def caller(calls_in_the_test_transaction, no_dns, alice, settings):
    # The per-key rate limit would answer most of the hundreds of calls per operation with 429.
    settings.API_RATE_LIMIT = "1000000/min"
    ids = build_objects(alice.org)
    ids["members"] = alice.user.public_id
    _, raw_key = api_key_create(organization=alice.org, name="schemathesis", scopes=KEY_SCOPES)
    client = Client()
    client.force_login(alice.user)
    csrf_token = get_random_string(32)
    as_admin = {
        "headers": {"X-CSRFToken": csrf_token, "X-Organization": alice.org.slug},
        "cookies": {
            settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value,
            settings.CSRF_COOKIE_NAME: csrf_token,
        },
    }
    return Caller(ids, {"headers": {"Authorization": f"Bearer {raw_key}"}}, as_admin)


def _json_bodies_only(raw):
    """The coverage phase walks every property in every media type: with JSON, form and multipart bodies it
    takes two minutes, with JSON alone about 40 s. Form and multipart bodies are fuzzed by the other test.
    (Operations with no JSON body, the interview upload, keep their multipart body here too.)"""
    raw = copy.deepcopy(raw)
    for item in raw["paths"].values():
        for operation in item.values():
            content = operation.get("requestBody", {}).get("content", {}) if isinstance(operation, dict) else {}
            if "application/json" in content:
                for media_type in set(content) - {"application/json"}:
                    del content[media_type]
    return raw


# Loaded when pytest imports this module, from the same WSGI application the calls go to.
# No operation is excluded. The upload (POST /api/v1/interviews/) is in: schemathesis sends generated
# bytes as the multipart `file`, which must get a 202 or a 4xx. (Parsing them runs after commit, so never
# inside the test's transaction; the parsers' bad-input tests are in tests/interviews/parsers/.)
schema = schemathesis.openapi.from_wsgi(SCHEMA_URL, application, config=FUZZING)
coverage_schema = schemathesis.openapi.from_dict(_json_bodies_only(schema.raw_schema), config=COVERAGE)
coverage_schema.app = application


@HYPOTHESIS_SETTINGS
@coverage_schema.parametrize()
def test_no_request_gets_a_server_error(case, caller):
    """Valid and invalid input alike: a 4xx at worst, never a 5xx (DESIGN.md, interface contract)."""
    aim_at_real_objects(case, caller.ids)
    case.call_and_validate(checks=SERVER_ERROR_CHECKS, **caller.auth_for(case))


@HYPOTHESIS_SETTINGS
@schema.parametrize()
def test_every_response_matches_the_schema(case, caller):
    """Status code, content type, headers and body as documented; errors in the error envelope; and no 5xx."""
    aim_at_real_objects(case, caller.ids)
    case.call_and_validate(checks=CONFORMANCE_CHECKS, **caller.auth_for(case))


def _generated(operation, count=50):
    """The cases schemathesis generates for one operation in the fuzzing test, drawn the same way."""
    cases = []

    @hypothesis_settings(HYPOTHESIS_SETTINGS, max_examples=count)
    @given(operation.as_strategy())
    def collect(case):
        cases.append(case)

    collect()
    return cases


def test_the_run_fuzzes_query_parameters_and_headers():
    """Not only bodies: every documented query parameter and header gets generated values, so hostile
    filters, cursors, page sizes, times and organisation slugs reach the views in the runs above."""
    listing = _generated(schema["/api/v1/participants/"]["GET"])
    query_names = {name for case in listing for name in (case.query or {})}
    assert {"cursor", "page_size", "updated_since", "external_id", "q", "pseudonym"} <= query_names, query_names
    assert any(ORG_HEADER in (case.headers or {}) for case in listing)
    changes = _generated(schema["/api/v1/changes/"]["GET"])
    assert {"cursor", "limit", "types"} <= {name for case in changes for name in (case.query or {})}
    created = _generated(schema["/api/v1/participants/"]["POST"])
    assert any("Idempotency-Key" in (case.headers or {}) for case in created)
    assert any(ORG_HEADER in (case.headers or {}) for case in created)


def _allowed_methods(pattern):
    """The HTTP methods a route's view answers, from its viewset action map or its APIView handlers."""
    view = pattern.callback
    actions = getattr(view, "actions", None)
    if actions is not None:
        # A viewset may switch methods off (http_method_names): those answer 405 and aren't documented.
        allowed = set(getattr(view.cls, "http_method_names", []))
        return {method.lower() for method in actions if method.lower() in allowed}
    view_class = getattr(view, "view_class", None) or getattr(view, "cls", None)
    return {m for m in ("get", "post", "put", "patch", "delete") if hasattr(view_class, m)}


@pytest.fixture
def openapi(client):
    response = client.get(SCHEMA_URL)
    assert response.status_code == 200
    return response.json()


def test_every_api_route_is_in_the_schema(openapi):
    documented = openapi["paths"]
    routes = {}
    for route, pattern in walk_routes():
        path = as_openapi_path(route)
        if path.startswith(API_PREFIX) and path not in NOT_IN_SCHEMA:
            routes.setdefault(path, set()).update(_allowed_methods(pattern))
    assert len(routes) >= 20

    missing = sorted(path for path in routes if path not in documented)
    assert not missing, f"API routes missing from the OpenAPI schema: {missing}"
    stale = sorted(set(documented) - set(routes))
    assert not stale, f"Schema paths with no route behind them: {stale}"
    for path, methods in sorted(routes.items()):
        operations = {m for m in documented[path] if m in ("get", "post", "put", "patch", "delete")}
        assert methods - {"head", "options"} <= operations, f"{path}: {sorted(methods - operations)} not in the schema"
        assert operations <= methods, f"{path}: schema lists {sorted(operations - methods)}, the route has no such method"


def test_every_operation_documents_its_bodies(openapi):
    problems = []
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            label = f"{method.upper()} {path}"
            success = {code: r for code, r in operation["responses"].items() if code.startswith("2")}
            if not success:
                problems.append(f"{label}: no 2xx response")
            for code, response in success.items():
                if code != "204" and not response.get("content"):
                    problems.append(f"{label}: {code} response has no body schema")
            if method in ("put", "patch") and "requestBody" not in operation:
                problems.append(f"{label}: no request body")
    assert not problems, "\n".join(problems)
