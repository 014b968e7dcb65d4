"""Reads of interview data. Every query here runs through the tenant manager."""

from django.db.models import Count, Q

from .models import Interview, Participant, Study, Utterance


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


def participant_list(*, query: str = ""):
    queryset = Participant.objects.annotate(interview_count=Count("attendances", distinct=True)).order_by("pseudonym")
    if query:
        queryset = queryset.filter(Q(pseudonym__icontains=query) | Q(name__icontains=query))
    return queryset


def study_list():
    return Study.objects.annotate(interview_count=Count("interviews")).order_by("-created_at")
