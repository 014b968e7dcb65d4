"""Privacy: redaction, consent checks, erasure, subject access and retention.

Redaction replaces personal details with labelled placeholders and keeps every
highlight's offsets and quote consistent; once an interview has no finding left
to decide, its original (unredacted) file is deleted. Erasure removes a
person's words everywhere and leaves an audit record without them.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from empathy_site.tenancy.audit import audit_record
from empathy_site.tenancy.context import require_org_id, tenant_atomic, tenant_scope
from empathy_site.tenancy.models import Organization

from .. import redaction
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
from .highlights import span_quote

ERASED_TEXT = "[erased]"


def privacy_policy() -> PrivacyPolicy:
    return PrivacyPolicy.objects.first() or PrivacyPolicy()


@tenant_atomic()
def privacy_policy_update(*, by=None, request=None, **values) -> PrivacyPolicy:
    policy = PrivacyPolicy.objects.select_for_update().first() or PrivacyPolicy(organization_id=require_org_id())
    for field in ("redaction_mode", "retention_enabled", "retention_months", "retention_action"):
        if field in values:
            setattr(policy, field, values[field])
    if policy.redaction_mode not in PrivacyPolicy.RedactionMode.values:
        raise ValidationError({"redaction_mode": "Choose off, suggest or automatic."})
    if policy.retention_action not in PrivacyPolicy.RetentionAction.values:
        raise ValidationError({"retention_action": "Choose delete or redact."})
    if policy.retention_enabled and not policy.retention_months:
        raise ValidationError({"retention_months": "Say after how many months interviews are deleted or redacted."})
    policy.updated_by = by if getattr(by, "email", None) else None
    policy.save()
    audit_record(action="privacy_policy_changed", organization=policy.organization, actor=by, request=request,
                 target_label="privacy policy", details={
                     "redaction_mode": policy.redaction_mode, "retention_enabled": policy.retention_enabled,
                     "retention_months": policy.retention_months, "retention_action": policy.retention_action})
    return policy


# Redaction ---------------------------------------------------------------------


def _people_placeholders(interview: Interview) -> dict[str, str]:
    """Names as typed in the file (speaker labels) and participants' own names -> placeholder."""
    names: dict[str, str] = {}
    participants = team = 0
    for speaker in SpeakerMapping.objects.filter(interview=interview).select_related("participant", "team_member").order_by("id"):
        if speaker.team_member_id:
            team += 1
            placeholder = f"[TEAM MEMBER {team}]"
            extra = [speaker.team_member.full_name]
        else:
            participants += 1
            placeholder = f"[PARTICIPANT {participants}]"
            extra = [speaker.participant.name] if speaker.participant_id and speaker.participant.name else []
        for name in [speaker.label, *extra]:
            if name and name.strip():
                names.setdefault(name.strip(), placeholder)
    return names


@tenant_atomic()
def interview_scan(*, interview: Interview) -> list[RedactionFinding]:
    """Find personal details in the transcript; pending findings replace earlier pending ones."""
    RedactionFinding.objects.filter(interview=interview, status=RedactionFinding.Status.PENDING).delete()
    names = _people_placeholders(interview)
    findings = []
    for utterance in Utterance.objects.filter(interview=interview).only("id", "text"):
        for detection, placeholder in redaction.detect(utterance.text, names):
            if utterance.text[detection.start:detection.end] == placeholder:
                continue
            findings.append(RedactionFinding(
                organization_id=interview.organization_id, interview=interview, utterance=utterance,
                start=detection.start, end=detection.end, kind=detection.kind, placeholder=placeholder,
            ))
    return RedactionFinding.objects.bulk_create(findings)


def _shift(offset: int, start: int, end: int, delta: int, *, is_end: bool) -> int:
    """Where an offset lands after [start, end) becomes a placeholder `delta` longer."""
    if offset >= end:
        return offset + delta
    if offset > start:
        return end + delta if is_end else start  # inside the span: snap to the placeholder's edge
    return offset


