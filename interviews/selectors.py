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
