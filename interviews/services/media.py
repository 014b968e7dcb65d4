"""Recordings beside transcripts: upload, probe (and a playable copy), clips of highlights, highlight reels,
and what redaction and erasure do to them. ffmpeg runs in Celery workers (interviews.tasks); every task claims
its row first, so a task delivered twice (late acks) does the work once.
"""

import contextlib
import logging
import shutil
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import storages
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from empathy_site.celery import app as celery_app
from empathy_site.sync.capture import record_changes
from empathy_site.tenancy.context import tenant_atomic
from empathy_site.tenancy.models import User

from .. import ffmpeg
from ..models import Clip, Highlight, Interview, Media, MediaStatus, Reel, ReelItem, Utterance

logger = logging.getLogger(__name__)

MEDIA_SUFFIXES = (".mp3", ".m4a", ".wav", ".ogg", ".mp4", ".webm", ".mov")
MAX_REEL_HIGHLIGHTS = 50
UNEXPECTED_FAILURE_MESSAGE = (
    "Something went wrong on our side while working on this recording. Upload it again or ask again; if it "
    "fails again, ask an admin to look at the server's log."
)


class MediaRefused(Exception):
    """An upload or request the media services refuse; `code` is the API error code."""

    code = "invalid"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class MediaTooLarge(MediaRefused):
    code = "too_large"


class UnsupportedMedia(MediaRefused):
    code = "unsupported_file"


class NoMedia(MediaRefused):
    """The highlight's interview has no recording (or none that can still become playable)."""

    code = "no_media"


def media_storage():
    """Looked up on each use (not frozen at import), so settings decide: filesystem or S3-compatible."""
    return storages["media"]


@contextlib.contextmanager
def local_copy(name: str):
    """A local path of a stored file for ffmpeg: the file itself on the filesystem, else a temporary copy."""
    storage = media_storage()
    try:
        yield Path(storage.path(name))
        return
    except NotImplementedError:
        pass
    with tempfile.TemporaryDirectory(prefix="media-") as directory:
        path = Path(directory) / Path(name).name
        with storage.open(name, "rb") as source, path.open("wb") as target:
            shutil.copyfileobj(source, target, 1024 * 1024)
        yield path


class _MadeFile(File):
    """A file ffmpeg wrote in a temporary directory that goes away afterwards: the filesystem storage may move it
    into place (Django's storages take `temporary_file_path` as leave to) instead of copying the bytes; other
    storages read it as any file."""

    def temporary_file_path(self) -> str:
        return self.file.name


def _store(path: Path, name: str) -> str:
    with path.open("rb") as handle:
        return media_storage().save(name, _MadeFile(handle))


def _delete_files_on_commit(names) -> None:
    names = [name for name in names if name]
    if names:
        storage = media_storage()
        transaction.on_commit(lambda: [storage.delete(name) for name in names])


def _claim(model, pk: int) -> bool:
    """Queued -> processing, or take over a claim older than the task time limit (its worker died and the
    broker redelivered the task). False: someone else has it, or it is done or gone."""
    stale = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    with tenant_atomic():
        return model.objects.filter(
            Q(status=MediaStatus.QUEUED) | Q(status=MediaStatus.PROCESSING, claimed_at__lt=stale), pk=pk,
        ).update(status=MediaStatus.PROCESSING, claimed_at=timezone.now(), error=None) == 1


def _finish(model, pk: int, **values) -> None:
    with tenant_atomic():
        model.objects.filter(pk=pk, status=MediaStatus.PROCESSING).update(claimed_at=None, **values)


def _reread(model, pk: int):
    with tenant_atomic():
        return model.objects.filter(pk=pk).first()


def _fail(model, pk: int, error: BaseException) -> None:
    if isinstance(error, ffmpeg.MediaToolError):
        if error.detail:
            logger.warning("%s %s: %s", model.__name__, pk, error.detail)
        message = error.message
    else:
        logger.exception("%s %s failed", model.__name__, pk)
        message = UNEXPECTED_FAILURE_MESSAGE
    _finish(model, pk, status=MediaStatus.FAILED, error=message)


def _interview_changed(interview_id: int) -> None:
    """The interview's API representation embeds its media: the changes feed hears of it."""
    interview = Interview.objects.only("public_id", "organization_id").filter(pk=interview_id).first()
    if interview is not None:
        record_changes(Interview, [interview.public_id], organization_id=interview.organization_id,
                       changed_fields=["media"])


