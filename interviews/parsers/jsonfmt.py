"""JSON transcripts: the documented generic shape and Whisper / WhisperX output.

Generic shape (what we tell researchers to produce from any other tool)::

    {
      "segments": [
        {"speaker": "Alice", "start": 1.5, "end": 3.0, "text": "Hello there."},
        {"speaker": "Bob",   "start": 3.2, "end": 5.0, "text": "Hi Alice."}
      ]
    }

A bare list of segment objects is accepted too. ``start`` and ``end`` are
seconds from the beginning of the recording (numbers, may be fractional, may be
omitted or null when unknown). ``speaker`` is optional; segments without one
are attributed to "Unknown". ``text`` is required.

Whisper's JSON (``{"text": ..., "segments": [{"id", "start", "end", "text", ...}],
"language": ...}``) fits this shape without speakers; WhisperX adds
``"speaker": "SPEAKER_00"`` to each segment.
"""

from __future__ import annotations

import json
import math

from .base import UNKNOWN_SPEAKER, ParsedUtterance, TranscriptError
from .cleaning import clean_speaker, clean_text
from .timecodes import MAX_MS, TimecodeError, checked_span, parse_clock

EXPECTED_SHAPE = (
    'Expected a JSON object with a "segments" list, or a list of segments, where each '
    'segment looks like {"speaker": "Alice", "start": 1.5, "end": 3.0, "text": "Hello"}.'
)
_WHISPER_SEGMENT_KEYS = {"id", "seek", "tokens", "avg_logprob", "no_speech_prob", "words", "temperature"}


def parse(text: str) -> tuple[list[ParsedUtterance], str]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TranscriptError(
            f"Line {exc.lineno}, column {exc.colno}: this is not valid JSON ({exc.msg}).",
            line=exc.lineno,
        ) from None
    except RecursionError:
        raise TranscriptError("The JSON is nested too deeply to be a transcript.") from None
    except ValueError:  # e.g. an integer literal longer than Python's 4300-digit limit
        raise TranscriptError("The file is not valid JSON: it contains an impossibly long number.") from None

    segments = _segments(document)
    utterances = []
    for number, segment in enumerate(segments, start=1):
        utterance = _utterance(number, segment)
        if utterance:
            utterances.append(utterance)
    if not utterances:
        raise TranscriptError("The JSON file has no segments with text. " + EXPECTED_SHAPE)
    return utterances, _variant(document, segments)


def _segments(document) -> list:
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        if "segments" not in document:
            keys = ", ".join(f'"{key}"' for key in list(document)[:5]) or "no keys"
            raise TranscriptError(f'The JSON object has {keys} but no "segments". {EXPECTED_SHAPE}')
        if not isinstance(document["segments"], list):
            raise TranscriptError(f'"segments" must be a list, found {_kind(document["segments"])}. {EXPECTED_SHAPE}')
        return document["segments"]
    raise TranscriptError(f"The JSON file holds {_kind(document)}. {EXPECTED_SHAPE}")


def _utterance(number: int, segment) -> ParsedUtterance | None:
    where = f"Segment {number}"
    if not isinstance(segment, dict):
        raise TranscriptError(f"{where} should be an object, found {_kind(segment)}. {EXPECTED_SHAPE}")
    if "text" not in segment:
        raise TranscriptError(f'{where} has no "text". {EXPECTED_SHAPE}')
    if not isinstance(segment["text"], str):
        raise TranscriptError(f'{where}: "text" should be a string, found {_kind(segment["text"])}.')
    text = clean_text(segment["text"])
    start = _seconds(where, segment, "start")
    end = _seconds(where, segment, "end")
    start, end = checked_span(start, end, where)
    if not text:
        return None
    return ParsedUtterance(_speaker(where, segment.get("speaker")), start, end, text)


def _speaker(where: str, value) -> str:
    if value is None:
        return UNKNOWN_SPEAKER
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise TranscriptError(f'{where}: "speaker" should be a name, found {_kind(value)}.')
    return clean_speaker(str(value)) or UNKNOWN_SPEAKER


def _seconds(where: str, segment: dict, key: str) -> int | None:
    value = segment.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        # Some tools write "00:01:02.500" or "62.5" as strings; both are unambiguous.
        try:
            return parse_clock(value) if ":" in value else _to_ms(where, key, float(value))
        except (TimecodeError, ValueError):
            pass
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        return _to_ms(where, key, value)
    raise TranscriptError(f'{where}: "{key}" should be a number of seconds, found {json.dumps(value)[:40]}.')


def _to_ms(where: str, key: str, seconds: float) -> int:
    if isinstance(seconds, float) and not math.isfinite(seconds):
        raise TranscriptError(f'{where}: "{key}" is {seconds}, which is not a time.')
    # Bounded before scaling: 1e306 seconds times 1000 overflows a float, and round(inf) raises.
    if seconds > MAX_MS / 1000:
        raise TranscriptError(
            f'{where}: the time in "{key}" is longer than 24 hours, which is not plausible for an interview.'
        )
    if seconds < -MAX_MS / 1000:
        raise TranscriptError(f'{where}: the time in "{key}" is negative.')
    return round(seconds * 1000)


def _variant(document, segments: list) -> str:
    whisperish = isinstance(document, dict) and ("language" in document or "text" in document)
    whisperish |= any(isinstance(s, dict) and _WHISPER_SEGMENT_KEYS & s.keys() for s in segments)
    if not whisperish:
        return "generic"
    has_speakers = any(isinstance(s, dict) and s.get("speaker") for s in segments)
    return "whisperx" if has_speakers else "whisper"


def _kind(value) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false"}.get(type(value), "a number")
