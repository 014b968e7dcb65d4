"""The ffmpeg and ffprobe commands media work runs, on local files; no database, no storage.

Every function raises MediaToolError with a sentence a researcher understands (and the tool's own words in
`detail` for the logs) when the tool is missing or refuses the file.
"""

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

# Containers and codecs chromium plays as they are; anything else gets a playable copy.
PLAYABLE_AUDIO_CODECS = {"mp3", "aac", "vorbis", "opus", "flac", "pcm_s16le", "pcm_s24le", "pcm_u8", "pcm_f32le"}
PLAYABLE_VIDEO_CODECS = {"h264", "vp8", "vp9", "av1"}
PLAYABLE_CONTAINERS = {"mp3", "wav", "ogg", "matroska,webm", "flac", "aac"}
# QuickTime's family (mp4, m4a, mov) share one demuxer name; only .mov is QuickTime proper, which chromium refuses.
MP4_FAMILY = "mov,mp4,m4a,3gp,3g2,mj2"
# Title cards and the video of a reel.
REEL_SIZE = (1280, 720)
REEL_FPS = 25
AUDIO_RATE = 48000


class MediaToolError(Exception):
    def __init__(self, message: str, detail: str = ""):
        super().__init__(message)
        self.message = message
        self.detail = detail


def tools_available() -> bool:
    return bool(shutil.which(settings.FFMPEG_BINARY) and shutil.which(settings.FFPROBE_BINARY))


def _run(command: list[str], *, failure: str, timeout: int | None = None) -> subprocess.CompletedProcess:
    try:
        result = subprocess.run(command, capture_output=True, timeout=timeout, check=False)  # noqa: S603
    except FileNotFoundError:
        raise MediaToolError(
            "ffmpeg is not installed on the server, so recordings cannot be processed; ask an admin to install it."
        ) from None
    except subprocess.TimeoutExpired:
        raise MediaToolError(f"{failure} It took longer than allowed.") from None
    if result.returncode != 0:
        raise MediaToolError(failure, result.stderr.decode("utf-8", "replace")[-2000:])
    return result


@dataclass(frozen=True)
class Probe:
    duration_ms: int
    container: str
    audio_codec: str | None
    video_codec: str | None

    @property
    def codecs(self) -> list[str]:
        return [codec for codec in (self.video_codec, self.audio_codec) if codec]

    @property
    def has_video(self) -> bool:
        return self.video_codec is not None

    def playable_as_is(self, filename: str) -> bool:
        """Whether chromium plays the file without a copy."""
        if self.audio_codec and self.audio_codec not in PLAYABLE_AUDIO_CODECS:
            return False
        if self.video_codec and self.video_codec not in PLAYABLE_VIDEO_CODECS:
            return False
        if self.container == MP4_FAMILY:
            return not filename.lower().endswith(".mov")
        return self.container in PLAYABLE_CONTAINERS


# Cover art in mp3/m4a shows up as a one-frame video stream; it is not video.
_STILL_CODECS = {"mjpeg", "png", "bmp", "gif"}


