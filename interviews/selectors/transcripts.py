"""Reads of participants, studies, interviews, their speakers and utterances. Every query runs through the
tenant manager."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from ..models import Interview, Participant, ParticipantExternalId, Study, Utterance


def organization_overview() -> dict:
    interviews = Interview.objects.aggregate(
        total=Count("id"),
        ready=Count("id", filter=Q(status=Interview.Status.READY)),
        failed=Count("id", filter=Q(status=Interview.Status.FAILED)),
        pending=Count("id", filter=Q(status__in=[Interview.Status.QUEUED, Interview.Status.PROCESSING])),
    )
    return {
        "interviews": interviews,
        "participants": Participant.objects.count(),
        "studies": Study.objects.count(),
        "utterances": Utterance.objects.count(),
        "recent_interviews": list(Interview.objects.select_related("study").order_by("-created_at")[:6]),
    }


def interview_list(*, study=None, status=None):
    queryset = Interview.objects.select_related("study").order_by("-created_at")
    if study is not None:
        queryset = queryset.filter(study=study)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.prefetch_related("attendances__participant")


def interview_transcript(*, interview: Interview):
    """Utterances with their speakers and participants, in order: three queries whatever the length."""
    return list(
        Utterance.objects.filter(interview=interview)
        .select_related("speaker__participant", "speaker__team_member")
        .order_by("position")
    )


def interview_speakers(*, interview: Interview):
    return list(
        interview.speakers.select_related("participant", "team_member")
        .annotate(utterance_count=Count("utterances"))
        .order_by("-utterance_count", "label")
    )


def stale_claim_cutoff() -> datetime:
    """A claim (or a queued interview) older than this belongs to a dead worker or a lost task."""
    return timezone.now() - timedelta(seconds=settings.INTERVIEW_CLAIM_TIMEOUT_SECONDS)


def interview_stalled(*, interview: Interview) -> bool:
    """True when a researcher may reprocess an interview that is still queued or processing."""
    cutoff = stale_claim_cutoff()
    if interview.status == Interview.Status.PROCESSING:
        return interview.claimed_at is None or interview.claimed_at < cutoff
    return interview.status == Interview.Status.QUEUED and interview.updated_at < cutoff


def label_speakers(speakers, *, personal_data: bool) -> None:
    """Set `display_label` on each speaker: what this reader may call it.

    A raw label is the name as typed in the transcript file, often a real one ("Dana Whitfield"), so only
    readers who may see personal data get it. Everybody else gets the participant's pseudonym, the team
    member's name, or "Speaker N", N numbering the interview's speakers in the order they first spoke.
    Speakers need participant and team_member loaded (select_related). No query.
    """
    for speaker in speakers:
        if personal_data:
            speaker.display_label = speaker.label
        elif speaker.participant_id:
            speaker.display_label = speaker.participant.pseudonym
        elif speaker.team_member_id:
            speaker.display_label = speaker.team_member.display_name
        else:
            speaker.display_label = f"Speaker {speaker.number}"


def participant_search(*, query: str, personal_data: bool) -> Q:
    """Participants matching what was typed: by pseudonym for everybody; by name and email only for
    readers who may see them, so nobody can probe for a name they are not shown."""
    condition = Q(pseudonym__icontains=query)
    if personal_data:
        condition |= Q(name__icontains=query) | Q(email__icontains=query)
    return condition


def participant_list(*, personal_data: bool, query: str = ""):
    queryset = Participant.objects.annotate(interview_count=Count("attendances", distinct=True)).order_by("pseudonym")
    if query:
        queryset = queryset.filter(participant_search(query=query, personal_data=personal_data))
    return queryset


def participant_by_external_id(*, system: str, external_id: str) -> Participant | None:
    link = ParticipantExternalId.objects.select_related("participant").filter(system=system, external_id=external_id).first()
    return link.participant if link else None


def study_list():
    return Study.objects.annotate(interview_count=Count("interviews")).order_by("-created_at")