# --- Upload and probe ---------------------------------------------------------------------------------------

def media_check_upload(*, filename: str, size: int) -> str:
    """The recording's file name as kept, or MediaRefused: a suffix not taken, empty, over the size limit. The
    one-shot upload and a chunked upload's start (before any byte is sent) ask the same."""
    filename = Path(filename or "recording").name[:255]
    if Path(filename).suffix.lower() not in MEDIA_SUFFIXES:
        raise UnsupportedMedia(
            f"“{filename}” is not a recording this app takes; upload one of: {', '.join(MEDIA_SUFFIXES)}.")
    if size > settings.MEDIA_UPLOAD_MAX_BYTES:
        limit = settings.MEDIA_UPLOAD_MAX_BYTES / (1024 * 1024)
        raise MediaTooLarge(f"The recording is {size / (1024 * 1024):.1f} MB; the limit is {limit:g} MB. "
                            "Ask an admin to raise MEDIA_UPLOAD_MAX_BYTES, or upload a compressed copy.")
    if size <= 0:
        raise UnsupportedMedia(f"“{filename}” is empty.")
    return filename


def media_attach(*, interview: Interview, uploaded_file, by: User | None = None) -> Media:
    """Store a recording for an interview (replacing any earlier one, its clips with it) and queue its probe."""
    size = getattr(uploaded_file, "size", 0) or 0
    filename = media_check_upload(filename=getattr(uploaded_file, "name", "") or "", size=size)
    suffix = Path(filename).suffix.lower()
    # Stored before the transaction: a large upload is not written while holding row locks. If the
    # transaction fails, the file is removed again below.
    stored = media_storage().save(f"recordings/{uuid.uuid4().hex}{suffix}", uploaded_file)
    try:
        with tenant_atomic():
            Interview.objects.select_for_update().get(pk=interview.pk)  # one upload at a time per interview
            media = Media.objects.filter(interview=interview).first()
            if media is not None:
                old = {media.original_name, media.file_name}
                clips = Clip.objects.filter(interview=interview)
                old |= set(clips.values_list("file_name", flat=True))
                clips.delete()
                _delete_files_on_commit(old)
            else:
                media = Media(interview=interview)
            media.original_name, media.original_filename, media.file_size = stored, filename, size
            media.file_name, media.content_type, media.duration_ms = "", "", None
            media.status, media.error, media.claimed_at = MediaStatus.QUEUED, None, None
            media.codecs, media.has_video, media.needs_review, media.review_reason = [], False, False, ""
            media.silencing, media.silencing_error, media.silencing_claimed_at = "", "", None
            media.uploaded_by = by
            media.save()
            _interview_changed(interview.pk)
            _queue("interviews.media_process", media.organization_id, media.pk)
    except BaseException:
        media_storage().delete(stored)
        raise
    return media


def _queue(task_name: str, org_id: int, pk: int) -> None:
    """Queue a media task (interviews.tasks, by name: that module imports these services) once the rows it
    needs are committed."""
    task = celery_app.tasks[task_name]
    transaction.on_commit(lambda: task.delay(org_id, pk))


def media_process(*, media_id: int) -> Media | None:
    """Probe a recording (duration, codecs) and make a playable copy when chromium cannot play it.
    Then cut the clips and build the reels that were waiting for it."""
    if not _claim(Media, media_id):
        return None
    with tenant_atomic():  # every read too: outside a bound transaction row-level security shows nothing
        media = Media.objects.filter(pk=media_id).first()
    if media is None:
        return None
    try:
        with local_copy(media.original_name) as path:
            probe = ffmpeg.probe(path)
            file_name, content_type = media.original_name, _content_type(media.original_filename, probe)
            if not probe.playable_as_is(media.original_filename):
                suffix, content_type = ffmpeg.output_suffix(probe.has_video)
                with tempfile.TemporaryDirectory(prefix="media-") as directory:
                    target = Path(directory) / f"playable{suffix}"
                    ffmpeg.transcode(path, target, has_video=probe.has_video)
                    file_name = _store(target, f"recordings/{uuid.uuid4().hex}{suffix}")
    except Exception as error:  # noqa: BLE001 - any failure ends failed with a sentence, never stuck processing
        _fail(Media, media_id, error)
    else:
        _finish(Media, media_id, status=MediaStatus.READY, file_name=file_name, content_type=content_type,
                duration_ms=probe.duration_ms, codecs=probe.codecs, has_video=probe.has_video)
    with tenant_atomic():
        _interview_changed(media.interview_id)
        _queue_waiting_work(media.interview_id)
        return Media.objects.filter(pk=media_id).first()


