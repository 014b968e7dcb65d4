"""Research exchange: export an organisation as REFI-QDA (QDPX) and import it into a fresh one.

Issue #14: an org of 200 interviews (~80,000 utterances, 5,000 highlights); the import is compared in the same run
with the ingest of the same transcripts through the normal upload path (upload + worker parse), target within
1.5x. Both figures include everything their path does: the import also maps speakers, creates the participants,
tags and the 5,000 highlights, which the upload path does not.
"""

from __future__ import annotations

import random
import time
from unittest import mock

from .report import Row
from .transcripts import build

INTERVIEWS = 200
UTTERANCES = 400
HIGHLIGHTS_PER_INTERVIEW = 25
RATIO_TARGET = 1.5


def run(ctx) -> list[Row]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from empathy_site.tenancy.context import activate_without_transaction, deactivate, tenant_scope
    from interop import exports
    from interop import services as interop_services
    from interop.models import ImportJob
    from interop.tasks import import_run_task
    from interviews import services
    from interviews.models import Highlight, Interview, Utterance
    from interviews.tasks import interview_process_task

    count = ctx.scaled(INTERVIEWS)
    transcripts = build(count, UTTERANCES)
    source = ctx.organization("interop-source")
    with mock.patch.object(interview_process_task, "delay"):
        started = time.perf_counter()
        for transcript in transcripts:  # the reference: the normal upload path, request then worker
            with tenant_scope(source):
                interview = services.interview_upload(upload=services.Upload(name=transcript.name, data=transcript.vtt()))
            token = activate_without_transaction(source.pk)
            try:
                services.interview_process(interview_id=interview.pk)
            finally:
                deactivate(token)
        ingest_seconds = time.perf_counter() - started
    rng = random.Random(14)
    with tenant_scope(source):  # highlights and tags, not timed
        tags = [services.tag_create(name=f"Theme {n}") for n in range(40)]
        for interview in Interview.objects.all():
            texts = dict(Utterance.objects.filter(interview=interview).values_list("position", "text"))
            for position in rng.sample(sorted(texts), min(HIGHLIGHTS_PER_INTERVIEW, len(texts))):
                end = max(1, min(len(texts[position]), 40))
                services.highlight_create(interview=interview, span=services.Span(position, 0, position, end),
                                          tags=rng.sample(tags, 2))
        highlight_count = Highlight.objects.count()
    with tenant_scope(source), ctx.profiled():
        started = time.perf_counter()
        built = exports.project_qdpx(personal_data=True)
        data = built.stream.read()
        export_seconds = time.perf_counter() - started
    target = ctx.organization("interop-target")
    with mock.patch.object(import_run_task, "delay"):
        started = time.perf_counter()
        with tenant_scope(target):
            job = interop_services.import_job_create(uploaded_file=SimpleUploadedFile("project.qdpx", data))
        token = activate_without_transaction(target.pk)
        try:
            with ctx.profiled():
                interop_services.import_job_run(job_id=job.pk)
        finally:
            deactivate(token)
        import_seconds = time.perf_counter() - started
    with tenant_scope(target):
        job = ImportJob.objects.get(pk=job.pk)
        if job.status != "done" or job.report["interviews_created"] != count:
            raise RuntimeError(f"The import did not complete: {job.status} {job.error} {job.report}")
    utterances = count * UTTERANCES
    return [
        Row(f"export {count} interviews ({utterances} utterances, {highlight_count} highlights) as QDPX",
            export_seconds, "s", None, "", "", None),
        Row(f"import the same QDPX into a fresh org ({job.report['highlights_created']} highlights)",
            import_seconds, "s", ingest_seconds, "upload + parse of the same transcripts", f"≤ {RATIO_TARGET}x",
            import_seconds <= RATIO_TARGET * ingest_seconds),
    ]
