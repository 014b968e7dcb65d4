"""Erasure: a participant's words, highlights, personal fields and original files removed everywhere, copies
included (persona snapshots, webhook payloads, replayable responses, failed-task records), leaving an audit record
that says how much, never what; and an organisation deleted with everything it holds.
"""

import contextlib
import re

from django.db import transaction
from django.utils import timezone

from empathy_site.api.models import IdempotencyRecord
from empathy_site.sync.models import DeliveryAttempt, FailedTask, StoredRepresentation, WebhookDelivery, WebhookEvent
from empathy_site.sync.webhooks import emit
from empathy_site.tenancy.audit import AuditAction, audit_record
from empathy_site.tenancy.context import tenant_atomic
from empathy_site.tenancy.models import Organization, User

from ..events import evidence_change
from ..models import Highlight, Interview, Participant, RedactionFinding, SpeakerMapping, Utterance
from .media import media_erase
from .redaction import ERASED_TEXT, interview_delete_original, snapshots_rewrite


@tenant_atomic()
def participant_erase(*, participant: Participant, by: User | None = None) -> dict:
    """Remove a person's words, highlights, personal fields and original files, everywhere, now.

    Personas and messages that cited them are re-checked in this transaction.
    The audit record says what was erased (counts), never the content.
    """
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
    interviews = Interview.objects.filter(pk__in={interview_id for interview_id, _ in positions} | set(
        participant.attendances.values_list("interview_id", flat=True)))
    # Recordings say their words too: clips, reels and the recordings of their interviews go.
    counts.update(media_erase(highlights=highlights, interviews=interviews))
    with evidence_change(highlights=highlights, reason="A participant's words were erased"):
        highlights.delete()
    snapshots_rewrite({public_id: ERASED_TEXT for public_id in highlight_public_ids}, words)
    RedactionFinding.objects.filter(utterance__in=utterances).delete()
    utterances.update(text=ERASED_TEXT)
    for index, speaker in enumerate(speakers, start=1):
        speaker.label = f"Erased participant {index}" if len(speakers) > 1 else "Erased participant"
        speaker.save(update_fields=["label"])
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
    audit_record(action=AuditAction.PARTICIPANT_ERASED, organization=participant.organization, actor=by,
                 target=participant, target_label=f"participant {participant.public_id}", details=counts)
    # The event names who was erased, never what.
    emit("participant.erased", payload={"type": "participant", "id": str(participant.public_id), "erased": True})
    return counts


def _scrub_sync_copies(words: "ErasedWords") -> None:
    """Webhook payloads, their delivery log, replayable API responses and failed-task records are copies of the
    words too. Scrubbed in place: a replayed delivery or idempotent POST then carries the scrubbed version (a
    retried POST is not done twice), and the log of what was sent stays. Precondition: inside the erasure's
    transaction, after every change it makes (events it emitted are scrubbed too)."""
    # An event about the erased highlight or person itself has nothing left to send: it goes, with its deliveries.
    _scrub_rows(WebhookEvent.objects.all(), "payload", words.scrub_json, delete_if=words.is_about)
    _scrub_rows(IdempotencyRecord.objects.all(), "response_body", words.scrub_json)
    _scrub_rows(WebhookDelivery.objects.exclude(last_error=""), "last_error", words.scrub_text)
    _scrub_rows(DeliveryAttempt.objects.exclude(error=""), "error", words.scrub_text)
    _scrub_rows(FailedTask.objects.all(), "args", words.scrub_json)
    _scrub_rows(FailedTask.objects.all(), "error", words.scrub_text)
    # The feed's stored representations are renderings it can make again: all of the organisation's go.
    StoredRepresentation.objects.all().delete()


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


@contextlib.contextmanager
def original_files_eraser(organization: Organization):
    """Registered with tenancy's organisation deletion (apps.py): the database cascade takes the interviews,
    this takes their stored files, once the deletion has committed (a rollback keeps both).
    Precondition: the organisation is the active tenant."""
    storage = Interview._meta.get_field("original_file").storage
    names = [name for name in Interview.objects.values_list("original_file", flat=True) if name]
    yield
    transaction.on_commit(lambda: [storage.delete(name) for name in names])
