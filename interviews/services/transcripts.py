"""Writes for participants, studies and interviews. The only place that changes them."""

import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded, WorkerLostError
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from empathy_site.sync.capture import record_changes
from empathy_site.sync.failures import failed_task_record
from empathy_site.sync.webhooks import emit
from empathy_site.tenancy.audit import audit_record
from empathy_site.tenancy.concurrency import Conflict, unique_or_conflict
from empathy_site.tenancy.context import require_org_id, tenant_atomic
from empathy_site.tenancy.models import Membership

from .. import parsers
from ..models import (
    Interview,
    InterviewParticipant,
    Participant,
    ParticipantExternalId,
    SpeakerMapping,
    Study,
    Utterance,
)

logger = logging.getLogger(__name__)

PARTICIPANT_FIELDS = (
    "pseudonym", "name", "email", "attributes", "external_ids",
    "consent_given_at", "consent_scope", "consent_expires_at", "consent_withdrawn_at",
)
STUDY_FIELDS = ("name", "goal", "research_questions", "starts_on", "ends_on")


def parse_limits() -> parsers.ParseLimits:
    return parsers.ParseLimits(
        max_bytes=settings.UPLOAD_MAX_BYTES,
        docx_max_uncompressed_bytes=settings.DOCX_MAX_UNCOMPRESSED_BYTES,
        docx_max_compression_ratio=settings.DOCX_MAX_COMPRESSION_RATIO,
    )


def _validate_string_map(value, field: str) -> dict:
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str | int | float | bool) for k, v in value.items()):
        raise ValidationError({field: "Give key/value pairs of text, e.g. {\"role\": \"procurement\"}."})
    return {k.strip(): str(v).strip() if not isinstance(v, bool) else v for k, v in value.items() if k.strip()}


def _apply(instance, fields, values: dict) -> None:
    for field in fields:
        if field in values:
            setattr(instance, field, values[field])


# Participants ---------------------------------------------------------------


@tenant_atomic()
def participant_create(*, pseudonym: str, by=None, **values) -> Participant:
    participant = Participant(organization_id=require_org_id(), pseudonym=pseudonym.strip())
    _apply(participant, PARTICIPANT_FIELDS, values)
    return _participant_save(participant)


@tenant_atomic()
def participant_update(*, participant: Participant, by=None, **values) -> Participant:
    _apply(participant, PARTICIPANT_FIELDS, values)
    return _participant_save(participant)


def _participant_save(participant: Participant) -> Participant:
    participant.attributes = _validate_string_map(participant.attributes or {}, "attributes")
    participant.external_ids = _validate_string_map(participant.external_ids or {}, "external_ids")
    if not participant.pseudonym:
        raise ValidationError({"pseudonym": "A participant needs a pseudonym, e.g. “P07”."})
    pseudonym_taken = f"Another participant is already called “{participant.pseudonym}”."
    if Participant.objects.filter(pseudonym=participant.pseudonym).exclude(pk=participant.pk).exists():
        raise Conflict({"pseudonym": pseudonym_taken})
    participant.full_clean(exclude=["organization", "public_id"], validate_unique=False, validate_constraints=False)
    taken = [
        f"{system}:{external_id}"
        for system, external_id in participant.external_ids.items()
        if ParticipantExternalId.objects.filter(system=system, external_id=external_id).exclude(participant_id=participant.pk).exists()
    ]
    if taken:
        raise Conflict({"external_ids": f"Another participant already has the CRM id {', '.join(taken)}."})
    # The checks above give the message; a concurrent writer can still take the value before the INSERT.
    with unique_or_conflict("participant_org_pseudonym_uniq", "pseudonym", pseudonym_taken):
        participant.save()
    # The CRM ids as a unique index: the dict is what the API shows, the rows what the database guards.
    ParticipantExternalId.objects.filter(participant=participant).delete()
    ids = ", ".join(f"{system}:{external_id}" for system, external_id in participant.external_ids.items())
    with unique_or_conflict("participant_external_id_uniq", "external_ids", f"Another participant already has the CRM id {ids}."):
        ParticipantExternalId.objects.bulk_create([
            ParticipantExternalId(organization_id=participant.organization_id, participant=participant, system=system,
                                  external_id=str(external_id))
            for system, external_id in participant.external_ids.items()
        ])
    return participant


