"""Reads for privacy: the organisation's policy, redaction findings to review, what is held about one person
(subject access), and what the retention policy reaches."""

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from empathy_site.dates import months_before

from ..events import participant_export_sections
from ..models import (
    Highlight,
    Interview,
    Participant,
    PrivacyPolicy,
    RedactionFinding,
    RetentionRun,
    SpeakerMapping,
    Utterance,
)


def privacy_policy() -> PrivacyPolicy:
    """The active organisation's policy; an unsaved one with the defaults until an admin saves it."""
    return PrivacyPolicy.objects.first() or PrivacyPolicy()


def retention_runs_recent(*, limit: int = 10) -> list[RetentionRun]:
    return list(RetentionRun.objects.select_related("triggered_by")[:limit])


def pending_findings(*, interview: Interview, utterances):
    """Pending redaction findings with a short excerpt of what would be replaced."""
    by_id = {u.pk: u for u in utterances}
    findings = list(RedactionFinding.objects.filter(interview=interview, status=RedactionFinding.Status.PENDING))
    for finding in findings:
        utterance = by_id.get(finding.utterance_id)
        finding.utterance = utterance
        finding.excerpt = utterance.text[finding.start:finding.end] if utterance else ""
    return [f for f in findings if f.utterance is not None]


def interviews_past_retention(*, policy: PrivacyPolicy) -> tuple[datetime, QuerySet]:
    """The cutoff and the interviews older than the policy keeps, oldest first, that it still has work on."""
    cutoff = months_before(timezone.now(), policy.retention_months)
    interviews = Interview.objects.filter(
        Q(conducted_at__lt=cutoff) | Q(conducted_at__isnull=True, created_at__lt=cutoff)
    ).order_by("created_at")
    if policy.retention_action == PrivacyPolicy.RetentionAction.REDACT:
        # Already redacted ones (original gone) have nothing left to do.
        interviews = interviews.filter(original_deleted_at__isnull=True)
    return cutoff, interviews


def participant_personal_data(*, participant: Participant) -> dict:
    """Everything held about one person, as an admin can hand it over."""
    speakers = SpeakerMapping.objects.filter(participant=participant)
    utterances = Utterance.objects.filter(speaker__in=speakers).select_related("interview").order_by("interview_id", "position")
    highlights = Highlight.objects.filter(participant=participant).select_related("interview").prefetch_related("tags")
    iso = lambda value: value.isoformat() if value else None  # noqa: E731
    return {
        "exported_at": timezone.now().isoformat(),
        "participant": {
            "id": str(participant.public_id), "pseudonym": participant.pseudonym, "name": participant.name,
            "email": participant.email, "attributes": participant.attributes, "external_ids": participant.external_ids,
            "consent": {"given_at": iso(participant.consent_given_at), "scope": participant.consent_scope,
                        "expires_at": iso(participant.consent_expires_at), "withdrawn_at": iso(participant.consent_withdrawn_at)},
            "erased_at": iso(participant.erased_at),
        },
        "interviews": [
            {"id": str(i.public_id), "title": i.title, "conducted_at": iso(i.conducted_at)}
            for i in Interview.objects.filter(attendances__participant=participant).distinct()
        ],
        "utterances": [
            {"interview": str(u.interview.public_id), "position": u.position, "start_ms": u.start_ms, "text": u.text}
            for u in utterances
        ],
        "highlights": [
            {"id": str(h.public_id), "interview": str(h.interview.public_id), "quote": h.quote, "note": h.note,
             "tags": [t.name for t in h.tags.all()]}
            for h in highlights
        ],
        # What other apps hold about this person (personas: where their words are cited).
        **participant_export_sections(participant=participant),
    }
