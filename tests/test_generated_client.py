"""Issue 13: a client generated from the OpenAPI schema with openapi-python-client works, so the schema
cannot drift from the API again.

The schema is written by `manage.py spectacular`, the client generated as an integrator would
(`openapi-python-client generate --meta none`), every generated module imported, and a CRM-like smoke test
run with it against a live server: list, upload (multipart), create with nested fields, PATCH with If-Match,
and the changes feed followed to its end.
"""

import importlib
import io
import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from empathy_site.tenancy.services import api_key_create

pytestmark = pytest.mark.postgres

GENERATOR = Path(sys.executable).parent / "openapi-python-client"
PACKAGE = "groundwork_generated_client"
# What the generator may leave out, and why. The snapshot streams NDJSON, which a generated client cannot
# model (it reads a whole body); integrators read it line by line with their HTTP library.
EXPECTED_WARNINGS = {("GET", "/api/v1/changes/snapshot/")} | {
    # Binary file downloads (research exchange): the generator reads no zip, XML or Office media type, so these
    # are fetched with plain HTTP; the schema still names each one's media type exactly.
    ("GET", f"/api/v1/exports/{name}") for name in (
        "codebook.qdc", "project.qdpx", "highlights.xlsx", "highlights.docx", "codebook.xlsx", "codebook.docx",
        "interviews/{interview_id}.docx", "personas/{persona_id}.docx",
    )
}

SRT = (
    b"1\n00:00:01,000 --> 00:00:02,500\nDana: I never read the manual.\n\n"
    b"2\n00:00:03,000 --> 00:00:04,000\nSam: Never?\n"
)


@pytest.fixture(scope="module")
def generated(tmp_path_factory, django_db_blocker):
    """The generated package, imported, and the generator's output."""
    folder = tmp_path_factory.mktemp("generated-client")
    schema = folder / "schema.yaml"
    with django_db_blocker.unblock():
        call_command("spectacular", "--file", str(schema))
    env = {**os.environ, "PATH": f"{GENERATOR.parent}{os.pathsep}{os.environ.get('PATH', '')}"}  # its ruff hooks
    run = subprocess.run(
        [str(GENERATOR), "generate", "--path", str(schema), "--output-path", str(folder / PACKAGE), "--meta", "none"],
        capture_output=True, text=True, env=env, cwd=folder, timeout=300,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE), output
    finally:
        sys.path.remove(str(folder))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def test_the_generator_leaves_out_nothing_but_the_ndjson_stream(generated):
    _, output = generated
    warned = set(re.findall(r"WARNING parsing (GET|POST|PUT|PATCH|DELETE) (\S+) within", output))
    assert warned == EXPECTED_WARNINGS, output


def test_every_generated_module_imports(generated):
    package, _ = generated
    failures, count = {}, 0
    for module in pkgutil.walk_packages(package.__path__, f"{PACKAGE}."):
        count += 1
        try:
            importlib.import_module(module.name)
        except Exception as error:  # every failure is reported, not only the first
            failures[module.name] = repr(error)
    assert not failures, failures
    assert count > 100  # every resource's operations and models, not an empty package


@pytest.mark.django_db(transaction=True)
def test_a_crm_sync_with_the_generated_client(generated, live_server, org_a):
    package, _ = generated
    interviews = {name: importlib.import_module(f"{PACKAGE}.api.interviews.{name}") for name in (
        "interviews_list", "interviews_create", "interviews_retrieve", "interviews_utterances_list")}
    participants = {name: importlib.import_module(f"{PACKAGE}.api.participants.{name}") for name in (
        "participants_create", "participants_retrieve", "participants_partial_update")}
    changes = importlib.import_module(f"{PACKAGE}.api.changes.changes_retrieve")
    models = importlib.import_module(f"{PACKAGE}.models")
    types = importlib.import_module(f"{PACKAGE}.types")
    _, raw = api_key_create(organization=org_a, name="crm", scopes=["read", "write", "personal_data"])
    client = package.AuthenticatedClient(base_url=live_server.url, token=raw, raise_on_unexpected_status=True)

    # List.
    page = interviews["interviews_list"].sync(client=client)
    assert page.results == [] and page.next_ is None

    # Upload a transcript (multipart); the test settings process it on commit.
    upload = models.InterviewUploadRequest(
        file=types.File(payload=io.BytesIO(SRT), file_name="call.srt", mime_type="application/x-subrip"),
        title="Call with Dana",
    )
    accepted = interviews["interviews_create"].sync_detailed(client=client, body=upload)
    assert accepted.status_code == 202, accepted.content
    interview = interviews["interviews_retrieve"].sync(id=accepted.parsed.id, client=client)
    assert str(interview.status) == "ready" and interview.utterance_count == 2
    utterances = interviews["interviews_utterances_list"].sync(id=interview.id, client=client, page_size=1)
    assert [u.text for u in utterances.results] == ["I never read the manual."] and utterances.next_

    # Create with nested fields (JSON: the attributes object survives as an object).
    created = participants["participants_create"].sync(client=client, body=models.ParticipantRequest(
        pseudonym="P-07", email="dana@example.test",
        attributes=models.ParticipantRequestAttributes.from_dict({"plan": "pro", "region": "EU"}),
    ))
    assert created.attributes.to_dict() == {"plan": "pro", "region": "EU"} and created.email == "dana@example.test"

    # PATCH with If-Match: the generated function takes the header; a stale ETag is a 412 in the error shape.
    read = participants["participants_retrieve"].sync_detailed(id=created.id, client=client)
    etag = read.headers["ETag"]
    patch = models.PatchedParticipantRequest(
        attributes=models.PatchedParticipantRequestAttributes.from_dict({"plan": "enterprise", "region": "EU"}))
    updated = participants["participants_partial_update"].sync_detailed(
        id=created.id, client=client, body=patch, if_match=etag)
    assert updated.status_code == 200, updated.content
    assert updated.parsed.attributes.to_dict()["plan"] == "enterprise" and updated.headers["ETag"] != etag
    stale = participants["participants_partial_update"].sync_detailed(
        id=created.id, client=client, body=patch, if_match=etag)
    assert stale.status_code == 412 and stale.parsed.error.code == "precondition_failed", stale.content

    # Follow the changes feed to its end, a few changes a page, every object typed by its `type`.
    seen, cursor, pages = [], types.UNSET, 0
    while True:
        feed = changes.sync(client=client, cursor=cursor, limit=2)
        seen += feed.results
        pages += 1
        if not feed.next_:
            break
        cursor = feed.cursor
    assert pages > 1
    positions = [change.position for change in seen]
    assert positions == sorted(set(positions))  # in commit order, none twice
    by_id = {}
    for change in seen:
        by_id.setdefault(change.id, []).append(change)
    participant_changes = by_id[created.id]
    assert [str(change.action) for change in participant_changes] == ["created", "updated"]
    assert all(type(change).__name__ == "ParticipantChange" for change in participant_changes)
    assert participant_changes[-1].object_.attributes.to_dict()["plan"] == "enterprise"
    assert type(by_id[interview.id][0]).__name__ == "InterviewChange"