def participant_by_external_id(*, system: str, external_id: str) -> Participant | None:
    link = ParticipantExternalId.objects.select_related("participant").filter(system=system, external_id=external_id).first()
    return link.participant if link else None


@tenant_atomic()
def participants_upsert(*, system: str, rows: list[dict], by=None) -> list[tuple[Participant, bool]]:
    """Create or update participants by their id in one CRM; all or nothing.

    Returns (participant, created) per row, in order. A bad row refuses the batch, naming its index.
    """
    system = (system or "").strip()
    if not system:
        raise ValidationError({"system": "Name the CRM, e.g. hubspot."})
    seen, results = set(), []
    for index, row in enumerate(rows):
        external_id = str(row.get("external_id") or "").strip()
        if not external_id:
            raise ValidationError({f"participants[{index}]": "external_id is required."})
        if external_id in seen:
            raise ValidationError({f"participants[{index}]": f"external_id {external_id} appears twice in this batch."})
        seen.add(external_id)
        values = {k: v for k, v in row.items() if k in PARTICIPANT_FIELDS and k != "external_ids"}
        try:
            results.append(_upsert_one(system, external_id, row, values, by))
        except Conflict as error:
            raise Conflict({f"participants[{index}]": error.messages}) from error
        except ValidationError as error:
            raise ValidationError({f"participants[{index}]": error.messages}) from error
    return results


def _upsert_one(system: str, external_id: str, row: dict, values: dict, by) -> tuple[Participant, bool]:
    existing = _participant_for_update(system, external_id)
    if existing is None:
        ids = {**(row.get("external_ids") or {}), system: external_id}
        pseudonym = values.get("pseudonym") or f"{system}-{external_id}"
        creating = {k: v for k, v in values.items() if k != "pseudonym"}
        try:
            return participant_create(pseudonym=pseudonym, external_ids=ids, by=by, **creating), True
        except Conflict:
            # A concurrent upsert created this CRM id first (its INSERT committed, ours was refused):
            # update that participant as if we had arrived second. Anything else is a real conflict.
            existing = _participant_for_update(system, external_id)
            if existing is None:
                raise
    ids = {**existing.external_ids, **(row.get("external_ids") or {}), system: external_id}
    return participant_update(participant=existing, external_ids=ids, by=by, **values), False


def _participant_for_update(system: str, external_id: str) -> Participant | None:
    """The participant holding this CRM id, locked: concurrent upserts of one id merge their ids in turn."""
    link = ParticipantExternalId.objects.filter(system=system, external_id=external_id).values_list("participant_id", flat=True)
    return Participant.objects.select_for_update().filter(pk__in=link).first()


@tenant_atomic()
def participant_delete(*, participant: Participant, by=None, request=None) -> None:
    from personas.services import evidence_change

    audit_record(
        action="participant_deleted", organization=participant.organization, actor=by,
        target=participant, target_label=participant.pseudonym, request=request,
    )
    with evidence_change(highlights=participant.highlights.all(), reason=f"Participant {participant.pseudonym} was deleted"):
        participant.delete()


# Studies ---------------------------------------------------------------------


@tenant_atomic()
def study_create(*, name: str, by=None, **values) -> Study:
    study = Study(organization_id=require_org_id(), name=name.strip())
    _apply(study, STUDY_FIELDS, values)
    return _study_save(study)


@tenant_atomic()
def study_update(*, study: Study, by=None, **values) -> Study:
    _apply(study, STUDY_FIELDS, values)
    return _study_save(study)


def _study_save(study: Study) -> Study:
    if not study.name:
        raise ValidationError({"name": "A study needs a name."})
    name_taken = f"A study called “{study.name}” already exists."
    if Study.objects.filter(name=study.name).exclude(pk=study.pk).exists():
        raise Conflict({"name": name_taken})
    if study.starts_on and study.ends_on and study.ends_on < study.starts_on:
        raise ValidationError({"ends_on": "The study cannot end before it starts."})
    if not isinstance(study.research_questions, list) or not all(isinstance(q, str) for q in study.research_questions):
        raise ValidationError({"research_questions": "Give the research questions as a list of sentences."})
    with unique_or_conflict("study_org_name_uniq", "name", name_taken):
        study.save()
    return study


