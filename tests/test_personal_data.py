"""Participants' real names, emails and raw speaker labels reach only those who may see personal data
(issue 11, "Smaller leaks"): admins and researchers, and API keys with the `personal_data` scope.
Marketers, viewers and other keys see pseudonyms, and "Speaker N" for a speaker nobody mapped; they
cannot find a participant by a name they were never shown.
"""

import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.models import Role
from empathy_site.tenancy.services import api_key_create
from interviews import services as interview_services
from interviews.models import Interview, SpeakerMapping

REAL_NAME = "Dana Whitfield"
EMAIL = "dana.whitfield@customer.test"
UNMAPPED_LABEL = "Sam Okafor"
PSEUDONYM = "P-Heron"
SECRETS = (REAL_NAME, EMAIL, UNMAPPED_LABEL, "Whitfield", "Okafor")
PERSONAL_ROLES = [Role.ADMIN, Role.RESEARCHER]
PSEUDONYMOUS_ROLES = [Role.MARKETER, Role.VIEWER]


@pytest.fixture
def interview(org_a):
    """A transcript whose speakers are labelled with real names; one is mapped to a participant."""
    with tenant_scope(org_a):
        participant = interview_services.participant_create(
            pseudonym=PSEUDONYM, name=REAL_NAME, email=EMAIL, attributes={"role": "procurement"},
        )
        text = (
            f"{REAL_NAME}: We compare three vendors before we sign anything.\n"
            f"{UNMAPPED_LABEL}: Why three vendors?\n"
            f"{REAL_NAME}: Because onboarding a bad supplier cost us an audit finding.\n"
        ).encode()
        interview = interview_services.interview_upload(
            upload=interview_services.Upload(name="call.txt", data=text), title="Call 1",
        )
        interview_services.interview_process(interview_id=interview.pk)
        interview = Interview.objects.get(pk=interview.pk)
        assert interview.status == Interview.Status.READY, interview.error
        interview_services.speaker_map(speaker=SpeakerMapping.objects.get(interview=interview, label=REAL_NAME),
                                       participant=participant)
    interview.participant = participant
    return interview


def _session(member_factory, org, role):
    member = member_factory(org, role)
    client = APIClient()
    client.force_login(member.user)
    client.credentials(HTTP_X_ORGANIZATION=org.slug)
    return client


