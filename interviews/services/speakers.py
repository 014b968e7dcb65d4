"""Saying who a speaker label in a transcript is: a participant or a team member."""

from django.core.exceptions import ValidationError

from empathy_site.tenancy.context import tenant_atomic
from empathy_site.tenancy.models import User
from empathy_site.tenancy.selectors import is_member

from ..models import InterviewParticipant, Participant, SpeakerMapping
from .highlights import highlights_refresh_participants


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
    speaker.save(update_fields=["participant", "team_member"])
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