@tenant_atomic()
def study_delete(*, study: Study, by=None, request=None) -> None:
    audit_record(action="study_deleted", organization=study.organization, actor=by, target=study, request=request)
    study.delete()


# Interviews ------------------------------------------------------------------


class DuplicateInterview(ValidationError):
    def __init__(self, existing: Interview):
        self.existing = existing
        super().__init__(
            f"This file was already uploaded as “{existing.title}”. Open that interview instead of uploading it again.",
            code="duplicate",
        )


class UploadTooLarge(parsers.UnsupportedFile):
    """Over UPLOAD_MAX_BYTES: answered with 413 rather than 415."""


def _too_large(size: int) -> UploadTooLarge:
    limit_mb = settings.UPLOAD_MAX_BYTES / (1024 * 1024)
    return UploadTooLarge(f"The file is {size / (1024 * 1024):.1f} MB; the limit is {limit_mb:g} MB. Split the transcript or ask an admin to raise the limit.")


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes


def upload_from_file(uploaded_file) -> Upload:
    """Read an UploadedFile, refusing early (before reading it all) when it is too big."""
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > settings.UPLOAD_MAX_BYTES:
        raise _too_large(size)
    return Upload(name=getattr(uploaded_file, "name", "upload") or "upload", data=uploaded_file.read())


def interview_upload(
    *,
    upload: Upload,
    title: str = "",
    study: Study | None = None,
    participant: Participant | None = None,
    conducted_at=None,
    language: str = "en",
    by=None,
) -> Interview:
    """Store the file untouched and queue its parsing. Refuses unreadable files at once.

    Raises parsers.UnsupportedFile (empty, binary, too big, unknown type, zip bomb)
    and DuplicateInterview (same bytes already in this org).
    """
    if len(upload.data) > settings.UPLOAD_MAX_BYTES:
        raise _too_large(len(upload.data))
    detected = parsers.check_upload(upload.data, upload.name, parse_limits())
    content_hash = hashlib.sha256(upload.data).hexdigest()
    existing = _interview_with_hash(content_hash)
    if existing is not None:
        raise DuplicateInterview(existing)
    storage = Interview._meta.get_field("original_file").storage
    stored_name = storage.save(_storage_path(upload.name), ContentFile(upload.data))
    try:
        with tenant_atomic():
            interview = Interview.objects.create(
                organization_id=require_org_id(),
                title=(title or _title_from_filename(upload.name))[:300],
                study=study,
                conducted_at=conducted_at,
                language=language or "en",
                original_file=stored_name,
                original_filename=upload.name[-255:],
                file_size=len(upload.data),
                content_hash=content_hash,
                detected_format=detected,
                uploaded_by=by if getattr(by, "is_authenticated", False) and hasattr(by, "email") else None,
            )
            if participant is not None:
                InterviewParticipant.objects.create(
                    organization_id=interview.organization_id, interview=interview, participant=participant,
                    kind=InterviewParticipant.Kind.INTERVIEWEE,
                )
            _queue_processing(interview)
    except IntegrityError:
        storage.delete(stored_name)
        existing = _interview_with_hash(content_hash)
        if existing is None:
            raise
        raise DuplicateInterview(existing) from None
    except Exception:
        # The row did not commit: don't leave its file behind.
        storage.delete(stored_name)
        raise
    return interview


def _interview_with_hash(content_hash: str) -> Interview | None:
    with tenant_atomic():
        return Interview.objects.filter(content_hash=content_hash).first()


def _storage_path(name: str) -> str:
    extension = name.rsplit(".", 1)[-1].lower()[:8] if "." in name else "bin"
    return f"transcripts/{require_org_id()}/{uuid.uuid4()}/original.{extension}"


def _title_from_filename(name: str) -> str:
    stem = name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return stem.replace("_", " ").replace("-", " ").strip() or "Untitled interview"


def _queue_processing(interview: Interview) -> None:
    from ..tasks import interview_process_task

    org_id, interview_id = interview.organization_id, interview.pk
    transaction.on_commit(lambda: interview_process_task.delay(org_id, interview_id))


# A worker that died this often on one interview is not tried again: the file itself may be what kills it.
MAX_STALE_REQUEUES = 3

