"""Turning an uploaded transcript into utterances: queueing, claiming, parsing and storing, and the sweep that
re-queues interviews whose worker died. Runs in Celery workers (interviews.tasks) and never leaves an interview
processing for good.
"""

import logging

from celery.exceptions import SoftTimeLimitExceeded, WorkerLostError
from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from empathy_site.sync.capture import record_changes
from empathy_site.sync.failures import failed_task_record
from empathy_site.sync.webhooks import emit
from empathy_site.tenancy.context import require_org_id, tenant_atomic

from .. import parsers
from ..models import Interview, PrivacyPolicy, SpeakerMapping, Utterance
from ..selectors import privacy_policy, stale_claim_cutoff
from .redaction import interview_redact
from .speakers import speakers_guess

logger = logging.getLogger(__name__)

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


def parse_limits() -> parsers.ParseLimits:
    return parsers.ParseLimits(
        max_bytes=settings.UPLOAD_MAX_BYTES,
        docx_max_uncompressed_bytes=settings.DOCX_MAX_UNCOMPRESSED_BYTES,
        docx_max_compression_ratio=settings.DOCX_MAX_COMPRESSION_RATIO,
    )


def queue_processing(interview: Interview) -> None:
    """Queue the parsing once the interview's row is committed."""
    # Imported here, not at the top: the tasks module imports these services.
    from ..tasks import interview_process_task

    org_id, interview_id = interview.organization_id, interview.pk
    transaction.on_commit(lambda: interview_process_task.delay(org_id, interview_id))


def _stale_claim() -> Q:
    """Processing, claimed longer ago than INTERVIEW_CLAIM_TIMEOUT_SECONDS.

    Only a candidate: a live worker holds its row (_load_and_hold_claim), so callers lock
    with FOR UPDATE SKIP LOCKED and take over only the rows no worker holds.
    """
    return Q(status=Interview.Status.PROCESSING) & (Q(claimed_at__lt=stale_claim_cutoff()) | Q(claimed_at__isnull=True))


def stalled_filter() -> Q:
    """Waiting longer than the claim timeout: a dead worker's claim, or a queued task the broker lost."""
    return _stale_claim() | Q(status=Interview.Status.QUEUED, updated_at__lt=stale_claim_cutoff())


def take_unheld(queryset) -> list[Interview]:
    """Lock and return the rows no live worker holds. Precondition: inside tenant_atomic()."""
    return list(queryset.select_for_update(skip_locked=True).order_by("pk"))


def _load_and_hold_claim(interview_id: int) -> Interview | None:
    """Load the interview and hold its row until this transaction ends, as proof that its worker is alive.

    FOR KEY SHARE lets ordinary edits (title, study) through, but makes FOR UPDATE
    SKIP LOCKED (stale takeover, the sweep, reprocess) pass the row by. A killed
    worker's connection closes and the lock goes with it. One statement: Django's
    select_for_update has no KEY SHARE, so it is written out (row-level security still
    scopes it to the organisation the transaction is bound to).
    """
    if connection.vendor != "postgresql":  # SQLite: one process (embedded development), no concurrent workers
        return Interview.objects.filter(pk=interview_id).first()
    table = connection.ops.quote_name(Interview._meta.db_table)
    found = list(Interview.objects.raw(
        f"SELECT * FROM {table} WHERE organization_id = %s AND id = %s FOR KEY SHARE", [require_org_id(), interview_id]))
    return found[0] if found else None


def interview_claim(*, interview_id: int) -> bool:
    """Claim a queued interview (or one whose worker died). False: someone else has it."""
    with tenant_atomic():
        claimed = Interview.objects.filter(pk=interview_id, status=Interview.Status.QUEUED).update(
            status=Interview.Status.PROCESSING, claimed_at=timezone.now(), progress=10, error=None
        )
        if not claimed and take_unheld(Interview.objects.filter(_stale_claim(), pk=interview_id)):
            claimed = Interview.objects.filter(pk=interview_id).update(
                status=Interview.Status.PROCESSING, claimed_at=timezone.now(), progress=10, error=None
            )
        if claimed:
            interview = Interview.objects.only("public_id", "organization_id").get(pk=interview_id)
            record_changes(Interview, [interview.public_id], organization_id=interview.organization_id,
                           changed_fields=["status", "error", "progress"])
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
        interview = _load_and_hold_claim(interview_id)
        if interview is None:
            return None
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
    _store_utterances(interview, parsed, replace=interview.processed_at is not None)
    _interview_write(
        interview, ["format", "format_variant", "duration_ms", "utterance_count", "warnings", "status", "error",
                    "progress", "processed_at", "updated_at"],
        detected_format=parsed.format, format_variant=parsed.variant or "", duration_ms=parsed.duration_ms,
        utterance_count=len(parsed.utterances), parse_warnings=list(parsed.warnings), status=Interview.Status.READY,
        error=None, progress=100, processed_at=timezone.now(),
    )
    interview_redact_if_policy(interview=interview)
    emit("interview.ready", interview)
    return interview