_CONTENT_TYPES = {".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".wav": "audio/wav", ".ogg": "audio/ogg",
                  ".webm": "audio/webm", ".mp4": "audio/mp4", ".mov": "video/quicktime"}


def _content_type(filename: str, probe: ffmpeg.Probe) -> str:
    suffix = Path(filename).suffix.lower()
    content_type = _CONTENT_TYPES.get(suffix, "application/octet-stream")
    return content_type.replace("audio/", "video/") if probe.has_video and suffix in (".webm", ".mp4", ".ogg") else content_type


def _queue_waiting_work(interview_id: int) -> None:
    """Clips and reels asked for before the recording was ready."""
    for clip in Clip.objects.filter(interview_id=interview_id, status=MediaStatus.QUEUED).only("pk", "organization_id"):
        _queue("interviews.clip_cut", clip.organization_id, clip.pk)
    reels = Reel.objects.filter(status=MediaStatus.QUEUED, items__highlight__interview_id=interview_id).distinct()
    for reel in reels.only("pk", "organization_id"):
        _queue("interviews.reel_build", reel.organization_id, reel.pk)


# --- Clips ----------------------------------------------------------------------------------------------------

def highlight_span_ms(highlight: Highlight) -> tuple[int, int]:
    """The highlight's time span: from its first utterance's start to its last one's end."""
    times = {pk: (start_ms, end_ms) for pk, start_ms, end_ms in Utterance.objects.filter(
        pk__in={highlight.start_utterance_id, highlight.end_utterance_id}).values_list("pk", "start_ms", "end_ms")}
    start = times.get(highlight.start_utterance_id, (None, None))[0]
    end = times.get(highlight.end_utterance_id, (None, None))[1]
    if start is None or end is None or end <= start:
        raise MediaRefused("This highlight's transcript has no timestamps, so no span of the recording matches it.")
    return start, end


def _usable_media(interview_id: int) -> Media:
    media = Media.objects.filter(interview_id=interview_id).first()
    if media is None:
        raise NoMedia("This highlight's interview has no recording; attach one to the interview first.")
    if media.status == MediaStatus.FAILED:
        raise NoMedia(f"This highlight's interview recording could not be read: {media.error}")
    return media


@tenant_atomic()
def clip_request(*, highlight: Highlight, by: User | None = None) -> Clip:
    """The highlight's clip: the existing one when its span is unchanged (cached), else queued to be cut."""
    media = _usable_media(highlight.interview_id)
    start_ms, end_ms = highlight_span_ms(highlight)
    if media.duration_ms is not None and start_ms >= media.duration_ms:
        raise MediaRefused("This highlight starts after the recording ends; the transcript and recording differ.")
    clip = Clip.objects.select_for_update().filter(highlight=highlight).first()
    if clip is None:
        try:
            with transaction.atomic():  # a concurrent request for the same highlight makes the same row
                clip = Clip.objects.create(highlight=highlight, interview_id=highlight.interview_id,
                                           start_ms=start_ms, end_ms=end_ms)
        except IntegrityError:
            return Clip.objects.get(highlight=highlight)
    elif (clip.start_ms, clip.end_ms) != (start_ms, end_ms) or clip.status == MediaStatus.FAILED:
        _delete_files_on_commit([clip.file_name])
        clip.start_ms, clip.end_ms, clip.file_name, clip.duration_ms = start_ms, end_ms, "", None
        clip.status, clip.error, clip.claimed_at = MediaStatus.QUEUED, None, None
        clip.save()
    else:
        return clip
    if media.status == MediaStatus.READY:
        _queue("interviews.clip_cut", clip.organization_id, clip.pk)
    return clip


