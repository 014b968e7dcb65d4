"""The changes feed reads a page in a fixed number of queries, however many changes and objects it holds:
one per syncable type on the page (plus what each type's preparation prefetches), never one per object."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from collaboration import services as collaboration_services
from empathy_site.sync.registry import sync_types
from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.models import Role
from empathy_site.tenancy.services import api_key_create
from interviews import services
from interviews.services import Span
from personas import services as persona_services
from tests.factories import MembershipFactory
from tests.interviews.evidence_fixtures import make_interview


def a_set_of_everything(org, n: int) -> None:
    """One object of every syncable type (each embedding the others), then a few updates and a delete."""
    with tenant_scope(org):
        person = services.participant_create(pseudonym=f"P{n}", name=f"Pat {n}", email=f"pat{n}@example.test")
    interview = make_interview(org, [("Ann", f"Onboarding takes {n + 2} weeks because legal reviews it.")], title=f"T{n}",
                               participant=person)
    with tenant_scope(org):
        services.study_create(name=f"Onboarding {n}")
        tag = services.tag_create(name=f"speed {n}")
        highlight = services.highlight_create(interview=interview, span=Span(0, 0, 0, 10), tags=[tag])
        persona = persona_services.persona_create(name=f"Ops lead {n}")
        claim = persona_services.claim_create(persona=persona, kind="goal", statement=f"Wants onboarding in {n} days")
        persona_services.citation_create(claim=claim, highlight=highlight)
        message = persona_services.message_create(
            title=f"Days, not weeks {n}", channel="email", body="Onboard in days.", target_personas=[persona],
            check=persona_services.CheckAnswers(basis="insight", own_taste=3, predicted_reaction=4, claims=[claim]))
        persona_services.outcome_record(message=message, observed_reaction=3)
        collaboration_services.comment_create(target_type="persona", target=persona, body=f"Still true {n}?")
        collaboration_services.memo_create(target_type="interview", target=interview, body=f"Legal again {n}.")
        coder = MembershipFactory(organization=org, role=Role.RESEARCHER).user
        assignment = services.assignment_create(interview=interview, coder=coder)
        services.assignment_set_done(assignment=assignment, done=True, by=coder, for_others=False)
        services.reconcile(utterance=interview.utterances.get(position=0), tag=tag, decision="discard")
        services.participant_update(participant=person, name=f"Pat Doe {n}")
        services.study_delete(study=services.study_create(name=f"Abandoned {n}"))


def queries_for_first_page(api, limit: int) -> tuple[int, list[dict]]:
    with CaptureQueriesContext(connection) as queries:
        response = api.get("/api/v1/changes/", {"limit": limit})
    assert response.status_code == 200
    return len(queries), response.json()["results"]


def test_a_page_of_200_mixed_changes_takes_as_many_queries_as_a_page_of_50(org_a):
    for n in range(12):
        a_set_of_everything(org_a, n)
    _, raw = api_key_create(organization=org_a, name="crm", scopes=["read", "personal_data"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    # Position everything first: the relay's own statements are not the page's.
    api.get("/api/v1/changes/", {"limit": 1})

    small_count, small = queries_for_first_page(api, 50)
    large_count, large = queries_for_first_page(api, 200)

    assert len(small) == 50 and len(large) == 200
    # Both pages hold every type (alive, not only tombstones), so both load every type once.
    for page in (small, large):
        assert {e["type"] for e in page if e["object"] is not None} == set(sync_types())
    assert large_count == small_count
