"""Writes for interviews: upload (stored untouched, parsed in the background by .ingest), reprocess, update,
delete."""

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from empathy_site.model_update import UNCHANGED, model_update
from empathy_site.sync.capture import record_changes
from empathy_site.tenancy.audit import AuditAction, audit_record
from empathy_site.tenancy.context import require_org_id, tenant_atomic
from empathy_site.tenancy.models import User

from .. import parsers
from ..events import evidence_change
from ..models import Interview, InterviewParticipant, Participant, Study
from ..selectors import interview_stalled
from .ingest import parse_limits, queue_processing, stalled_filter, take_unheld
from .media import interview_media_files, media_attach, media_check_upload, media_files_delete_on_commit

# What a caller may change on an interview (the API picks these).
INTERVIEW_FIELDS = ("title", "study", "conducted_at", "language")


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
    conducted_at: datetime | None = None,
    language: str = "en",
    recording=None,
    by: User | None = None,
) -> Interview:
    """Store the file untouched and queue its parsing. Refuses unreadable files at once.

    `recording` (an uploaded audio or video file) is attached in the same transaction (media_attach), so the
    interview and its recording arrive together or not at all.

    Raises parsers.UnsupportedFile (empty, binary, too big, unknown type, zip bomb), DuplicateInterview (same
    bytes already in this org) and, for the recording, MediaRefused.
    """
    if len(upload.data) > settings.UPLOAD_MAX_BYTES:
        raise _too_large(len(upload.data))
    if recording is not None:  # refused before anything is stored
        media_check_upload(filename=getattr(recording, "name", "") or "", size=getattr(recording, "size", 0) or 0)
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
                uploaded_by=by,
            )
            if participant is not None:
                InterviewParticipant.objects.create(
                    organization_id=interview.organization_id, interview=interview, participant=participant,
                    kind=InterviewParticipant.Kind.INTERVIEWEE,
                )
            queue_processing(interview)
            if recording is not None:
                media_attach(interview=interview, uploaded_file=recording, by=by)
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
    with tenant_atomic(savepoint=False):  # a read: nothing to undo
        # Unique per organisation; what a DuplicateInterview tells (its title and id) is all that is read.
        return Interview.objects.filter(content_hash=content_hash).only("organization_id", "public_id", "title").first()


def _storage_path(name: str) -> str:
    extension = name.rsplit(".", 1)[-1].lower()[:8] if "." in name else "bin"
    return f"transcripts/{require_org_id()}/{uuid.uuid4()}/original.{extension}"


def _title_from_filename(name: str) -> str:
    stem = name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return stem.replace("_", " ").replace("-", " ").strip() or "Untitled interview"


@tenant_atomic()
def interview_reprocess(*, interview: Interview, by: User | None = None) -> Interview:
    stalled = interview_stalled(interview=interview)
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
    # A stalled interview is taken only if no live worker holds it (see ingest._load_and_hold_claim).
    if stalled and not take_unheld(rows.filter(stalled_filter())):
        raise ValidationError("This interview is still being processed; wait until it is ready or failed.")
    updated = rows.update(status=Interview.Status.QUEUED, error=None, progress=0, claimed_at=None, stale_requeues=0)
    if updated != 1:
        raise ValidationError("This interview changed meanwhile; reload and try again.")
    record_changes(Interview, [interview.public_id], organization_id=interview.organization_id,
                   changed_fields=["status", "error", "progress"])
    interview.refresh_from_db()
    queue_processing(interview)
    return interview


@tenant_atomic()
def interview_update(
    *,
    interview: Interview,
    title: str = UNCHANGED,
    study: Study | None = UNCHANGED,
    conducted_at: datetime | None = UNCHANGED,
    language: str = UNCHANGED,
    by: User | None = None,
) -> Interview:
    """Change the fields given; the others keep their value."""
    model_update(interview, fields=INTERVIEW_FIELDS, data={
        "title": title, "study": study, "conducted_at": conducted_at, "language": language,
    })
    if not (interview.title or "").strip():
        raise ValidationError({"title": "An interview needs a title."})
    interview.save()
    return interview


@tenant_atomic()
def interview_delete(*, interview: Interview, by: User | None = None) -> None:
    audit_record(
        action=AuditAction.INTERVIEW_DELETED, organization=interview.organization, actor=by, target=interview,
        details={"utterances": interview.utterance_count},
    )
    file_name, storage = interview.original_file.name, interview.original_file.storage
    media_files_delete_on_commit(interview_media_files(interview))
    with evidence_change(highlights=interview.highlights.all(), reason=f"The interview “{interview.title}” was deleted"):
        interview.delete()
    # The file goes only once the deletion is committed; a rollback keeps both.
    if file_name:
        transaction.on_commit(lambda: storage.delete(file_name))