def _cut(media: Media, *, start_ms: int, end_ms: int) -> tuple[str, str, int]:
    """Cut a span into the storage: (file name, content type, duration in ms)."""
    end_ms = min(end_ms, media.duration_ms or end_ms)
    suffix, content_type = ffmpeg.output_suffix(media.has_video)
    with local_copy(media.file_name) as source, tempfile.TemporaryDirectory(prefix="clip-") as directory:
        target = Path(directory) / f"clip{suffix}"
        duration_ms = ffmpeg.cut(source, target, start_ms=start_ms, end_ms=end_ms, has_video=media.has_video)
        return _store(target, f"clips/{uuid.uuid4().hex}{suffix}"), content_type, duration_ms


def clip_cut(*, clip_id: int) -> Clip | None:
    with tenant_atomic():
        clip = Clip.objects.filter(pk=clip_id).first()
        media = Media.objects.filter(interview_id=clip.interview_id).first() if clip is not None else None
    if clip is None:
        return None
    if media is None or media.status in (MediaStatus.QUEUED, MediaStatus.PROCESSING):
        return clip  # still queued: the media's processing queues it when ready
    if not _claim(Clip, clip_id):
        return None
    if media.status == MediaStatus.FAILED:
        _finish(Clip, clip_id, status=MediaStatus.FAILED, error=f"The interview's recording could not be read: {media.error}")
        return _reread(Clip, clip_id)
    try:
        file_name, content_type, duration_ms = _cut(media, start_ms=clip.start_ms, end_ms=clip.end_ms)
    except Exception as error:  # noqa: BLE001 - any failure ends failed with a sentence
        _fail(Clip, clip_id, error)
    else:
        with tenant_atomic():
            done = Clip.objects.filter(pk=clip_id, status=MediaStatus.PROCESSING, start_ms=clip.start_ms,
                                       end_ms=clip.end_ms).update(
                status=MediaStatus.READY, file_name=file_name, content_type=content_type, duration_ms=duration_ms,
                claimed_at=None)
            if not done:  # the span changed or the clip went meanwhile: this cut is nobody's
                _delete_files_on_commit([file_name])
            return Clip.objects.filter(pk=clip_id).first()  # in the same transaction: one round of BEGIN/COMMIT less
    return _reread(Clip, clip_id)


# --- Reels ----------------------------------------------------------------------------------------------------

@tenant_atomic()
def reel_create(*, title: str, highlights: list[Highlight], by: User | None = None) -> Reel:
    title = title.strip()
    if not title:
        raise MediaRefused("Give the reel a title.")
    if not highlights:
        raise MediaRefused("Choose at least one highlight for the reel.")
    if len(highlights) > MAX_REEL_HIGHLIGHTS:
        raise MediaRefused(f"A reel takes at most {MAX_REEL_HIGHLIGHTS} highlights.")
    ready = True
    for highlight in highlights:
        media = _usable_media(highlight.interview_id)
        highlight_span_ms(highlight)
        ready = ready and media.status == MediaStatus.READY
    reel = Reel.objects.create(title=title[:200], created_by=by)
    ReelItem.objects.bulk_create([
        ReelItem(organization_id=reel.organization_id, reel=reel, highlight=highlight, position=position)
        for position, highlight in enumerate(highlights)
    ])
    if ready:
        _queue("interviews.reel_build", reel.organization_id, reel.pk)
    return reel


def _card_text(highlight: Highlight) -> str:
    who = highlight.participant.pseudonym if highlight.participant_id else "Unknown participant"
    return f"{who}\n{highlight.interview.title}"[:300]


