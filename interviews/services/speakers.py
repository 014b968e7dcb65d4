"""Saying who a speaker label in a transcript is: a participant or a team member; and, after parsing, guessing
which unmapped speakers are interviewers and which are customers (a suggestion, never a mapping)."""

import re

from django.core.exceptions import ValidationError
from django.db.models import Count, Q

from empathy_site.tenancy.context import tenant_atomic
from empathy_site.tenancy.models import User
from empathy_site.tenancy.selectors import is_member

from ..models import Interview, InterviewParticipant, Participant, SpeakerMapping
from .highlights import highlights_refresh_participants
from .participants import participant_create

# Labels that name a role rather than a person: they say who interviews, and are no name worth keeping.
INTERVIEWER_LABELS = re.compile(r"^(interviewer|moderator|facilitator|researcher|host|ux researcher)\s*\d*$", re.IGNORECASE)
GENERIC_LABELS = re.compile(
    r"^(speaker|participant|interviewee|respondent|customer|guest|user|unknown|p)\s*[-_#]?\s*\d*$", re.IGNORECASE
)


@tenant_atomic()
def speaker_map(
    *,
    speaker: SpeakerMapping,
    participant: Participant | None = None,
    team_member: User | None = None,
    by: User | None = None,
) -> SpeakerMapping:
    """Say who a speaker label is. Both None clears the mapping."""
    if participant is not None and team_member is not None:
        raise ValidationError("A speaker is either a participant or a team member, not both.")
    if participant is not None and participant.organization_id != speaker.organization_id:
        raise ValidationError({"participant": "No such participant."})
    if team_member is not None and not is_member(user=team_member, organization=speaker.organization_id):
        raise ValidationError({"team_member": "That person is not a member of this organisation."})
    previous_participant_id = speaker.participant_id
    speaker.participant = participant
    speaker.team_member = team_member
    # A mapping outranks the guess; should it be cleared later, the speaker is guessed to be what it was mapped as.
    if participant is not None:
        speaker.guessed_role = SpeakerMapping.GuessedRole.CUSTOMER
    elif team_member is not None:
        speaker.guessed_role = SpeakerMapping.GuessedRole.INTERVIEWER
    speaker.save(update_fields=["participant", "team_member", "guessed_role"])
    interview_id = speaker.interview_id
    if previous_participant_id and previous_participant_id != speaker.participant_id:
        still_speaks = SpeakerMapping.objects.filter(interview_id=interview_id, participant_id=previous_participant_id).exists()
        if not still_speaks:
            InterviewParticipant.objects.filter(interview_id=interview_id, participant_id=previous_participant_id).delete()
    if participant is not None:
        InterviewParticipant.objects.get_or_create(
            organization_id=speaker.organization_id, interview_id=interview_id, participant=participant,
            defaults={"kind": InterviewParticipant.Kind.INTERVIEWEE},
        )
    if team_member is not None and not InterviewParticipant.objects.filter(
        interview_id=interview_id, team_member=team_member
    ).exists():
        InterviewParticipant.objects.create(
            organization_id=speaker.organization_id, interview_id=interview_id, team_member=team_member,
            kind=InterviewParticipant.Kind.TEAM,
        )
    highlights_refresh_participants(interview=speaker.interview)
    return speaker


def _name_forms(email: str, full_name: str) -> set[str]:
    """How a label may name a team member: the email's local part, the full name, its first word."""
    forms = {email.split("@")[0].casefold(), full_name.casefold()}
    if full_name:
        forms.add(full_name.split()[0].casefold())
    return {f for f in forms if f}


@tenant_atomic()
def speakers_guess_roles(*, interview: Interview) -> list[SpeakerMapping]:
    """Suggest who interviews and who is a customer, from the stored utterances, and save the guesses."""
    speakers = list(
        SpeakerMapping.objects.filter(interview=interview).annotate(
            questions=Count("utterances", filter=Q(utterances__text__contains="?")),
        ).order_by("pk")
    )
    speakers_guess(speakers=speakers, questions={s.label: s.questions for s in speakers},
                   organization_id=interview.organization_id)
    SpeakerMapping.objects.bulk_update(speakers, ["guessed_role"])
    return speakers


def speakers_guess(*, speakers: list[SpeakerMapping], questions: dict[str, int], organization_id: int) -> None:
    """Set each speaker's `guessed_role` (not saved): who interviews and who is a customer.

    Interviewers: speakers whose label names a team member of the organisation (full name, first name or the
    email's local part) or a role ("Interviewer", "Moderator"); failing that, the one speaker who asks the most
    questions (`questions`: how many of each label's utterances hold a question mark). Everyone else is a
    customer. Only the guess is set: nobody is mapped. `speakers` in the order ties go to (oldest first); the
    ingest passes speakers it has not created yet, so it writes each once.
    """
    members = (User.objects.filter(memberships__organization_id=organization_id).values_list("email", "full_name")
               if speakers else ())
    team_names = set().union(*(_name_forms(email, full_name) for email, full_name in members))
    interviewers = {
        s.label for s in speakers if s.label.strip().casefold() in team_names or INTERVIEWER_LABELS.match(s.label.strip())
    }
    if not interviewers and len(speakers) > 1:
        ranked = sorted(speakers, key=lambda s: -questions.get(s.label, 0))
        top, second = questions.get(ranked[0].label, 0), questions.get(ranked[1].label, 0)
        if top > 0 and top > second:
            interviewers.add(ranked[0].label)
    for speaker in speakers:
        if speaker.guessed_role == SpeakerMapping.GuessedRole.REMOVED:
            continue  # a deleted participant's words stay uncounted until someone maps them again
        speaker.guessed_role = (
            SpeakerMapping.GuessedRole.INTERVIEWER if speaker.label in interviewers else SpeakerMapping.GuessedRole.CUSTOMER
        )


def _next_pseudonym() -> str:
    """"P<n>": the first free number from the count of participants on, never the speaker's label."""
    number = Participant.objects.count() + 1
    taken = set(Participant.objects.filter(pseudonym__regex=r"^P[0-9]+$").values_list("pseudonym", flat=True))
    while f"P{number}" in taken:
        number += 1
    return f"P{number}"


@tenant_atomic()
def speaker_create_participant(*, speaker: SpeakerMapping, by: User | None = None) -> Participant:
    """Create a participant for a speaker and map the speaker to them.

    The pseudonym is "P<n>", not the label, which is often a real name; a label that names a person is kept as
    the participant's name (personal data, shown only to those who may see it).
    """
    label = speaker.label.strip()
    name = "" if GENERIC_LABELS.match(label) or INTERVIEWER_LABELS.match(label) else label[:200]
    participant = participant_create(pseudonym=_next_pseudonym(), name=name, by=by)
    speaker_map(speaker=speaker, participant=participant, by=by)
    return participant