def _interview_fail(interview: Interview, message: str) -> Interview:
    _interview_write(interview, ["status", "error", "progress", "warnings", "updated_at"],
                     status=Interview.Status.FAILED, error=message, progress=100, parse_warnings=[])
    emit("interview.failed", interview)
    return interview


def _interview_write(interview: Interview, changed_fields: list[str], **values) -> None:
    """Set `values` (model fields) on the interview and write them, with `updated_at`, in one UPDATE, recorded as
    a change of `changed_fields` (the API fields they show in) for the feed and the `interview.updated` webhook.

    Processing knows what it writes, so it names the fields rather than have save()'s change capture read the
    row first to find them: a statement fewer for every transcript.
    """
    values["updated_at"] = timezone.now()
    for name, value in values.items():
        setattr(interview, name, value)
    Interview.objects.filter(pk=interview.pk).update(**values)
    record_changes(Interview, [interview.public_id], organization_id=interview.organization_id,
                   changed_fields=changed_fields)


def _record_failed_processing(interview: Interview, error: BaseException) -> None:
    """For the admin: the technical cause, and "Run again" reprocesses the interview."""
    from ..tasks import interview_reprocess_task  # not at the top: the tasks module imports these services

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
        for interview in take_unheld(Interview.objects.filter(_stale_claim())):
            if interview.stale_requeues >= MAX_STALE_REQUEUES:
                _interview_fail(interview, WORKER_LOST_MESSAGE.format(count=interview.stale_requeues + 1))
                _record_failed_processing(interview, WorkerLostError(
                    f"the worker processing this interview stopped {interview.stale_requeues + 1} times"))
                failed += 1
                continue
            Interview.objects.filter(pk=interview.pk).update(
                status=Interview.Status.QUEUED, claimed_at=None, progress=0, stale_requeues=F("stale_requeues") + 1
            )
            record_changes(Interview, [interview.public_id], organization_id=interview.organization_id,
                           changed_fields=["status", "progress"])
            queue_processing(interview)
            requeued += 1
    return {"requeued": requeued, "failed": failed}


def _store_utterances(interview: Interview, parsed, *, replace: bool = True) -> None:
    """Store the parsed utterances, replacing any the interview has (`replace=False`: the caller knows it has
    none, nor speakers, as it was never processed; that saves the reads and deletes), with a speaker per label
    and each speaker's role guessed. Labels and text come clean and bounded from parsers.normalise_utterances."""
    org_id = interview.organization_id
    questions: dict[str, int] = {}  # label -> utterances with a question mark, in order of first appearance
    for utterance in parsed.utterances:
        questions[utterance.speaker] = questions.get(utterance.speaker, 0) + ("?" in utterance.text)
    existing: dict[str, SpeakerMapping] = {}
    if replace:
        Utterance.objects.filter(interview=interview).delete()
        # Mappings a researcher already made survive a reprocess (labels matched as written); unmapped
        # speakers who no longer speak go.
        existing = {s.label: s for s in SpeakerMapping.objects.filter(interview=interview).order_by("pk")}
        unused = [s.pk for label, s in existing.items()
                  if label not in questions and s.participant_id is None and s.team_member_id is None]
        if unused:
            SpeakerMapping.objects.filter(pk__in=unused).delete()
            existing = {label: s for label, s in existing.items() if s.pk not in unused}
    new = [SpeakerMapping(organization_id=org_id, interview=interview, label=label)
           for label in questions if label not in existing]
    # Numbered in the order they first spoke: those kept first (in their order), then the new ones, without gaps.
    for number, speaker in enumerate([*existing.values(), *new], start=1):
        speaker.number = number
    speakers_guess(speakers=[*existing.values(), *new], questions=questions, organization_id=org_id)
    SpeakerMapping.objects.bulk_update(list(existing.values()), ["guessed_role", "number"])
    speakers = {**existing, **{s.label: s for s in SpeakerMapping.objects.bulk_create(new)}}
    _insert_utterances([
        (org_id, interview.pk, position, speakers[u.speaker].pk, u.start_ms, u.end_ms, u.text)
        for position, u in enumerate(parsed.utterances)
    ])


