"""Cutting clips from a long recording through the service, against the same ffmpeg command run by hand.

Issue 18: cutting 100 clips from a one-hour recording, time per clip against the same ffmpeg command run by
hand on the same spans; target at most 1.2x.

The recording (an hour of Ogg Opus, made with ffmpeg) is attached and probed through the services once, before
anything is timed; so are the transcript and its 100 highlights (one per utterance, spread over the hour).
Per clip, the service path is what the API and the worker do: `clip_request` in the request's transaction
(resolve the span, insert the clip, queue the task; the queued task is caught, not run) and then `clip_cut` as
TenantTask runs it (claim, cut with ffmpeg, whose progress report gives the clip's length, store it, mark it
ready). The reference runs `interviews.ffmpeg.cut_command` (the very command the service runs, progress report
included) for the same span with subprocess, writing to a temporary file. The two are
interleaved clip by clip so both see the same machine load and page cache.
"""

from __future__ import annotations

import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from unittest import mock

from .report import Row

CLIPS = 100
RECORDING_SECONDS = 3600
RATIO_TARGET = 1.2


def _vtt(count: int, seconds: int) -> bytes:
    step = seconds * 1000 // count
    cues = []
    for index in range(count):
        start, end = index * step + 1000, index * step + 1000 + min(8000, step - 1000)
        speaker = "Customer" if index % 2 else "Interviewer"
        cues.append(f"{_clock(start)} --> {_clock(end)}\n<v {speaker}>Point number {index} about the product.\n")
    return ("WEBVTT\n\n" + "\n".join(cues)).encode()


def _clock(ms: int) -> str:
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def run(ctx) -> list[Row]:
    from django.core.files import File

    from empathy_site.tenancy.context import activate_without_transaction, deactivate, tenant_scope
    from interviews import ffmpeg, services
    from interviews.models import Media, Utterance
    from interviews.tasks import clip_cut_task, interview_process_task, media_process_task

    count = ctx.scaled(CLIPS)
    org = ctx.organization("media")
    with tempfile.TemporaryDirectory(prefix="bench-media-") as directory:
        workdir = Path(directory)
        recording = workdir / "hour.ogg"
        print(f"bench media: making a {RECORDING_SECONDS // 60}-minute recording with ffmpeg", flush=True)
        subprocess.run(["ffmpeg", "-nostdin", "-y", "-v", "error", "-f", "lavfi", "-i",
                        f"sine=frequency=220:sample_rate=48000:duration={RECORDING_SECONDS}", "-c:a", "libopus",
                        "-b:a", "32k", str(recording)], check=True)

        # Setup, not timed: the transcript, the recording (probed) and one highlight per utterance.
        with mock.patch.object(interview_process_task, "delay"), tenant_scope(org):
            interview = services.interview_upload(
                upload=services.Upload(name="hour.vtt", data=_vtt(count + 1, RECORDING_SECONDS)))
        token = activate_without_transaction(org.pk)
        try:
            interview = services.interview_process(interview_id=interview.pk)
            if interview is None or interview.status != "ready":
                raise RuntimeError("the benchmark's transcript was not processed")
            with mock.patch.object(media_process_task, "delay"), recording.open("rb") as handle:
                with tenant_scope(org):
                    services.media_attach(interview=interview, uploaded_file=File(handle, name="hour.ogg"))
            with tenant_scope(org):
                media_id = Media.objects.get(interview=interview).pk
            media = services.media_process(media_id=media_id)
            if media is None or media.status != "ready":
                raise RuntimeError(f"the recording was not probed: {getattr(media, 'error', 'claimed elsewhere')}")
            highlights = []
            with tenant_scope(org):
                for utterance in Utterance.objects.filter(interview=interview).order_by("position"):
                    span = services.Span(utterance.position, 0, utterance.position, len(utterance.text))
                    highlights.append(services.highlight_create(interview=interview, span=span))
        finally:
            deactivate(token)

        service_times, reference_times = [], []
        source = Path(services.media_storage().path(media.file_name))
        with mock.patch.object(clip_cut_task, "delay"):
            for index, highlight in enumerate(highlights):
                seconds = _service_clip(ctx, org, highlight, services, tenant_scope, activate_without_transaction,
                                        deactivate)
                start_ms, end_ms = _span(org, highlight, services)
                target = workdir / f"reference-{index}.ogg"
                started = time.perf_counter()
                subprocess.run(ffmpeg.cut_command(source, target, start_ms=start_ms, end_ms=end_ms, has_video=False),
                               check=True, capture_output=True)
                reference = time.perf_counter() - started
                target.unlink()
                if index:  # 0 warms up both paths
                    service_times.append(seconds)
                    reference_times.append(reference)

    service, reference = statistics.mean(service_times), statistics.mean(reference_times)
    return [Row(
        figure=f"cut one clip from a {RECORDING_SECONDS // 60}-minute recording ({len(service_times)} clips)",
        value=service * 1000, unit="ms", reference=reference * 1000, reference_label="same ffmpeg command by hand",
        target=f"≤ {RATIO_TARGET}x", passed=service <= reference * RATIO_TARGET,
    )]


def _span(org, highlight, services):
    from empathy_site.tenancy.context import tenant_scope

    with tenant_scope(org):
        return services.highlight_span_ms(highlight)


def _service_clip(ctx, org, highlight, services, tenant_scope, activate, deactivate) -> float:
    started = time.perf_counter()
    with ctx.profiled():
        with tenant_scope(org):  # the API request's transaction
            clip = services.clip_request(highlight=highlight)
        token = activate(org.pk)  # as TenantTask runs the queued task
        try:
            clip = services.clip_cut(clip_id=clip.pk)
        finally:
            deactivate(token)
    seconds = time.perf_counter() - started
    if clip is None or clip.status != "ready":
        raise RuntimeError(f"clip not cut: {getattr(clip, 'error', 'claimed elsewhere')}")
    return seconds