def _key(org, scopes):
    _, raw = api_key_create(organization=org, name="crm", scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def _leaks(content: bytes) -> list[str]:
    text = content.decode()
    return [secret for secret in SECRETS if secret in text]


# Participants API ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", PSEUDONYMOUS_ROLES)
def test_participants_api_hides_names_and_emails_from_marketers_and_viewers(interview, org_a, member_factory, role):
    client = _session(member_factory, org_a, role)
    listing = client.get("/api/v1/participants/")
    detail = client.get(f"/api/v1/participants/{interview.participant.public_id}/")
    for response in (listing, detail):
        assert response.status_code == 200
        assert not _leaks(response.content)
    row = listing.json()["results"][0]
    assert row["pseudonym"] == PSEUDONYM and "name" not in row and "email" not in row


@pytest.mark.parametrize("role", PERSONAL_ROLES)
def test_participants_api_shows_names_and_emails_to_admins_and_researchers(interview, org_a, member_factory, role):
    client = _session(member_factory, org_a, role)
    row = client.get(f"/api/v1/participants/{interview.participant.public_id}/").json()
    assert (row["name"], row["email"]) == (REAL_NAME, EMAIL)


@pytest.mark.parametrize("scopes,personal", [
    (["read"], False), (["read", "write"], False), (["read", "personal_data"], True),
    (["read", "write", "personal_data"], True),
])
def test_api_keys_see_personal_fields_only_with_the_personal_data_scope(interview, org_a, scopes, personal):
    client = _key(org_a, scopes)
    row = client.get(f"/api/v1/participants/{interview.participant.public_id}/").json()
    assert ("name" in row and "email" in row) is personal
    assert bool(_leaks(json.dumps(client.get("/api/v1/participants/").json()).encode())) is personal
    # The changes feed shows objects as the API does: the same rule.
    changes = client.get("/api/v1/changes/", {"types": "participant"}).json()["results"]
    assert changes and bool(_leaks(json.dumps(changes).encode())) is personal


def test_a_write_key_without_personal_data_can_send_names_but_not_read_them_back(org_a):
    client = _key(org_a, ["read", "write"])
    response = client.post("/api/v1/participants/", {"pseudonym": "P-New", "name": REAL_NAME, "email": EMAIL},
                           format="json")
    assert response.status_code == 201, response.content
    assert not _leaks(response.content)
    upserted = client.post("/api/v1/participants/upsert/", {"system": "hubspot", "participants": [
        {"external_id": "42", "pseudonym": "P-Crm", "name": REAL_NAME}]}, format="json")
    assert upserted.status_code == 200, upserted.content
    assert not _leaks(upserted.content)
    reader = _key(org_a, ["read", "personal_data"])
    names = {p["name"] for p in reader.get("/api/v1/participants/").json()["results"]}
    assert names == {REAL_NAME}


def test_create_api_key_accepts_the_personal_data_scope(org_a, capsys):
    call_command("create_api_key", "--org", org_a.slug, "--name", "crm", "--scopes", "read,personal_data")
    raw = capsys.readouterr().out.strip()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/participants/").status_code == 200


def test_the_api_key_form_offers_the_personal_data_scope(alice, client):
    client.force_login(alice.user)
    page = client.get(reverse("api_keys", kwargs={"org_slug": alice.org.slug}))
    assert page.status_code == 200 and b'value="personal_data"' in page.content


# Participant search ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["Whitfield", "dana.whitfield@"])
@pytest.mark.parametrize("role,found", [(Role.ADMIN, True), (Role.RESEARCHER, True), (Role.MARKETER, False),
                                        (Role.VIEWER, False)])
def test_participant_search_by_name_is_for_roles_that_see_names(interview, org_a, member_factory, client, role, found,
                                                               query):
    member = member_factory(org_a, role)
    client.force_login(member.user)
    url = reverse("participant_list", kwargs={"org_slug": org_a.slug})
    assert (PSEUDONYM in client.get(url, {"q": query}).content.decode()) is found
    assert PSEUDONYM in client.get(url, {"q": "Heron"}).content.decode()  # the pseudonym is for everyone
    api = APIClient()
    api.force_login(member.user)
    api.credentials(HTTP_X_ORGANIZATION=org_a.slug)
    assert bool(api.get("/api/v1/participants/", {"q": query}).json()["results"]) is found
    assert api.get("/api/v1/participants/", {"q": "heron"}).json()["results"]


def test_participant_search_api_by_name_needs_the_personal_data_scope(interview, org_a):
    assert not _key(org_a, ["read"]).get("/api/v1/participants/", {"q": "Whitfield"}).json()["results"]
    assert _key(org_a, ["read", "personal_data"]).get("/api/v1/participants/", {"q": "Whitfield"}).json()["results"]


# Speaker labels: API ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", PSEUDONYMOUS_ROLES)
def test_utterances_speakers_and_search_show_pseudonyms_to_marketers_and_viewers(interview, org_a, member_factory,
                                                                                 role):
    client = _session(member_factory, org_a, role)
    utterances = client.get(f"/api/v1/interviews/{interview.public_id}/utterances/")
    assert [u["speaker"] for u in utterances.json()["results"]] == [PSEUDONYM, "Speaker 2", PSEUDONYM]
    speakers = client.get(f"/api/v1/interviews/{interview.public_id}/speakers/")
    assert {s["label"] for s in speakers.json()["results"]} == {PSEUDONYM, "Speaker 2"}
    search = client.get("/api/v1/search/", {"q": "vendors", "kind": "utterances"})
    assert {h["speaker"] for h in search.json()["results"]} == {PSEUDONYM, "Speaker 2"}
    for response in (utterances, speakers, search):
        assert response.status_code == 200 and not _leaks(response.content)


def test_utterances_show_raw_labels_to_researchers_and_personal_data_keys(interview, org_a, member_factory):
    for client in (_session(member_factory, org_a, Role.RESEARCHER), _key(org_a, ["read", "personal_data"])):
        utterances = client.get(f"/api/v1/interviews/{interview.public_id}/utterances/").json()["results"]
        assert [u["speaker"] for u in utterances] == [REAL_NAME, UNMAPPED_LABEL, REAL_NAME]
    plain_key = _key(org_a, ["read", "write"])
    response = plain_key.get(f"/api/v1/interviews/{interview.public_id}/utterances/")
    assert not _leaks(response.content)


# Speaker labels: web UI ------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", PSEUDONYMOUS_ROLES)
def test_transcript_and_search_pages_never_show_raw_labels_to_marketers_and_viewers(interview, org_a, member_factory,
                                                                                    client, role):
    member = member_factory(org_a, role)
    client.force_login(member.user)
    page = client.get(reverse("interview_detail", kwargs={"org_slug": org_a.slug, "interview_id": interview.public_id}))
    assert page.status_code == 200
    assert not _leaks(page.content)
    assert PSEUDONYM in page.content.decode() and "Speaker 2" in page.content.decode()
    search = client.get(reverse("evidence_search", kwargs={"org_slug": org_a.slug}), {"q": "vendors"})
    assert search.status_code == 200 and "Speaker 2" in search.content.decode()
    assert not _leaks(search.content)
    detail = client.get(reverse("participant_detail", kwargs={"org_slug": org_a.slug,
                                                              "participant_id": interview.participant.public_id}))
    assert detail.status_code == 200 and not _leaks(detail.content)


def test_transcript_page_shows_raw_labels_to_researchers(interview, org_a, member_factory, client):
    member = member_factory(org_a, Role.RESEARCHER)
    client.force_login(member.user)
    page = client.get(reverse("interview_detail", kwargs={"org_slug": org_a.slug, "interview_id": interview.public_id}))
    assert UNMAPPED_LABEL in page.content.decode() and REAL_NAME in page.content.decode()