UNEXPECTED_FAILURE_MESSAGE = (
    "Something went wrong on our side while reading this transcript, so nothing from it was imported. "
    "The original file is kept: try Reprocess, and if that fails too, ask an admin to look at the failed "
    "background work listed under Webhooks in the organisation's settings."
)
TIMEOUT_FAILURE_MESSAGE = (
    "Reading this transcript took longer than the time allowed, so it was stopped. The original file is kept: "
    "try Reprocess, or split a very long transcript into parts and upload those."
)
WORKER_LOST_MESSAGE = (
    "Processing was interrupted {count} times before it could finish (the background worker stopped), so it "
    "was not tried again. The original file is kept: try Reprocess, or split a very long transcript into parts."
)


def _stale_claim_cutoff():
    return timezone.now() - timedelta(seconds=settings.INTERVIEW_CLAIM_TIMEOUT_SECONDS)


def _stale_claim() -> Q:
    """Processing, claimed longer ago than INTERVIEW_CLAIM_TIMEOUT_SECONDS.

    Only a candidate: a live worker holds its row (_hold_claim), so callers lock
    with FOR UPDATE SKIP LOCKED and take over only the rows no worker holds.
    """
    return Q(status=Interview.Status.PROCESSING) & (Q(claimed_at__lt=_stale_claim_cutoff()) | Q(claimed_at__isnull=True))


def _stalled() -> Q:
    """Waiting longer than the claim timeout: a dead worker's claim, or a queued task the broker lost."""
    return _stale_claim() | Q(status=Interview.Status.QUEUED, updated_at__lt=_stale_claim_cutoff())


def interview_stalled(interview: Interview) -> bool:
    """True when a researcher may reprocess an interview that is still queued or processing."""
    cutoff = _stale_claim_cutoff()
    if interview.status == Interview.Status.PROCESSING:
        return interview.claimed_at is None or interview.claimed_at < cutoff
    return interview.status == Interview.Status.QUEUED and interview.updated_at < cutoff


def _take_unheld(queryset) -> list[Interview]:
    """Lock and return the rows no live worker holds. Precondition: inside tenant_atomic()."""
    return list(queryset.select_for_update(skip_locked=True).order_by("pk"))


