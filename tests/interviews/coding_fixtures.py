"""Independent coding fixtures shared by the coding tests: a study interview of four utterances, two tags, an
admin (alice), two researchers who code (bob, carol), a read,write API key; and helpers that call the API."""

import pytest
from rest_framework.test import APIClient

from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.models import Role
from empathy_site.tenancy.services import api_key_create
from interviews import services

from .factories import SpeakerFactory, StudyFactory, UtteranceFactory

TEXTS = ["We plan on paper.", "Excel crashes weekly.", "My boss wants dashboards.", "Support is quick."]


def session(actor):
    client = APIClient()
    client.force_login(actor.user)
    client.defaults["HTTP_X_ORGANIZATION"] = actor.org.slug
    return client


@pytest.fixture
def team(org_a, alice, bob, member_factory):
    carol = member_factory(org_a, Role.RESEARCHER, "carol@example.test")
    with tenant_scope(org_a):
        study = StudyFactory()
        speaker = SpeakerFactory(label="Dana")
        interview = speaker.interview
        interview.study = study
        interview.save()
        utterances = [UtteranceFactory(speaker=speaker, position=i, text=text) for i, text in enumerate(TEXTS)]
        tags = {name: services.tag_create(name=name) for name in ("Workarounds", "Praise")}
    _, raw = api_key_create(organization=org_a, name="crm", scopes=["read", "write"])
    key = APIClient()
    key.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return {
        "org": org_a, "alice": alice, "bob": bob, "carol": carol, "interview": interview, "study": study,
        "utterances": utterances, "tags": tags, "key": key,
    }


def highlight(client, team, position, tag, start=0, end=5):
    response = client.post("/api/v1/highlights/", {
        "interview": str(team["interview"].public_id), "start_position": position, "start_offset": start,
        "end_position": position, "end_offset": end, "tags": [str(team["tags"][tag].public_id)],
    }, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def assign(client, team, coder):
    response = client.post("/api/v1/assignments/", {
        "interview": str(team["interview"].public_id), "coder": str(coder.user.public_id),
    }, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def listed(client, team):
    body = client.get("/api/v1/highlights/", {"interview": str(team["interview"].public_id)}).json()
    return {item["id"] for item in body["results"]}


def done(client, assignment, value=True):
    return client.patch(f"/api/v1/assignments/{assignment['id']}/", {"done": value}, format="json")
