"""Hand-countable evidence for persona tests: three participants in two segments, four interviews."""

from datetime import UTC, datetime

import pytest

from empathy_site.tenancy.context import tenant_scope
from interviews import services as interview_services
from interviews.services import Span
from personas import services
from tests.interviews.evidence_fixtures import make_interview
from tests.interviews.factories import ParticipantFactory


def when(year, month):
    return datetime(year, month, 1, tzinfo=UTC)


@pytest.fixture
def evidence(org_a, alice):
    """h[name] -> highlight. Ana (procurement) in two interviews, Ben (procurement), Cy (legal)."""
    with tenant_scope(org_a):
        marketing = {"consent_given_at": when(2025, 12), "consent_scope": "marketing"}
        ana = ParticipantFactory(organization=org_a, pseudonym="Ana", attributes={"role": "procurement"}, **marketing)
        ben = ParticipantFactory(organization=org_a, pseudonym="Ben", attributes={"role": "procurement"}, **marketing)
        # Cy agreed to internal research only.
        cy = ParticipantFactory(organization=org_a, pseudonym="Cy", attributes={"role": "legal"},
                                consent_given_at=when(2023, 1), consent_scope="internal")
    interviews = {
        "ana1": make_interview(org_a, [("X", "I compare vendors in a spreadsheet every quarter.")], title="Ana 1",
                               participant=ana, conducted_at=when(2026, 1)),
        "ana2": make_interview(org_a, [("X", "The spreadsheet is how I defend the choice.")], title="Ana 2",
                               participant=ana, conducted_at=when(2026, 6)),
        "ben": make_interview(org_a, [("X", "We always compare vendors before signing.")], title="Ben",
                              participant=ben, conducted_at=when(2026, 3)),
        "cy": make_interview(org_a, [("X", "Legal never looks at vendor comparisons.")], title="Cy",
                             participant=cy, conducted_at=when(2023, 2)),
    }
    with tenant_scope(org_a):
        h = {
            name: interview_services.highlight_create(interview=interview, span=Span(0, 0, 0, 10))
            for name, interview in interviews.items()
        }
    return {"org": org_a, "owner": alice.user, "h": h, "interviews": interviews, "people": {"ana": ana, "ben": ben, "cy": cy}}


@pytest.fixture
def persona(evidence):
    with tenant_scope(evidence["org"]):
        return services.persona_create(name="Careful Buyer", segment={"role": "procurement"}, owner=evidence["owner"])


def cite(claim, *highlights, stance="supports"):
    for highlight in highlights:
        services.citation_create(claim=claim, highlight=highlight, stance=stance)