def _replace_in_utterance(utterance: Utterance, start: int, end: int, placeholder: str) -> None:
    """Replace text[start:end]; move every highlight boundary and pending finding in this utterance."""
    delta = len(placeholder) - (end - start)
    utterance.text = utterance.text[:start] + placeholder + utterance.text[end:]
    utterance.save(update_fields=["text"])
    for highlight in Highlight.objects.filter(start_utterance=utterance):
        highlight.start_offset = _shift(highlight.start_offset, start, end, delta, is_end=False)
        highlight.save(update_fields=["start_offset"])
    for highlight in Highlight.objects.filter(end_utterance=utterance):
        highlight.end_offset = _shift(highlight.end_offset, start, end, delta, is_end=True)
        highlight.save(update_fields=["end_offset"])
    for finding in RedactionFinding.objects.filter(utterance=utterance, status=RedactionFinding.Status.PENDING, start__gte=end):
        finding.start += delta
        finding.end += delta
        finding.save(update_fields=["start", "end"])


def _rebuild_quotes(highlight_ids) -> None:
    """Quotes follow the (now redacted) text; persona snapshots get the redacted quote too."""

    from .highlights import Span

    changed = {}
    for highlight in Highlight.objects.filter(pk__in=list(highlight_ids)).select_related("interview"):
        utterances = list(Utterance.objects.filter(
            interview_id=highlight.interview_id, position__gte=highlight.start_position, position__lte=highlight.end_position
        ).order_by("position"))
        span = Span(highlight.start_position, highlight.start_offset, highlight.end_position, highlight.end_offset)
        highlight.quote = span_quote(utterances, span) or ERASED_TEXT
        highlight.save(update_fields=["quote", "updated_at"])
        changed[str(highlight.public_id)] = highlight.quote
    if changed:
        _rewrite_snapshots(changed)


def _rewrite_snapshots(quotes_by_highlight: dict[str, str]) -> None:
    from personas.models import PersonaVersion

    for version in PersonaVersion.objects.all():
        touched = False
        for claim in version.snapshot.get("claims", []):
            for citation in claim.get("citations", []):
                if citation.get("highlight") in quotes_by_highlight:
                    citation["quote"] = quotes_by_highlight[citation["highlight"]]
                    touched = True
        if touched:
            version.save(update_fields=["snapshot"])


@tenant_atomic()
def redaction_apply(*, findings, by=None) -> int:
    """Apply findings (right to left within each utterance, so earlier offsets stay valid)."""
    findings = sorted(findings, key=lambda f: (f.utterance_id, -f.start))
    touched_highlights = set()
    now = timezone.now()
    for finding in findings:
        finding.refresh_from_db()
        if finding.status != RedactionFinding.Status.PENDING:
            continue
        utterance = Utterance.objects.get(pk=finding.utterance_id)
        touched_highlights |= set(
            Highlight.objects.filter(start_position__lte=utterance.position, end_position__gte=utterance.position,
                                     interview_id=utterance.interview_id).values_list("pk", flat=True)
        )
        _replace_in_utterance(utterance, finding.start, finding.end, finding.placeholder)
        finding.status, finding.decided_at = RedactionFinding.Status.ACCEPTED, now
        finding.decided_by = by if getattr(by, "email", None) else None
        finding.save(update_fields=["status", "decided_at", "decided_by"])
    _rebuild_quotes(touched_highlights)
    for interview_id in {f.interview_id for f in findings}:
        _delete_original_if_settled(Interview.objects.get(pk=interview_id))
    return len(findings)


@tenant_atomic()
def redaction_reject(*, finding: RedactionFinding, by=None) -> None:
    finding.status, finding.decided_at = RedactionFinding.Status.REJECTED, timezone.now()
    finding.decided_by = by if getattr(by, "email", None) else None
    finding.save(update_fields=["status", "decided_at", "decided_by"])
    _delete_original_if_settled(finding.interview)