def probe(path: Path) -> Probe:
    result = _run(
        [settings.FFPROBE_BINARY, "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)],
        failure="This file is not an audio or video recording ffmpeg can read (damaged, or another kind of file).",
        timeout=120,
    )
    info = json.loads(result.stdout or b"{}")
    streams = info.get("streams", [])
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    video = next((s for s in streams if s.get("codec_type") == "video" and s.get("codec_name") not in _STILL_CODECS
                  and not s.get("disposition", {}).get("attached_pic")), None)
    if audio is None and video is None:
        raise MediaToolError("This file holds no audio or video stream.")
    try:
        duration = float(info.get("format", {}).get("duration") or (audio or video).get("duration") or 0)
    except ValueError:
        duration = 0
    if duration <= 0:
        raise MediaToolError("The recording's length cannot be read; the file may be damaged or cut short.")
    return Probe(
        duration_ms=round(duration * 1000), container=info.get("format", {}).get("format_name", ""),
        audio_codec=audio.get("codec_name") if audio else None, video_codec=video.get("codec_name") if video else None,
    )


def output_suffix(has_video: bool) -> tuple[str, str]:
    """(file suffix, content type) of what this module writes: WebM (VP8 + Opus) or Ogg Opus."""
    return (".webm", "video/webm") if has_video else (".ogg", "audio/ogg")


def _encoding(has_video: bool) -> list[str]:
    audio = ["-c:a", "libopus", "-b:a", "96k", "-ar", str(AUDIO_RATE)]
    if not has_video:
        return ["-vn", *audio]
    return ["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "1M", "-pix_fmt", "yuv420p", *audio]


def transcode(source: Path, target: Path, *, has_video: bool) -> None:
    """A copy chromium plays."""
    _run([settings.FFMPEG_BINARY, "-nostdin", "-y", "-v", "error", "-i", str(source), *_encoding(has_video),
          str(target)], failure="A playable copy of this recording could not be made.")


def cut_command(source: Path, target: Path, *, start_ms: int, end_ms: int, has_video: bool) -> list[str]:
    """The one command that cuts a span: input seeking (fast), re-encoded so the length is exact. It reports
    its progress on stdout, whose last `out_time_us` is the written clip's length (no second tool run to
    measure it)."""
    return [settings.FFMPEG_BINARY, "-nostdin", "-y", "-v", "error", "-ss", f"{start_ms / 1000:.3f}",
            "-i", str(source), "-t", f"{(end_ms - start_ms) / 1000:.3f}", *_encoding(has_video),
            "-progress", "pipe:1", "-nostats", str(target)]


def cut(source: Path, target: Path, *, start_ms: int, end_ms: int, has_video: bool) -> int:
    """Cut the span into `target`; returns the clip's length in ms as ffmpeg wrote it."""
    result = _run(cut_command(source, target, start_ms=start_ms, end_ms=end_ms, has_video=has_video),
                  failure="The clip could not be cut from the recording.")
    written = [line.split(b"=", 1)[1] for line in result.stdout.splitlines() if line.startswith(b"out_time_us=")]
    try:
        duration_ms = round(int(written[-1]) / 1000)
    except (IndexError, ValueError):  # an ffmpeg that reports no time ("N/A"): measure the file instead
        duration_ms = probe(target).duration_ms
    if duration_ms <= 0:
        raise MediaToolError("The clip came out empty; the span may lie past the end of the recording.")
    return duration_ms


@dataclass(frozen=True)
class ReelPart:
    clip: Path
    card_text: str  # drawn on the title card before the clip (video reels)


def build_reel(parts: list[ReelPart], target: Path, *, has_video: bool, workdir: Path,
               card_seconds: float = 2.0, gap_seconds: float = 1.0) -> None:
    """Clips in order. A video reel shows a title card (card_seconds) before each clip; an audio-only reel
    has gap_seconds of silence between clips instead."""
    inputs: list[str] = []
    labels: list[str] = []
    filters: list[str] = []
    count = 0
    width, height = REEL_SIZE
    audio_format = f"aresample={AUDIO_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo"
    video_format = (f"scale={width}:{height}:force_original_aspect_ratio=decrease,"
                    f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps={REEL_FPS},format=yuv420p")
    for index, part in enumerate(parts):
        if has_video:
            text_file = workdir / f"card{index}.txt"
            text_file.write_text(part.card_text, encoding="utf-8")
            font = settings.MEDIA_TITLE_FONT
            card = (f"color=c=0x1e1b4b:s={width}x{height}:r={REEL_FPS}:d={card_seconds},"
                    f"drawtext=fontfile='{font}':textfile='{text_file}':fontcolor=white:fontsize=48:"
                    f"x=(w-text_w)/2:y=(h-text_h)/2")
            inputs += ["-f", "lavfi", "-i", card,
                       "-f", "lavfi", "-t", f"{card_seconds}", "-i", f"anullsrc=r={AUDIO_RATE}:cl=stereo"]
            filters += [f"[{count}:v]format=yuv420p,setsar=1[v{count}]", f"[{count + 1}:a]{audio_format}[a{count}]"]
            labels.append(f"[v{count}][a{count}]")
            count += 2
            inputs += ["-i", str(part.clip)]
            filters += [f"[{count}:v]{video_format}[v{count}]", f"[{count}:a]{audio_format}[a{count}]"]
            labels.append(f"[v{count}][a{count}]")
            count += 1
        else:
            if index:
                inputs += ["-f", "lavfi", "-t", f"{gap_seconds}", "-i", f"anullsrc=r={AUDIO_RATE}:cl=stereo"]
                filters.append(f"[{count}:a]{audio_format}[a{count}]")
                labels.append(f"[a{count}]")
                count += 1
            inputs += ["-i", str(part.clip)]
            filters.append(f"[{count}:a]{audio_format}[a{count}]")
            labels.append(f"[a{count}]")
            count += 1
    streams = "[v][a]" if has_video else "[a]"
    graph = ";".join([*filters, f"{''.join(labels)}concat=n={len(labels)}:v={1 if has_video else 0}:a=1{streams}"])
    maps = ["-map", "[v]", "-map", "[a]"] if has_video else ["-map", "[a]"]
    _run([settings.FFMPEG_BINARY, "-nostdin", "-y", "-v", "error", *inputs, "-filter_complex", graph, *maps,
          *_encoding(has_video), str(target)], failure="The reel could not be put together.")


def silence_spans(source: Path, target: Path, *, spans_ms: list[tuple[int, int]], has_video: bool) -> None:
    """The recording with its sound muted over these spans (a bleep by silence); the picture is kept."""
    enable = "+".join(f"between(t,{start / 1000:.3f},{end / 1000:.3f})" for start, end in spans_ms)
    _run([settings.FFMPEG_BINARY, "-nostdin", "-y", "-v", "error", "-i", str(source),
          "-af", f"volume=enable='{enable}':volume=0", *_encoding(has_video), str(target)],
         failure="The redacted words could not be silenced in the recording.")
