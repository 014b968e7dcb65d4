"""manage.py guess_speakers: interviews parsed before speaker guessing get their guesses; others are left alone."""

from django.core.management import call_command

from empathy_site.tenancy.context import tenant_scope
from interviews.models import SpeakerMapping

from .evidence_fixtures import make_interview

LINES = [
    ("Jordan Blake", "What do you use today?"),
    ("Dana Whitfield", "A spreadsheet, mostly."),
    ("Jordan Blake", "Why that one? Who keeps it?"),
    ("Dana Whitfield", "Procurement keeps it."),
]


def _roles(org, interview):
    with tenant_scope(org):
        return dict(SpeakerMapping.objects.filter(interview=interview).values_list("label", "guessed_role"))


def test_interviews_without_guesses_get_them_and_guessed_ones_are_left_alone(org_a, org_b):
    old = make_interview(org_a, LINES, title="Parsed before guessing")
    kept = make_interview(org_b, LINES, title="Guessed, then corrected by hand")
    with tenant_scope(org_a):
        SpeakerMapping.objects.filter(interview=old).update(guessed_role="")
    with tenant_scope(org_b):
        SpeakerMapping.objects.filter(interview=kept, label="Jordan Blake").update(guessed_role=SpeakerMapping.GuessedRole.CUSTOMER)
    call_command("guess_speakers")
    assert _roles(org_a, old) == {"Jordan Blake": "interviewer", "Dana Whitfield": "customer"}
    assert _roles(org_b, kept)["Jordan Blake"] == "customer"
