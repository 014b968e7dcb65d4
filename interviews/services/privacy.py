"""Privacy: redaction, consent checks, erasure, subject access and retention.

Redaction replaces personal details with labelled placeholders and keeps every
highlight's offsets and quote consistent; once an interview has no finding left
to decide, its original (unredacted) file is deleted. Erasure removes a
person's words everywhere and leaves an audit record without them.
"""

import logging
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from empathy_site.dates import months_before
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

logger = logging.getLogger(__name__)


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
    # The fields' bounds (validators on the model), checked here so forms, API and callers all get them.
    policy.full_clean(exclude=["organization", "public_id", "updated_by"], validate_unique=False, validate_constraints=False)
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


def _rewrite_snapshots(quotes_by_highlight: dict[str, str], words: "ErasedWords | None" = None) -> None:
    """Published snapshots keep every citation (history), with the new quote; an erasure also scrubs their text."""
    from personas.models import PersonaVersion

    for version in PersonaVersion.objects.all():
        touched = False
        for claim in version.snapshot.get("claims", []):
            for citation in claim.get("citations", []):
                if citation.get("highlight") in quotes_by_highlight:
                    citation["quote"] = quotes_by_highlight[citation["highlight"]]
                    touched = True
        if words is not None:
            scrubbed = words.scrub_json(version.snapshot, drop_cited=False)
            touched, version.snapshot = touched or scrubbed != version.snapshot, scrubbed
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
    # Taken before anything changes: what the copies made earlier (payloads, responses, snapshots) may hold.
    words = ErasedWords(
        names=[participant.pseudonym, participant.name, participant.email, *(speaker.label for speaker in speakers)],
        texts=[*utterances.values_list("text", flat=True), *highlights.values_list("quote", flat=True)],
        participant_id=str(participant.public_id), highlight_ids=highlight_public_ids,
    )
    counts = {"utterances": len(positions), "highlights": len(highlight_public_ids)}
    with evidence_change(highlights=highlights, reason="A participant's words were erased"):
        highlights.delete()
    _rewrite_snapshots({public_id: ERASED_TEXT for public_id in highlight_public_ids}, words)
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
    # Last, so that events this erasure emitted (persona.needs_review) are scrubbed too; same transaction.
    _scrub_sync_copies(words)
    audit_record(action="participant_erased", organization=participant.organization, actor=by, request=request,
                 target=participant, target_label=f"participant {participant.public_id}", details=counts)
    from empathy_site.sync.webhooks import emit

    # The event names who was erased, never what.
    emit("participant.erased", payload={"type": "participant", "id": str(participant.public_id), "erased": True})
    return counts


def _scrub_sync_copies(words: "ErasedWords") -> None:
    """Webhook payloads, their delivery log, replayable API responses and failed-task records are copies of the
    words too. Scrubbed in place: a replayed delivery or idempotent POST then carries the scrubbed version (a
    retried POST is not done twice), and the log of what was sent stays. Precondition: inside the erasure's
    transaction, after every change it makes (events it emitted are scrubbed too)."""
    from empathy_site.sync.models import DeliveryAttempt, FailedTask, IdempotencyRecord, WebhookDelivery, WebhookEvent

    # An event about the erased highlight or person itself has nothing left to send: it goes, with its deliveries.
    _scrub_rows(WebhookEvent.objects.all(), "payload", words.scrub_json, delete_if=words.is_about)
    _scrub_rows(IdempotencyRecord.objects.all(), "response_body", words.scrub_json)
    _scrub_rows(WebhookDelivery.objects.exclude(last_error=""), "last_error", words.scrub_text)
    _scrub_rows(DeliveryAttempt.objects.exclude(error=""), "error", words.scrub_text)
    _scrub_rows(FailedTask.objects.all(), "args", words.scrub_json)
    _scrub_rows(FailedTask.objects.all(), "error", words.scrub_text)


def _scrub_rows(queryset, field: str, scrub, delete_if=None) -> None:
    changed, gone = [], []
    for row in queryset.only("pk", field).iterator(chunk_size=500):
        value = getattr(row, field)
        if delete_if is not None and delete_if(value):
            gone.append(row.pk)
            continue
        scrubbed = scrub(value)
        if scrubbed != value:
            setattr(row, field, scrubbed)
            changed.append(row)
    queryset.model.objects.bulk_update(changed, [field], batch_size=500)
    if gone:
        queryset.model.objects.filter(pk__in=gone).delete()


# Names shorter than this ("Al", "P1") would hit unrelated words, and identify nobody on their own.
_SHORTEST_NAME = 3
# Texts (utterances, quotes) this long or longer are looked for anywhere, exactly as written; shorter ones
# are reached through the objects that carry them (an erased highlight's object is dropped whole).
_SHORTEST_TEXT = 12
_GONE = object()