def reel_build(*, reel_id: int) -> Reel | None:
    """Cut (or reuse) each highlight's clip, then join them: title cards in a video reel, pauses in an audio one."""
    with tenant_atomic():
        reel = Reel.objects.filter(pk=reel_id).first()
        if reel is None:
            return None
        items = list(ReelItem.objects.filter(reel=reel).select_related("highlight__interview", "highlight__participant"))
        medias = {m.interview_id: m for m in Media.objects.filter(
            interview_id__in={i.highlight.interview_id for i in items})}
    if any(m.status in (MediaStatus.QUEUED, MediaStatus.PROCESSING) for m in medias.values()):
        return reel  # waits; the media's processing queues it when ready
    if not _claim(Reel, reel_id):
        return None
    try:
        missing = [i.highlight for i in items if medias.get(i.highlight.interview_id) is None
                   or medias[i.highlight.interview_id].status != MediaStatus.READY]
        if missing:
            raise ffmpeg.MediaToolError(f"The recording of “{missing[0].interview.title}” is missing or unreadable.")
        has_video = all(medias[i.highlight.interview_id].has_video for i in items)
        suffix, content_type = ffmpeg.output_suffix(has_video)
        with tempfile.TemporaryDirectory(prefix="reel-") as directory, contextlib.ExitStack() as stack:
            workdir = Path(directory)
            parts = []
            for item in items:
                clip = _clip_ready(item.highlight, medias[item.highlight.interview_id])
                parts.append(ffmpeg.ReelPart(clip=stack.enter_context(local_copy(clip.file_name)),
                                             card_text=_card_text(item.highlight)))
            target = workdir / f"reel{suffix}"
            ffmpeg.build_reel(parts, target, has_video=has_video, workdir=workdir)
            duration_ms = ffmpeg.probe(target).duration_ms
            file_name = _store(target, f"reels/{uuid.uuid4().hex}{suffix}")
    except Exception as error:  # noqa: BLE001 - any failure ends failed with a sentence
        _fail(Reel, reel_id, error)
    else:
        _finish(Reel, reel_id, status=MediaStatus.READY, file_name=file_name, content_type=content_type,
                duration_ms=duration_ms)
    return _reread(Reel, reel_id)


def _clip_ready(highlight: Highlight, media: Media) -> Clip:
    """The highlight's cached clip, cut now if it is not ready (the reel's task does the work in line)."""
    clip = clip_request(highlight=highlight)
    if clip.status != MediaStatus.READY:
        with tenant_atomic():
            Clip.objects.filter(pk=clip.pk, status=MediaStatus.PROCESSING, claimed_at__isnull=True).update(
                status=MediaStatus.QUEUED)
        clip = clip_cut(clip_id=clip.pk) or _reread(Clip, clip.pk)
    if clip.status != MediaStatus.READY:
        raise ffmpeg.MediaToolError(clip.error or "A clip of the reel could not be cut.")
    return clip


# --- Erasure, deletion and redaction ---------------------------------------------------------------------------

def media_erase(*, highlights, interviews) -> dict[str, int]:
    """For a participant's erasure: the clips of their highlights, every reel holding one of them, and the
    recordings of their interviews go, with their stored files (once the erasure commits).
    Precondition: inside the erasure's transaction, before the highlights are deleted."""
    highlight_ids = list(highlights.values_list("pk", flat=True))
    interview_ids = list(interviews.values_list("pk", flat=True))
    clips = Clip.objects.filter(Q(highlight_id__in=highlight_ids) | Q(interview_id__in=interview_ids))
    reels = Reel.objects.filter(
        Q(items__highlight_id__in=highlight_ids) | Q(items__highlight__interview_id__in=interview_ids)).distinct()
    media = Media.objects.filter(interview_id__in=interview_ids)
    names = [*clips.values_list("file_name", flat=True), *reels.values_list("file_name", flat=True)]
    for original, playable in media.values_list("original_name", "file_name"):
        names += [original, playable]
    counts = {"clips": clips.count(), "reels": reels.count(), "media": media.count()}
    Reel.objects.filter(pk__in=[reel.pk for reel in reels]).delete()
    clips.delete()
    media.delete()
    _delete_files_on_commit(set(names))
    return counts


def interview_media_files(interview: Interview) -> list[str]:
    """Every stored file of an interview's recording and clips; for a caller about to delete the interview."""
    names = [*Clip.objects.filter(interview=interview).values_list("file_name", flat=True)]
    for original, playable in Media.objects.filter(interview=interview).values_list("original_name", "file_name"):
        names += [original, playable]
    return [name for name in names if name]


def media_files_delete_on_commit(names) -> None:
    _delete_files_on_commit(set(names))


def media_mark_redacted(*, interview_ids) -> None:
    """Words in these interviews' transcripts were redacted: their recordings still say them, so each is marked
    as needing review until someone silences the redacted spans (media_silence_request) or clears it."""
    Media.objects.filter(interview_id__in=list(interview_ids)).update(
        needs_review=True,
        review_reason="The transcript was redacted, but the recording still has the original words. "
                      "Silence the redacted passages, or review the recording.")


def redacted_spans_ms(interview: Interview) -> list[tuple[int, int]]:
    """The time spans of utterances with applied redactions."""
    spans = Utterance.objects.filter(
        interview=interview, redaction_findings__status="accepted", start_ms__isnull=False, end_ms__isnull=False,
    ).distinct().values_list("start_ms", "end_ms")
    return sorted((start, end) for start, end in spans if end > start)


