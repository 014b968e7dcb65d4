"""Redaction: personal details in transcripts found, then replaced by labelled placeholders (automatically or
after a researcher's review) while every highlight's offsets and quote stay consistent. Once an interview has no
finding left to decide, its original (unredacted) file is deleted.
"""

from django.db import transaction
from django.utils import timezone

from empathy_site.tenancy.context import tenant_atomic
from empathy_site.tenancy.models import User

from ..events import quotes_rewrite
from ..models import Highlight, Interview, PrivacyPolicy, RedactionFinding, SpeakerMapping, Utterance
from ..redaction import detect
from ..selectors import privacy_policy
from .highlights import Span, span_quote
from .media import media_mark_redacted

# What is left of erased words, and the quote of a highlight with nothing left.
ERASED_TEXT = "[erased]"


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
        for detection, placeholder in detect(utterance.text, names):
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
        snapshots_rewrite(changed)


def snapshots_rewrite(quotes_by_highlight: dict[str, str], words=None) -> None:
    """Copies of evidence kept above this app (published persona snapshots) take the new quotes; an erasure
    (`words`: its ErasedWords) also has them scrub the person's words, keeping what cites other evidence."""
    scrub = (lambda value: words.scrub_json(value, drop_cited=False)) if words is not None else None
    quotes_rewrite(quotes=quotes_by_highlight, scrub=scrub)


@tenant_atomic()
def redaction_apply(*, findings, by: User | None = None) -> int:
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
        finding.decided_by = by
        finding.save(update_fields=["status", "decided_at", "decided_by"])
    _rebuild_quotes(touched_highlights)
    media_mark_redacted(interview_ids={f.interview_id for f in findings})
    for interview_id in {f.interview_id for f in findings}:
        _delete_original_if_settled(Interview.objects.get(pk=interview_id))
    return len(findings)


@tenant_atomic()
def redaction_reject(*, finding: RedactionFinding, by: User | None = None) -> None:
    finding.status, finding.decided_at = RedactionFinding.Status.REJECTED, timezone.now()
    finding.decided_by = by
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
def interview_redact(*, interview: Interview, by: User | None = None) -> list[RedactionFinding]:
    """On ingest or on demand: scan, then apply everything (automatic) or leave findings for review."""
    findings = interview_scan(interview=interview)
    if privacy_policy().redaction_mode == PrivacyPolicy.RedactionMode.AUTOMATIC and findings:
        redaction_apply(findings=findings, by=by)
    return findings