def _whole_words(name: str) -> str:
    """The name as a pattern that does not match inside a longer word ("Vic" not in "Victory")."""
    pattern = re.escape(name)
    if re.match(r"\w", name[0]):
        pattern = r"(?<!\w)" + pattern
    if re.match(r"\w", name[-1]):
        pattern += r"(?!\w)"
    return pattern


class ErasedWords:
    """What an erased participant said and was called, found and removed in copies of JSON or text.

    Names (pseudonym, name, email, speaker labels) match as whole words, in any case; texts (utterances and
    erased highlights' quotes) match as written. In JSON, the participant's own record and anything that
    is or cites an erased highlight are cut down to `{"type", "id", "erased": true}` (or dropped from a list:
    the highlight and its citations no longer exist).
    """

    def __init__(self, *, names, texts, participant_id: str, highlight_ids):
        names = sorted({n.strip() for n in names if n and len(n.strip()) >= _SHORTEST_NAME}, key=len, reverse=True)
        self._names = re.compile("|".join(map(_whole_words, names)), re.IGNORECASE) if names else None
        # Texts by their first characters: one pass over a string finds any of thousands of them
        # (a regex alternation of that many long texts is orders of magnitude slower).
        self._texts: dict[str, list[str]] = {}
        for text in sorted({t for t in texts if t and len(t) >= _SHORTEST_TEXT}, key=len, reverse=True):
            self._texts.setdefault(text[:_SHORTEST_TEXT], []).append(text)
        self._participant_id = participant_id
        self._highlight_ids = frozenset(highlight_ids)

    def scrub_text(self, value: str) -> str:
        if self._texts and len(value) >= _SHORTEST_TEXT:
            value = self._without_texts(value)
        return self._names.sub(ERASED_TEXT, value) if self._names else value

    def _without_texts(self, value: str) -> str:
        parts, start, at = [], 0, 0
        while at <= len(value) - _SHORTEST_TEXT:
            candidates = self._texts.get(value[at:at + _SHORTEST_TEXT])
            found = next((t for t in candidates if value.startswith(t, at)), None) if candidates else None
            if found is None:
                at += 1
                continue
            parts += [value[start:at], ERASED_TEXT]
            at = start = at + len(found)
        return "".join([*parts, value[start:]]) if parts else value

    def is_about(self, value) -> bool:
        """A JSON object that is the erased participant's record, or is or cites one of their erased highlights."""
        return isinstance(value, dict) and (
            value.get("id") == self._participant_id
            or any(isinstance(item, str) and item in self._highlight_ids for item in value.values())
        )

    def scrub_json(self, value, *, drop_cited: bool = True):
        """A scrubbed copy; with drop_cited=False only strings change (history that keeps its shape)."""
        scrubbed = self._walk(value, drop_cited)
        return self._stub(value) if scrubbed is _GONE else scrubbed

    def _walk(self, value, drop_cited: bool):
        if isinstance(value, str):
            return self.scrub_text(value)
        if isinstance(value, list):
            return [item for item in (self._walk(item, drop_cited) for item in value) if item is not _GONE]
        if not isinstance(value, dict):
            return value
        if drop_cited and self.is_about(value):
            return self._stub(value) if value.get("id") == self._participant_id else _GONE
        walked = {}
        for key, item in value.items():
            scrubbed = self._walk(item, drop_cited)
            walked[key] = self._stub(item) if scrubbed is _GONE else scrubbed
        return walked

    @staticmethod
    def _stub(value: dict) -> dict:
        return {**{key: value[key] for key in ("type", "id") if key in value}, "erased": True}


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
    cutoff = months_before(timezone.now(), policy.retention_months)
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
    if months is not None:
        try:
            PrivacyPolicy._meta.get_field("retention_months").run_validators(months)
        except ValidationError as refused:
            raise ValidationError({"retention_months": refused.messages}) from None
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


def retention_run_scheduled() -> RetentionRun | None:
    """The daily run of the active organisation, if its policy is (still) on."""
    policy = PrivacyPolicy.objects.first()
    if policy is None or not policy.retention_enabled or not policy.retention_months:
        return None
    return retention_run(dry_run=False)


def retention_run_all() -> list[tuple[str, int]]:
    """Every organisation's daily run in this process, each in its own transaction: one that fails is logged
    and skipped, never stopping the others. (The beat schedule fans out one task per organisation instead.)"""
    done = []
    for organization in Organization.objects.order_by("pk"):
        try:
            with tenant_scope(organization):
                run = retention_run_scheduled()
        except Exception:
            logger.exception("Retention failed for organisation %s; the others still run.", organization.slug)
            continue
        if run is not None:
            done.append((organization.slug, run.interview_count))
    return done