def _delete_original_if_settled(interview: Interview) -> None:
    """After redaction, the unredacted original must not be kept beside the redacted text."""
    pending = RedactionFinding.objects.filter(interview=interview, status=RedactionFinding.Status.PENDING).exists()
    applied = RedactionFinding.objects.filter(interview=interview, status=RedactionFinding.Status.ACCEPTED).exists()
    if not pending and applied:
        interview_delete_original(interview=interview)


def interview_delete_original(*, interview: Interview) -> None:
    if not interview.original_file:
        return
    name, storage = interview.original_file.name, interview.original_file.storage
    interview.original_file, interview.original_deleted_at = "", timezone.now()
    interview.save(update_fields=["original_file", "original_deleted_at", "updated_at"])
    transaction.on_commit(lambda: storage.delete(name))


@tenant_atomic()
def interview_redact(*, interview: Interview, by=None) -> list[RedactionFinding]:
    """On ingest or on demand: scan, then apply everything (automatic) or leave findings for review."""
    findings = interview_scan(interview=interview)
    if privacy_policy().redaction_mode == PrivacyPolicy.RedactionMode.AUTOMATIC and findings:
        redaction_apply(findings=findings, by=by)
    return findings


# Erasure -----------------------------------------------------------------------


@tenant_atomic()
def participant_erase(*, participant: Participant, by=None, request=None) -> dict:
    """Remove a person's words, highlights, personal fields and original files, everywhere, now.

    Personas and messages that cited them are re-checked in this transaction.
    The audit record says what was erased (counts), never the content.
    """
    from personas.services import evidence_change

    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    speakers = list(SpeakerMapping.objects.filter(participant=participant))
    utterances = Utterance.objects.filter(speaker__in=speakers)
    positions = list(utterances.values_list("interview_id", "position"))
    highlight_filter = Highlight.objects.filter(participant=participant)
    for interview_id, position in positions:
        highlight_filter = highlight_filter | Highlight.objects.filter(
            interview_id=interview_id, start_position__lte=position, end_position__gte=position
        )
    highlights = Highlight.objects.filter(pk__in=highlight_filter.values("pk"))
    highlight_public_ids = [str(h) for h in highlights.values_list("public_id", flat=True)]
    counts = {"utterances": len(positions), "highlights": len(highlight_public_ids)}
    with evidence_change(highlights=highlights, reason="A participant's words were erased"):
        highlights.delete()
    _rewrite_snapshots({public_id: ERASED_TEXT for public_id in highlight_public_ids})
    _scrub_sync_copies([*highlight_public_ids, str(participant.public_id)])
    RedactionFinding.objects.filter(utterance__in=utterances).delete()
    utterances.update(text=ERASED_TEXT)
    for index, speaker in enumerate(speakers, start=1):
        speaker.label = f"Erased participant {index}" if len(speakers) > 1 else "Erased participant"
        speaker.save(update_fields=["label"])
    interviews = Interview.objects.filter(pk__in={interview_id for interview_id, _ in positions} | set(
        participant.attendances.values_list("interview_id", flat=True)))
    for interview in interviews:
        interview_delete_original(interview=interview)
    counts["original_files"] = interviews.count()
    participant.pseudonym = f"Erased {str(participant.public_id)[:8]}"
    participant.name = participant.email = participant.consent_scope = ""
    participant.attributes, participant.external_ids = {}, {}
    participant.crm_ids.all().delete()
    participant.consent_withdrawn_at = participant.consent_withdrawn_at or timezone.now()
    participant.erased_at = timezone.now()
    participant.save()
    audit_record(action="participant_erased", organization=participant.organization, actor=by, request=request,
                 target=participant, target_label=f"participant {participant.public_id}", details=counts)
    from empathy_site.sync.webhooks import emit

    # The event names who was erased, never what.
    emit("participant.erased", payload={"type": "participant", "id": str(participant.public_id), "erased": True})
    return counts