def _hold_claim(interview_id: int) -> None:
    """Hold the interview's row until this transaction ends, as proof that its worker is alive.

    FOR KEY SHARE lets ordinary edits (title, study) through, but makes FOR UPDATE
    SKIP LOCKED (stale takeover, the sweep, reprocess) pass the row by. A killed
    worker's connection closes and the lock goes with it.
    """
    if connection.vendor != "postgresql":
        return  # SQLite: one process (embedded development), no concurrent workers
    table = connection.ops.quote_name(Interview._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR KEY SHARE", [interview_id])


def interview_claim(*, interview_id: int) -> bool:
    """Claim a queued interview (or one whose worker died). False: someone else has it."""
    with tenant_atomic():
        claimed = Interview.objects.filter(pk=interview_id, status=Interview.Status.QUEUED).update(
            status=Interview.Status.PROCESSING, claimed_at=timezone.now(), progress=10, error=None
        )
        if not claimed and _take_unheld(Interview.objects.filter(_stale_claim(), pk=interview_id)):
            claimed = Interview.objects.filter(pk=interview_id).update(
                status=Interview.Status.PROCESSING, claimed_at=timezone.now(), progress=10, error=None
            )
        if claimed:
            interview = Interview.objects.only("public_id", "organization_id").get(pk=interview_id)
            record_changes(Interview, [interview.public_id], organization_id=interview.organization_id)
    return claimed == 1


def interview_process(*, interview_id: int) -> Interview | None:
    """Parse and index one interview. Safe to run twice: it claims first, and
    replaces the utterances in one transaction. Returns None when there was
    nothing to do (gone, or claimed by another run).

    Never leaves the interview processing: anything that goes wrong ends it failed
    with a sentence for the researcher, the original file kept for a reprocess; what
    is not the file's fault is also recorded as failed work an admin can run again.
    Only a database error the connection may not survive (OperationalError) escapes:
    the claim then stays, and the stale-claim sweep re-queues it.
    """
    if not interview_claim(interview_id=interview_id):
        return None
    with tenant_atomic():
        interview = Interview.objects.filter(pk=interview_id).first()
        if interview is None:
            return None
        _hold_claim(interview_id)
        try:
            # A savepoint: a failing write is undone, and the failure state below commits instead.
            with transaction.atomic():
                return _interview_parse_and_store(interview)
        except parsers.TranscriptError as error:
            return _interview_fail(interview, error.message)
        except OperationalError:
            raise
        except Exception as error:
            logger.exception("Processing interview %s of organisation %s failed", interview_id, interview.organization_id)
            interview.refresh_from_db()  # drop what the failed attempt set on the instance
            message = TIMEOUT_FAILURE_MESSAGE if isinstance(error, SoftTimeLimitExceeded) else UNEXPECTED_FAILURE_MESSAGE
            _interview_fail(interview, message)
            _record_failed_processing(interview, error)
            return interview


def _interview_parse_and_store(interview: Interview) -> Interview:
    try:
        with interview.original_file.open("rb") as handle:
            data = handle.read()
    except (FileNotFoundError, ValueError):  # ValueError: the field names no file
        return _interview_fail(interview, "The original file is missing from storage; upload it again.")
    parsed = parsers.parse_transcript(data, interview.original_filename, parse_limits())
    _store_utterances(interview, parsed)
    interview.detected_format = parsed.format
    interview.format_variant = parsed.variant or ""
    interview.duration_ms = parsed.duration_ms
    interview.utterance_count = len(parsed.utterances)
    interview.parse_warnings = list(parsed.warnings)
    interview.status = Interview.Status.READY
    interview.error = None
    interview.progress = 100
    interview.processed_at = timezone.now()
    interview.save(update_fields=[
        "detected_format", "format_variant", "duration_ms", "utterance_count", "parse_warnings", "status",
        "error", "progress", "processed_at", "updated_at",
    ])
    from .privacy import interview_redact, privacy_policy

    if privacy_policy().redaction_mode != "off":
        interview_redact(interview=interview)
    emit("interview.ready", interview)
    return interview


def _interview_fail(interview: Interview, message: str) -> Interview:
    interview.status = Interview.Status.FAILED
    interview.error = message
    interview.progress = 100
    interview.parse_warnings = []
    interview.save(update_fields=["status", "error", "progress", "parse_warnings", "updated_at"])
    emit("interview.failed", interview)
    return interview


def _record_failed_processing(interview: Interview, error: BaseException) -> None:
    """For the admin: the technical cause, and "Run again" reprocesses the interview."""
    from ..tasks import interview_reprocess_task

    failed_task_record(
        organization_id=interview.organization_id, task_name=interview_reprocess_task.name,
        args=[interview.organization_id, interview.pk], exception=error,
    )


def interviews_requeue_stale() -> dict[str, int]:
    """Beat, per organisation: re-queue interviews whose worker died mid-task.

    A claim older than INTERVIEW_CLAIM_TIMEOUT_SECONDS on a row no worker holds is
    a dead worker's. After MAX_STALE_REQUEUES re-queues the interview fails with a
    sentence instead of looping (a file that kills the worker would otherwise do so forever).
    """
    requeued = failed = 0
    with tenant_atomic():
        for interview in _take_unheld(Interview.objects.filter(_stale_claim())):
            if interview.stale_requeues >= MAX_STALE_REQUEUES:
                _interview_fail(interview, WORKER_LOST_MESSAGE.format(count=interview.stale_requeues + 1))
                _record_failed_processing(interview, WorkerLostError(
                    f"the worker processing this interview stopped {interview.stale_requeues + 1} times"))
                failed += 1
                continue
            Interview.objects.filter(pk=interview.pk).update(
                status=Interview.Status.QUEUED, claimed_at=None, progress=0, stale_requeues=F("stale_requeues") + 1
            )
            record_changes(Interview, [interview.public_id], organization_id=interview.organization_id)
            _queue_processing(interview)
            requeued += 1
    return {"requeued": requeued, "failed": failed}


def _store_utterances(interview: Interview, parsed) -> None:
    """Replace the utterances. Labels and text come clean and bounded from parsers.normalise_utterances."""
    org_id = interview.organization_id
    Utterance.objects.filter(interview=interview).delete()
    # Mappings a researcher already made survive a reprocess; labels are matched as written.
    speakers = {s.label: s for s in SpeakerMapping.objects.filter(interview=interview)}
    new_labels = []
    for utterance in parsed.utterances:
        if utterance.speaker not in speakers and utterance.speaker not in new_labels:
            new_labels.append(utterance.speaker)
    created = SpeakerMapping.objects.bulk_create(
        [SpeakerMapping(organization_id=org_id, interview=interview, label=label) for label in new_labels]
    )
    speakers.update({s.label: s for s in created})
    Utterance.objects.bulk_create(
        [
            Utterance(
                organization_id=org_id,
                interview=interview,
                position=position,
                speaker=speakers[u.speaker],
                start_ms=u.start_ms,
                end_ms=u.end_ms,
                text=u.text,
            )
            for position, u in enumerate(parsed.utterances)
        ],
        batch_size=1000,
    )
    used = {u.speaker for u in parsed.utterances}
    SpeakerMapping.objects.filter(interview=interview).exclude(label__in=used).filter(
        participant__isnull=True, team_member__isnull=True
    ).delete()


@tenant_atomic()
def interview_reprocess(*, interview: Interview, by=None) -> Interview:
    stalled = interview_stalled(interview)
    if interview.status in (Interview.Status.QUEUED, Interview.Status.PROCESSING) and not stalled:
        minutes = max(1, settings.INTERVIEW_CLAIM_TIMEOUT_SECONDS // 60)
        raise ValidationError(
            "This interview is already being processed; wait until it is ready or failed. If it is still not done "
            f"{minutes} minute{'s' if minutes != 1 else ''} after it started, reprocess it then."
        )
    if interview.original_deleted_at or not interview.original_file:
        raise ValidationError("The original file was deleted (after redaction or erasure), so there is nothing to reprocess.")
    highlight_count = interview.highlights.count()
    if highlight_count:
        # Reparsing replaces the utterances the highlights point into.
        raise ValidationError(
            f"This interview has {highlight_count} highlight{'s' if highlight_count != 1 else ''}; reprocessing "
            "would lose them. Upload the corrected file as a new interview instead."
        )
    rows = Interview.objects.filter(pk=interview.pk, status=interview.status)
    # A stalled interview is taken only if no live worker holds it (see _hold_claim).
    if stalled and not _take_unheld(rows.filter(_stalled())):
        raise ValidationError("This interview is still being processed; wait until it is ready or failed.")
    updated = rows.update(status=Interview.Status.QUEUED, error=None, progress=0, claimed_at=None, stale_requeues=0)
    if updated != 1:
        raise ValidationError("This interview changed meanwhile; reload and try again.")
    record_changes(Interview, [interview.public_id], organization_id=interview.organization_id)
    interview.refresh_from_db()
    _queue_processing(interview)
    return interview


@tenant_atomic()
def interview_update(*, interview: Interview, by=None, **values) -> Interview:
    for field in ("title", "study", "conducted_at", "language"):
        if field in values:
            setattr(interview, field, values[field])
    if not (interview.title or "").strip():
        raise ValidationError({"title": "An interview needs a title."})
    interview.save()
    return interview


@tenant_atomic()
def interview_delete(*, interview: Interview, by=None, request=None) -> None:
    audit_record(
        action="interview_deleted", organization=interview.organization, actor=by, target=interview,
        request=request, details={"utterances": interview.utterance_count},
    )
    from personas.services import evidence_change

    file_name, storage = interview.original_file.name, interview.original_file.storage
    with evidence_change(highlights=interview.highlights.all(), reason=f"The interview “{interview.title}” was deleted"):
        interview.delete()
    # The file goes only once the deletion is committed; a rollback keeps both.
    if file_name:
        transaction.on_commit(lambda: storage.delete(file_name))


@tenant_atomic()
def speaker_map(*, speaker: SpeakerMapping, participant: Participant | None = None, team_member=None, by=None) -> SpeakerMapping:
    """Say who a speaker label is. Both None clears the mapping."""
    if participant is not None and team_member is not None:
        raise ValidationError("A speaker is either a participant or a team member, not both.")
    if participant is not None and participant.organization_id != speaker.organization_id:
        raise ValidationError({"participant": "No such participant."})
    if team_member is not None and not Membership.objects.filter(
        organization_id=speaker.organization_id, user=team_member
    ).exists():
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
    from .highlights import highlights_refresh_participants

    highlights_refresh_participants(interview=speaker.interview)
    return speaker
