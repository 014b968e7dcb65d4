"""Chunked, resumable recording uploads: a session declares the size, takes the bytes in order, and on completion
attaches the file to its interview exactly as a one-shot upload does (media_attach: the same checks and limit,
then the probe in a worker).

The bytes wait in one file per session under settings.MEDIA_UPLOAD_DIR/<organisation id>/, a local directory
the web servers share, whatever the media storage is. Each chunk is written under the session row's lock at the
offset the row says was reached, so two requests carrying chunks of one session (a retry racing the original, two
tabs) cannot interleave: the second waits, then finds the offset moved and is told where to resume.
"""

import contextlib
import os
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from empathy_site.tenancy.context import require_org_id, tenant_atomic
from empathy_site.tenancy.models import User

from ..models import Interview, Media, MediaUpload
from .media import MediaRefused, media_attach, media_check_upload

# A session nobody has sent a chunk to for this long is abandoned; completed ones are kept as long, so a client
# that lost the completion's answer can still read the session.
UPLOAD_ABANDONED_AFTER = timedelta(hours=24)


class UploadOffsetConflict(MediaRefused):
    """A chunk that does not start where the session stands (a retry of a chunk already taken, or one sent out
    of order), or a completion before every byte has arrived. 409: read the session's `offset` and resume there."""

    code = "conflict"


def upload_part_path(upload: MediaUpload) -> Path:
    return Path(settings.MEDIA_UPLOAD_DIR) / str(upload.organization_id) / f"{upload.public_id.hex}.part"


def _remove_on_commit(paths) -> None:
    paths = list(paths)
    if paths:
        transaction.on_commit(lambda: [path.unlink(missing_ok=True) for path in paths])


@tenant_atomic()
def media_upload_start(*, interview: Interview, filename: str, size: int, by: User | None = None) -> MediaUpload:
    """Open a session for a recording of `size` bytes; refused at once (nothing sent yet) when the name or size
    would be refused at the end."""
    filename = media_check_upload(filename=filename, size=size)
    upload = MediaUpload.objects.create(interview=interview, filename=filename, size=size, created_by=by)
    path = upload_part_path(upload)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    return upload


@tenant_atomic()
def media_upload_chunk(*, upload: MediaUpload, offset: int, data: bytes, total: int | None = None) -> MediaUpload:
    """Write `data` at `offset`, which must be where the session stands. Returns the session, moved on."""
    upload = MediaUpload.objects.select_for_update().get(pk=upload.pk)  # held until commit: chunks go one at a time
    if upload.status != MediaUpload.Status.OPEN:
        raise UploadOffsetConflict("This upload is already complete; start a new one to send another recording.")
    if total is not None and total != upload.size:
        raise MediaRefused(f"This upload was started for {upload.size} bytes, not {total}; start a new one for a "
                           "different file.")
    if not data:
        raise MediaRefused("The chunk is empty; send the bytes of the recording from the session's offset.")
    if offset != upload.received_bytes:
        raise UploadOffsetConflict(f"This upload stands at byte {upload.received_bytes}, not {offset}: send the "
                                   f"chunk that starts there.")
    if offset + len(data) > upload.size:
        raise MediaRefused(f"The chunk goes past the {upload.size} bytes this upload was started for.")
    path = upload_part_path(upload)
    # "r+b" keeps what earlier chunks wrote; a chunk of a transaction that rolled back is overwritten by its retry.
    with path.open("r+b") as part:
        part.seek(offset)
        part.write(data)
        part.flush()
        os.fsync(part.fileno())  # the offset committed below must not promise bytes a crash could lose
    upload.received_bytes = offset + len(data)
    upload.save(update_fields=["received_bytes", "updated_at"])
    return upload


@tenant_atomic()
def media_upload_complete(*, upload: MediaUpload, by: User | None = None) -> Media:
    """Every byte is there: attach the recording to the interview (media_attach: stored, then probed by a
    worker). The session's file is removed once that has committed; until then nothing is lost."""
    upload = MediaUpload.objects.select_for_update().get(pk=upload.pk)
    if upload.status != MediaUpload.Status.OPEN:
        raise UploadOffsetConflict("This upload is already complete.")
    if upload.received_bytes != upload.size:
        raise UploadOffsetConflict(f"Only {upload.received_bytes} of {upload.size} bytes have arrived; send the "
                                   f"rest from byte {upload.received_bytes}, then complete.")
    interview = Interview.objects.get(pk=upload.interview_id)
    path = upload_part_path(upload)
    with path.open("rb") as part:
        media = media_attach(interview=interview, uploaded_file=File(part, name=upload.filename),
                             by=by or upload.created_by)
    upload.status = MediaUpload.Status.COMPLETED
    upload.save(update_fields=["status", "updated_at"])
    _remove_on_commit([path])
    return media


@tenant_atomic()
def media_upload_abort(*, upload: MediaUpload) -> None:
    _remove_on_commit([upload_part_path(upload)])
    upload.delete()


@tenant_atomic()
def media_uploads_sweep() -> int:
    """For the active organisation: drop sessions untouched for UPLOAD_ABANDONED_AFTER, and files left by sessions
    that went with their interview. Returns how many sessions went."""
    cutoff = timezone.now() - UPLOAD_ABANDONED_AFTER
    stale = list(MediaUpload.objects.select_for_update(skip_locked=True).filter(updated_at__lt=cutoff))
    paths = {upload_part_path(upload) for upload in stale}
    MediaUpload.objects.filter(pk__in=[upload.pk for upload in stale]).delete()
    directory = Path(settings.MEDIA_UPLOAD_DIR) / str(require_org_id())
    if directory.is_dir():
        live = {f"{public_id.hex}.part" for public_id in MediaUpload.objects.values_list("public_id", flat=True)}
        old_enough = time.time() - UPLOAD_ABANDONED_AFTER.total_seconds()
        paths |= {path for path in directory.glob("*.part")
                  if path.name not in live and path.stat().st_mtime < old_enough}
    _remove_on_commit(paths)
    return len(stale)


@contextlib.contextmanager
def media_uploads_eraser(organization):
    """Registered with tenancy's organisation deletion (apps.py): the chunks still waiting go with the
    organisation, once its deletion has committed."""
    directory = Path(settings.MEDIA_UPLOAD_DIR) / str(organization.pk)
    yield
    _remove_on_commit(directory.glob("*.part") if directory.is_dir() else [])