@tenant_atomic()
def media_silence_request(*, media: Media, by: User | None = None) -> Media:
    """Ask a worker to silence (bleep) the recording over every utterance with an applied redaction
    (media_silence). Refused at once when there is nothing to do; asked twice, it runs once."""
    media = Media.objects.select_for_update().get(pk=media.pk)
    if media.status != MediaStatus.READY:
        raise MediaRefused("The recording is not ready yet; try again once it is.")
    if not redacted_spans_ms(media.interview):
        raise MediaRefused("No redacted passage with timestamps in this transcript; nothing to silence.")
    if media.silencing in ("queued", "processing"):
        return media
    media.silencing, media.silencing_error, media.silencing_claimed_at = "queued", "", None
    media.save(update_fields=["silencing", "silencing_error", "silencing_claimed_at", "updated_at"])
    _queue("interviews.media_silence", media.organization_id, media.pk)
    return media


def media_silence(*, media_id: int) -> Media | None:
    """The worker's part of media_silence_request: the playable copy is replaced by one silent over the redacted
    spans, the original deleted (it still says the words), and clips are cut again on their next request. The
    recording stays playable meanwhile; a failure leaves it as it was, with `silencing_error` saying why."""
    stale = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    with tenant_atomic():
        claimed = Media.objects.filter(
            Q(silencing="queued") | Q(silencing="processing", silencing_claimed_at__lt=stale), pk=media_id,
            status=MediaStatus.READY,
        ).update(silencing="processing", silencing_claimed_at=timezone.now())
        media = Media.objects.filter(pk=media_id).select_related("interview").first()
    if not claimed or media is None:
        return media
    try:
        spans = redacted_spans_ms(media.interview)
        if not spans:
            raise ffmpeg.MediaToolError("No redacted passage with timestamps is left in this transcript.")
        suffix, content_type = ffmpeg.output_suffix(media.has_video)
        silenced_from = media.file_name
        with local_copy(silenced_from) as source, tempfile.TemporaryDirectory(prefix="bleep-") as directory:
            target = Path(directory) / f"silenced{suffix}"
            ffmpeg.silence_spans(source, target, spans_ms=spans, has_video=media.has_video)
            file_name = _store(target, f"recordings/{uuid.uuid4().hex}{suffix}")
    except Exception as error:  # noqa: BLE001 - any failure ends with a sentence on the recording, never stuck
        if isinstance(error, ffmpeg.MediaToolError):
            logger.warning("Media %s silencing: %s %s", media_id, error.message, error.detail)
            message = error.message
        else:
            logger.exception("Media %s silencing failed", media_id)
            message = UNEXPECTED_FAILURE_MESSAGE
        with tenant_atomic():
            Media.objects.filter(pk=media_id, silencing="processing").update(
                silencing="failed", silencing_error=message, silencing_claimed_at=None)
        return _reread(Media, media_id)
    with tenant_atomic():
        media = Media.objects.select_for_update().filter(pk=media_id, silencing="processing").first()
        if media is None or media.file_name != silenced_from:
            # Replaced or erased meanwhile: this silenced copy is nobody's.
            _delete_files_on_commit([file_name])
            return _reread(Media, media_id)
        clips = Clip.objects.filter(interview_id=media.interview_id)
        old = {media.file_name, media.original_name, *clips.values_list("file_name", flat=True)}
        clips.delete()
        media.file_name = media.original_name = file_name
        media.content_type, media.needs_review, media.review_reason = content_type, False, ""
        media.silencing, media.silencing_error, media.silencing_claimed_at = "", "", None
        media.save()
        _delete_files_on_commit(old - {file_name})
        _interview_changed(media.interview_id)
    return media


@contextlib.contextmanager
def media_files_eraser(organization):
    """Registered with tenancy's organisation deletion (apps.py): the cascade takes the rows, this the files,
    once the deletion has committed. Precondition: the organisation is the active tenant."""
    names = [*Clip.objects.values_list("file_name", flat=True), *Reel.objects.values_list("file_name", flat=True)]
    for original, playable in Media.objects.values_list("original_name", "file_name"):
        names += [original, playable]
    yield
    _delete_files_on_commit(set(names))
