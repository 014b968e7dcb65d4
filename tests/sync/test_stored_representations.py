"""The changes feed keeps participants and studies rendered (StoredRepresentation) and splices them into its pages:
what it answers from them must be what it would render, current, per kind of reader, and gone on erasure."""

import pytest
from rest_framework.test import APIClient

from empathy_site.sync import feed
from empathy_site.sync.models import ChangeEvent, StoredRepresentation
from empathy_site.sync.positions import assign_positions
from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.services import api_key_create
from interviews import services
from tests.interviews.test_privacy import MARKER, _tables_containing
from tests.test_crm_side import vic  # noqa: F401  (fixture: a participant whose name and words carry the marker)

from .test_changes_feed import follow

# Representations are kept on PostgreSQL only (the relay's advisory lock guards them); SQLite renders every page.
pytestmark = pytest.mark.postgres


def client_for(org, scopes):
    _, raw = api_key_create(organization=org, name="crm", scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def stored(org, **filters):
    with tenant_scope(org):
        return list(StoredRepresentation.objects.filter(**filters).order_by("object_type", "personal_data"))


@pytest.fixture
def people(org_a):
    with tenant_scope(org_a):
        pat = services.participant_create(pseudonym="P1", name="Pat Doe", email="pat@x.test", attributes={"role": "cfo"})
        services.participant_update(participant=pat, name="Pat Roe")
        study = services.study_create(name="Pricing")
        services.tag_create(name="Invoices")
    return pat, study


@pytest.mark.parametrize("scopes", [["read"], ["read", "personal_data"]])
def test_a_page_from_stored_representations_is_the_page_rendered_and_equals_rest_detail(org_a, people, scopes):
    pat, study = people
    api = client_for(org_a, scopes)
    rendered, _ = follow(api, limit=2)
    personal = "personal_data" in scopes
    assert {(row.object_type, row.personal_data) for row in stored(org_a)} == {("participant", personal), ("study", personal)}
    spliced, _ = follow(api, limit=2)
    assert spliced == rendered
    assert [(e["type"], e["action"]) for e in spliced] == [
        ("participant", "created"), ("participant", "updated"), ("study", "created"), ("tag", "created")]
    assert spliced[0]["object"] == api.get(f"/api/v1/participants/{pat.public_id}/").json()
    assert spliced[2]["object"] == api.get(f"/api/v1/studies/{study.public_id}/").json()
    # Personal fields, and their names among the changed fields, only for keys that may see them.
    assert ("email" in spliced[0]["object"]) is personal
    assert ("name" in spliced[1]["changed_fields"]) is personal
    assert "pseudonym" in spliced[0]["changed_fields"]


def test_each_kind_of_reader_gets_its_own_stored_representation(org_a, people):
    follow(client_for(org_a, ["read", "personal_data"]))
    plain, _ = follow(client_for(org_a, ["read"]))
    assert "name" not in plain[0]["object"] and "email" not in plain[0]["object"]
    assert sorted(row.personal_data for row in stored(org_a, object_type="participant")) == [False, True]
    assert all("Pat" not in row.body for row in stored(org_a, personal_data=False))


def test_a_change_replaces_what_was_stored(org_a, people):
    pat, _ = people
    api = client_for(org_a, ["read", "personal_data"])
    follow(api)
    with tenant_scope(org_a):
        services.participant_update(participant=pat, name="Pat Zoe", attributes={"role": "coo"})
    entries, _ = follow(api)
    current = api.get(f"/api/v1/participants/{pat.public_id}/").json()
    assert current["name"] == "Pat Zoe"
    assert [e["object"] for e in entries if e["type"] == "participant"] == [current] * 3
    assert entries[-1]["changed_fields"] == ["name", "attributes", "updated_at"]
    (row,) = stored(org_a, object_type="participant")
    assert "Pat Zoe" in row.body and "Pat Roe" not in row.body


def test_a_deleted_object_leaves_a_tombstone_and_nothing_stored(org_a, people):
    _, study = people
    api = client_for(org_a, ["read"])
    follow(api)
    assert stored(org_a, object_type="study")
    with tenant_scope(org_a):
        services.study_delete(study=study)
    entries, _ = follow(api)
    assert [(e["action"], e["object"], e["deleted"]) for e in entries if e["type"] == "study"] == [
        ("created", None, True), ("deleted", None, True)]
    assert not stored(org_a, object_type="study")


def test_types_whose_representation_embeds_other_rows_are_rendered_every_time(org_a, people):
    follow(client_for(org_a, ["read"]))
    assert not stored(org_a, object_type="tag")


def test_a_rendering_older_than_a_change_is_not_stored(org_a, people):
    """What a page renders is kept only when no change of the object came after what it had seen positioned:
    one positioned later, or committed and not positioned yet, may be missing from it."""
    pat, _ = people
    with tenant_scope(org_a):
        assign_positions()
        top = ChangeEvent.objects.order_by("-position").values_list("position", flat=True).first()
        services.participant_update(participant=pat, pseudonym="P1b")
        stale = [("participant", pat.public_id, '{"pseudonym":"P1"}', '["pseudonym"]')]
        feed._store(stale, personal_data=False, rendered_after=top)  # the change is not positioned yet
        assert not StoredRepresentation.objects.exists()
        assign_positions()
        feed._store(stale, personal_data=False, rendered_after=top)  # now it is, above what the page had seen
        assert not StoredRepresentation.objects.exists()
        feed._store(stale, personal_data=False, rendered_after=top + 1)
        assert StoredRepresentation.objects.count() == 1  # the guard is the position, nothing else


def test_erasure_leaves_no_stored_representation_behind(org_a, vic):  # noqa: F811
    follow(client_for(org_a, ["read", "personal_data"]))
    assert any(MARKER in row.body for row in stored(org_a, object_type="participant"))
    response = client_for(org_a, ["erase"]).post(f"/api/v1/participants/{vic.public_id}/erase/")
    assert response.status_code == 200, response.content
    with tenant_scope(org_a):
        assert _tables_containing(MARKER) == []
    assert not stored(org_a)
