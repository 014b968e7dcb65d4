"""A small, hand-countable research corpus shared by the evidence tests."""

from datetime import UTC

import pytest

from empathy_site.tenancy.context import tenant_scope
from interviews import services
from interviews.models import Interview, SpeakerMapping, Utterance

from .factories import ParticipantFactory, StudyFactory

CALL_1 = [
    ("Dana", "We compare three vendors before we sign anything."),
    ("Sam", "Why three vendors?"),
    ("Dana", "Because onboarding a bad supplier cost us an audit finding."),
]
CALL_2 = [
    ("Ines", "Our procurement team keeps a spreadsheet of every supplier."),
    ("Sam", "Is the spreadsheet shared?"),
    ("Ines", "Onboarding takes weeks because legal reviews every contract."),
]


def make_interview(org, lines, *, title, study=None, participant=None, team_member=None, conducted_at=None):
    """A ready interview built through the services, speakers mapped."""
    text = "\n".join(f"{speaker}: {line}" for speaker, line in lines).encode()
    with tenant_scope(org):
        interview = services.interview_upload(
            upload=services.Upload(name=f"{title}.txt", data=text), title=title, study=study, conducted_at=conducted_at
        )
        services.interview_process(interview_id=interview.pk)
        interview = Interview.objects.get(pk=interview.pk)
        for speaker in SpeakerMapping.objects.filter(interview=interview):
            if speaker.label == "Sam" and team_member is not None:
                services.speaker_map(speaker=speaker, team_member=team_member)
            elif speaker.label != "Sam" and participant is not None:
                services.speaker_map(speaker=speaker, participant=participant)
    return interview


@pytest.fixture
def corpus(org_a, alice):
    from datetime import datetime

    with tenant_scope(org_a):
        study = StudyFactory(organization=org_a, name="Onboarding")
        dana = ParticipantFactory(organization=org_a, pseudonym="P-Dana", attributes={"role": "procurement", "size": "smb"})
        ines = ParticipantFactory(organization=org_a, pseudonym="P-Ines", attributes={"role": "legal", "size": "enterprise"})
    first = make_interview(org_a, CALL_1, title="Call 1", study=study, participant=dana, team_member=alice.user,
                           conducted_at=datetime(2026, 3, 1, tzinfo=UTC))
    second = make_interview(org_a, CALL_2, title="Call 2", participant=ines, team_member=alice.user,
                            conducted_at=datetime(2026, 9, 1, tzinfo=UTC))
    return {"org": org_a, "study": study, "dana": dana, "ines": ines, "call1": first, "call2": second}


def utterance(interview, position):
    return Utterance.objects.get(interview=interview, position=position)