def interview_create_from_utterances(
    *,
    title: str,
    utterances: list[parsers.ParsedUtterance],
    content_hash: str,
    original_filename: str,
    study=None,
    conducted_at=None,
    by=None,
) -> Interview:
    """An interview whose utterances are already known (a REFI-QDA text source read by interop): stored as the
    upload path stores parsed ones, ready at once. No original file is kept (the source stays with the caller),
    so it cannot be reprocessed. `utterances` are stored exactly as given, one per turn, so positions into
    them stay valid (the caller maps highlights onto them); their text must be clean and bounded.

    Precondition: inside tenant_atomic(); the caller refuses a `content_hash` already in the organisation.
    """
    interview = Interview.objects.create(
        organization_id=require_org_id(), title=(title or "Untitled interview")[:300], study=study,
        conducted_at=conducted_at, original_file="", original_filename=original_filename[-255:],
        file_size=sum(len(u.text) for u in utterances), content_hash=content_hash,
        detected_format=Interview.Format.TXT, format_variant="refi-qda", status=Interview.Status.READY,
        progress=100, processed_at=timezone.now(), uploaded_by=by, utterance_count=len(utterances),
        duration_ms=parsers.ParsedTranscript(format="txt", utterances=utterances).duration_ms,
        original_deleted_at=timezone.now(),
    )
    _store_utterances(interview, parsers.ParsedTranscript(format="txt", utterances=utterances), replace=False)
    emit("interview.ready", interview)
    return interview


def interview_redact_if_policy(*, interview: Interview) -> None:
    """What the upload path does after parsing: scan (and, if automatic, apply) per the privacy policy. Callers of
    interview_create_from_utterances run it once the interview's highlights exist, so they are redacted too."""
    if privacy_policy().redaction_mode != PrivacyPolicy.RedactionMode.OFF:
        interview_redact(interview=interview)


# The columns _insert_utterances writes, in the order of its rows; each utterance's public_id is made with it.
_UTTERANCE_COLUMNS = ("organization_id", "interview_id", "position", "speaker_id", "start_ms", "end_ms", "text")
_UTTERANCE_STAGE = "interviews_utterance_stage"


def _insert_utterances(rows: list[tuple]) -> None:
    """Insert utterance rows (in _UTTERANCE_COLUMNS order) in the open transaction, bound to their organisation,
    each with a new random public_id.

    On PostgreSQL: COPY into a temporary table, then one INSERT ... SELECT into the real one, which makes the
    public ids (gen_random_uuid(): 1 µs a row, less than Python's uuid4 and adapting it for COPY). COPY cannot write into
    a table whose row-level security applies to the role (the runtime role's case), a temporary table has none,
    and the INSERT checks every row against the policy as any insert does. A transcript's rows then cost one
    round trip and no SQL text, where bulk_create sent statements of 1,000 rows' values.
    The temporary table is made once per database session and emptied by every commit that touched it (ON
    COMMIT DELETE ROWS: no catalogue writes per transaction, as dropping it at commit cost); `IF NOT EXISTS`
    makes it again on a pooled server connection that never had it, and no rows outlive a transaction, so
    nothing leaks to whoever uses the connection next. Its shape stays as first released (a public_id column,
    now left empty), so that releases before and after this one can share pooled server connections.
    Elsewhere (SQLite, the embedded mode): bulk_create, public ids made in Python. Utterances are not a sync
    type: no change capture is skipped.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        Utterance.objects.bulk_create([Utterance(**dict(zip(_UTTERANCE_COLUMNS, row, strict=True))) for row in rows],
                                      batch_size=1000)
        return
    if not connection.in_atomic_block:
        raise RuntimeError("_insert_utterances needs the transaction bound to the organisation (tenant_atomic).")
    columns = ", ".join(_UTTERANCE_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {_UTTERANCE_STAGE} (organization_id bigint, public_id uuid, "
            "interview_id bigint, position integer, speaker_id bigint, start_ms bigint, end_ms bigint, text text) "
            "ON COMMIT DELETE ROWS"
        )
        # The psycopg cursor's COPY, with its errors raised as Django's (DataError, IntegrityError) like the ORM's.
        with connection.wrap_database_errors, cursor.cursor.copy(f"COPY {_UTTERANCE_STAGE} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        # Emptying the stage as it moves the rows: a second call in the same transaction starts from nothing.
        cursor.execute(f"WITH staged AS (DELETE FROM {_UTTERANCE_STAGE} RETURNING {columns}) "
                       f"INSERT INTO {Utterance._meta.db_table} (public_id, {columns}) "
                       f"SELECT gen_random_uuid(), {columns} FROM staged")