def _scrub_sync_copies(public_ids: list[str]) -> None:
    """Webhook payloads and replayable API responses are copies of the words too: remove them."""
    from django.db.models import Q

    from empathy_site.sync.models import IdempotencyRecord, WebhookEvent

    if not public_ids:
        return
    WebhookEvent.objects.filter(payload__id__in=public_ids).delete()
    mentions = Q()
    for public_id in public_ids:
        mentions |= Q(response_body__icontains=public_id)
    IdempotencyRecord.objects.filter(mentions).delete()


def organization_erase(*, organization: Organization, by=None, request=None) -> None:
    """Delete an organisation with everything it holds, files included."""
    with tenant_scope(organization):
        storage = Interview._meta.get_field("original_file").storage
        names = [n for n in Interview.objects.values_list("original_file", flat=True) if n]
        slug = organization.slug
        from empathy_site.sync.capture import capture_suppressed

        with capture_suppressed():
            organization.delete()
        transaction.on_commit(lambda: [storage.delete(name) for name in names])
    audit_record(action="organization_deleted", actor=by, request=request, target_label=slug)


# Subject access -------------------------------------------------------------------


def participant_export(*, participant: Participant) -> dict:
    """Everything held about one person, as an admin can hand it over."""
    from personas.models import Citation

    speakers = SpeakerMapping.objects.filter(participant=participant)
    utterances = Utterance.objects.filter(speaker__in=speakers).select_related("interview").order_by("interview_id", "position")
    highlights = Highlight.objects.filter(participant=participant).select_related("interview").prefetch_related("tags")
    citations = Citation.objects.filter(highlight__participant=participant).select_related("claim__persona")
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
        "cited_in_personas": [
            {"persona": c.claim.persona.name, "claim": c.claim.statement, "stance": c.stance} for c in citations
        ],
    }


# Retention -----------------------------------------------------------------------


def _expired_interviews(policy: PrivacyPolicy):
    cutoff = timezone.now() - timedelta(days=round(30.44 * policy.retention_months))
    from django.db.models import Q

    interviews = Interview.objects.filter(
        Q(conducted_at__lt=cutoff) | Q(conducted_at__isnull=True, created_at__lt=cutoff)
    ).order_by("created_at")
    if policy.retention_action == PrivacyPolicy.RetentionAction.REDACT:
        # Already redacted ones (original gone) have nothing left to do.
        interviews = interviews.filter(original_deleted_at__isnull=True)
    return cutoff, interviews


@tenant_atomic()
def retention_run(*, dry_run: bool, by=None, months: int | None = None, action: str | None = None) -> RetentionRun:
    """Delete or redact interviews older than the policy allows; dry_run only reports what it would do."""
    policy = privacy_policy()
    if months:
        policy.retention_months = months
    if action:
        policy.retention_action = action
    if not policy.retention_months:
        raise ValidationError({"retention_months": "Set how many months interviews are kept first."})
    cutoff, interviews = _expired_interviews(policy)
    interviews = list(interviews)
    details = [{"id": str(i.public_id), "title": i.title} for i in interviews]
    if not dry_run:
        from .transcripts import interview_delete

        for interview in interviews:
            if policy.retention_action == PrivacyPolicy.RetentionAction.DELETE:
                interview_delete(interview=interview, by=by)
            else:
                findings = interview_scan(interview=interview)
                if findings:
                    redaction_apply(findings=findings, by=by)
                interview_delete_original(interview=interview)
    return RetentionRun.objects.create(
        organization_id=require_org_id(), dry_run=dry_run, action=policy.retention_action, cutoff=cutoff,
        interview_count=len(interviews), details=details, triggered_by=by if getattr(by, "email", None) else None,
    )


def retention_run_all() -> list[tuple[str, int]]:
    """For the beat schedule: every organisation whose retention is enabled, each in its own scope."""
    done = []
    for organization in Organization.objects.order_by("pk"):
        with tenant_scope(organization):
            policy = PrivacyPolicy.objects.first()
            if policy is None or not policy.retention_enabled or not policy.retention_months:
                continue
            run = retention_run(dry_run=False)
            done.append((organization.slug, run.interview_count))
    return done
