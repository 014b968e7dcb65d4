"""Small recordings made with ffmpeg for the media tests, and an interview with a timed transcript."""

import json
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from empathy_site.tenancy.context import tenant_scope
from interviews import services
from interviews.models import Interview, SpeakerMapping

from .factories import ParticipantFactory


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-y", "-v", "error", *args], check=True)


def probe_duration_ms(path: Path) -> int:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)],
                         capture_output=True, check=True).stdout
    return round(float(json.loads(out)["format"]["duration"]) * 1000)


def probe_codecs(path: Path) -> list[str]:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(path)],
                         capture_output=True, check=True).stdout
    return [stream["codec_name"] for stream in json.loads(out)["streams"]]


@pytest.fixture(scope="session")
def recordings(tmp_path_factory) -> dict[str, Path]:
    """tone.wav: 8 s sine; video.mov: 8 s coloured test video with a tone (QuickTime, which chromium won't play);
    clip.webm: 8 s test video in WebM."""
    directory = tmp_path_factory.mktemp("recordings")
    files = {
        "wav": directory / "tone.wav",
        "mov": directory / "video.mov",
        "webm": directory / "video.webm",
        "mp3": directory / "tone.mp3",
    }
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=8", "-ac", "2", str(files["wav"]))
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=660:sample_rate=44100:duration=8", "-c:a", "libmp3lame", str(files["mp3"]))
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=8", "-f", "lavfi",
           "-i", "sine=frequency=440:duration=8", "-c:v", "mpeg4", "-c:a", "aac", "-shortest", str(files["mov"]))
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=8", "-f", "lavfi",
           "-i", "sine=frequency=440:duration=8", "-c:v", "libvpx", "-deadline", "realtime", "-c:a", "libopus",
           "-shortest", str(files["webm"]))
    return files


def upload_of(path: Path, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes())


# Cues: 0-2 s, 2-4.5 s, 4.5-7 s. The interview's last timestamp may be pushed past the recording's end.
def timed_vtt(last_end: str = "00:00:07.000", note: str = "") -> bytes:
    return (
        f"WEBVTT\n\nNOTE {note}\n\n"
        "00:00:00.000 --> 00:00:02.000\n<v Dana>We compare three vendors before we sign anything.\n\n"
        "00:00:02.000 --> 00:00:04.500\n<v Sam>Why three vendors?\n\n"
        f"00:00:04.500 --> {last_end}\n<v Dana>Because onboarding a bad supplier cost us an audit finding.\n"
    ).encode()


def make_timed_interview(org, *, title: str = "Recorded call", pseudonym: str = "P-Dana", last_end: str = "00:00:07.000"):
    """A ready interview with a timed transcript; Dana mapped to a participant. Returns (interview, participant)."""
    with tenant_scope(org):
        participant = ParticipantFactory(organization=org, pseudonym=pseudonym)
        interview = services.interview_upload(
            upload=services.Upload(name=f"{title}.vtt", data=timed_vtt(last_end, note=title)), title=title)
        services.interview_process(interview_id=interview.pk)
        interview = Interview.objects.get(pk=interview.pk)
        for speaker in SpeakerMapping.objects.filter(interview=interview, label="Dana"):
            services.speaker_map(speaker=speaker, participant=participant)
    return interview, participant


def attach(org, interview, path: Path, capture) -> None:
    """Attach a recording through the service and run its probe (eager Celery) once the upload commits."""
    with capture(execute=True), tenant_scope(org):
        services.media_attach(interview=interview, uploaded_file=upload_of(path))
