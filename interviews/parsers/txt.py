"""Plain-text transcripts, and the paragraph conventions Word documents share.

Layouts recognised line by line (in .txt files and in .docx paragraphs alike):

    Alice: Hello                          "Name: text" turns
    [00:01:02] Alice: Hello               timestamped turns
    Alice Smith  0:03 / Hello             Otter; new Teams .docx puts both in one paragraph
    [Alice Smith] 11:02:09 / Hello        Zoom's saved in-meeting transcript (wall clock)
    0:0:3.450 --> 0:0:8.120 / Alice / Hi  older Teams .docx paragraph
    00:05:00 / Alice: Hello               Google Meet time markers between turns

Text before the first label and files without any label become one "Unknown"
utterance per paragraph, so nothing a researcher uploaded is silently dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .base import UNKNOWN_SPEAKER, ParsedUtterance, TranscriptError
from .cleaning import clean_speaker, clean_text, looks_like_name, split_speaker
from .timecodes import CLOCK, TimecodeError, checked_span, parse_clock


@dataclass(frozen=True)
class SourceLine:
    where: str  # "Line 12" or "Paragraph 3", for error messages
    line: int | None
    text: str


Block = list[SourceLine]

_TEAMS_TIMING_RE = re.compile(rf"(?P<start>{CLOCK})\s*-->\s*(?P<end>{CLOCK})")
_ZOOM_HEADER_RE = re.compile(
    r"\[(?P<name>[^\[\]]{1,100})\]\s+(?P<time>\d{1,2}:\d{2}:\d{2})(?:\s*(?P<ampm>[AaPp][Mm]))?"
)
# Otter separates name and time with two or more spaces (or a tab).
_OTTER_HEADER_RE = re.compile(rf"(?P<name>\S.*?)(?:[ \t]{{2,}}|\t)(?P<time>{CLOCK})")
_LOOSE_HEADER_RE = re.compile(rf"(?P<name>\S.*?)[ \t]+(?P<time>{CLOCK})")
_STAMPED_RE = re.compile(rf"(?P<open>[\[(])?(?P<time>{CLOCK})[\])]?\s+(?:[-–]\s+)?(?P<rest>\S.*)")
_STAMP_ONLY_RE = re.compile(rf"[\[(]?(?P<time>{CLOCK})[\])]?")
_MAX_HEADER_CHARS = 200
_LINE_BREAKS_RE = re.compile("\r\n|[\r\v\u2028\u2029]")

# Lines tools add around the speech; (pattern, the tool it reveals).
_NOISE = (
    (re.compile(r"transcribed by (?:https?://)?(?:www\.)?otter\.ai\b.*", re.I), "otter"),
    (re.compile(r"(?:.{1,100}\s)?(?:started|stopped) transcription\.?", re.I), "teams"),
    (re.compile(r"(?:transcription|meeting|recording) ended after \d{1,2}:\d{2}(?::\d{2})?\b.*", re.I), "google_meet"),
    (re.compile(r"this editable transcript was computer generated\b.*", re.I), "google_meet"),
)


def parse(text: str) -> tuple[list[ParsedUtterance], str]:
    blocks: list[Block] = []
    current: Block = []
    for number, raw in enumerate(text.lstrip("\ufeff").split("\n"), start=1):
        if raw.strip():
            current.append(SourceLine(f"Line {number}", number, raw))
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return parse_blocks(blocks, from_docx=False)


def parse_paragraphs(paragraphs: list[str], *, from_docx: bool) -> tuple[list[ParsedUtterance], str]:
    """Documents (Word, ODT, PDF, HTML, Markdown): each paragraph is a block, its line breaks are lines.

    An unlabelled paragraph becomes one utterance without a speaker; ``Name: text`` lines become turns.
    """
    blocks: list[Block] = []
    for number, text in enumerate(paragraphs, start=1):
        lines = [
            SourceLine(f"Paragraph {number}", None, part)
            for part in _LINE_BREAKS_RE.sub("\n", text).split("\n")
            if part.strip()
        ]
        if lines:
            blocks.append(lines)
    if not blocks:
        raise TranscriptError("The document contains no text.")
    return parse_blocks(blocks, from_docx=from_docx)


def parse_blocks(blocks: list[Block], *, from_docx: bool) -> tuple[list[ParsedUtterance], str]:
    """Parse paragraphs (lists of lines) into utterances and name the exporting tool."""
    blocks, skipped_preamble = _drop_meet_preamble(blocks)
    reader = _Reader()
    for block in blocks:
        reader.read_block(block)
    reader.flush()
    if not reader.utterances:
        raise TranscriptError("The file contains no transcript text.")
    return reader.utterances, _variant(reader, from_docx, skipped_preamble)


def _variant(reader: _Reader, from_docx: bool, skipped_preamble: bool) -> str:
    hints = reader.hints
    if "zoom" in hints:
        return "zoom"
    # A name/time header sharing a paragraph with its speech is Teams' layout in
    # Word; in a text file the same shape is Otter's.
    if "teams" in hints or (from_docx and "header_inline" in hints):
        return "teams"
    if hints & {"otter", "header_inline", "header_alone"}:
        return "otter"
    if "google_meet" in hints or (skipped_preamble and "markers" in hints):
        return "google_meet"
    return "generic" if reader.labelled else "plain"


def _drop_meet_preamble(blocks: list[Block]) -> tuple[list[Block], bool]:
    """Skip a Google Meet document's title and summary/notes before its "Transcript" heading.

    The last such heading that is followed by speaker turns wins: Meet's notes
    can mention or link "Transcript" above the real section.
    """
    headings = [
        (block_index, line_index)
        for block_index, block in enumerate(blocks)
        for line_index, line in enumerate(block)
        if len(line.text) <= 40 and _is_transcript_heading(line.text)
    ]
    for block_index, line_index in reversed(headings):
        rest = [blocks[block_index][line_index + 1 :], *blocks[block_index + 1 :]]
        rest = [block for block in rest if block]
        if any(_is_label(line.text) for block in rest for line in block):
            return rest, True
    return blocks, False


def _is_transcript_heading(text: str) -> bool:
    # Tolerates decoration such as "📖 Transcript" or "Transcript:".
    return "".join(ch for ch in text.lower() if ch.isalpha()) == "transcript"


def _is_label(raw: str) -> bool:
    text = clean_text(raw)
    return bool(
        split_speaker(text)
        or _ZOOM_HEADER_RE.fullmatch(text)
        or _TEAMS_TIMING_RE.fullmatch(text)
        or _otter_header(raw, allow_single_space=False)
    )


def _otter_header(raw: str, *, allow_single_space: bool) -> re.Match | None:
    """Match "Name  0:03" on the uncollapsed line: the double space is the signal."""
    raw = raw.strip()
    if len(raw) > _MAX_HEADER_CHARS:  # also keeps the lazy regex away from huge lines
        return None
    match = _OTTER_HEADER_RE.fullmatch(raw)
    if not match and allow_single_space:
        match = _LOOSE_HEADER_RE.fullmatch(raw)
    if match and ":" not in match.group("name") and looks_like_name(match.group("name")):
        return match
    return None


@dataclass
class _Turn:
    speaker: str
    start_ms: int | None
    end_ms: int | None
    labelled: bool
    parts: list[str] = field(default_factory=list)


class _Reader:
    def __init__(self) -> None:
        self.utterances: list[ParsedUtterance] = []
        self.hints: set[str] = set()
        self.labelled = False
        self._turn: _Turn | None = None
        self._pending_start: int | None = None  # a Meet marker waiting for the next turn
        self._zoom_origin: int | None = None

    def read_block(self, block: Block) -> None:
        index = 0
        first_in_block = True
        while index < len(block):
            line = block[index]
            index += 1
            text = clean_text(line.text)
            if not text or self._is_noise(text):
                continue
            index += self._read_line(line, text, block[index:], first_in_block=first_in_block)
            first_in_block = False

    def flush(self) -> None:
        turn, self._turn = self._turn, None
        if turn and turn.parts:
            text = " ".join(turn.parts)
            self.utterances.append(ParsedUtterance(turn.speaker, turn.start_ms, turn.end_ms, text))

    def _read_line(self, line: SourceLine, text: str, rest: Block, *, first_in_block: bool) -> int:
        """Handle one line; return how many of the following lines it consumed."""
        if match := _TEAMS_TIMING_RE.fullmatch(text):
            start, end = self._span(line, match.group("start"), match.group("end"))
            speaker = None
            if len(rest) >= 2:
                candidate = clean_text(rest[0].text)
                if looks_like_name(candidate) and ":" not in candidate:
                    speaker = clean_speaker(candidate)
            self.hints.add("teams")
            self._start(speaker, start, end)
            return 1 if speaker else 0

        if match := _ZOOM_HEADER_RE.fullmatch(text):
            self.hints.add("zoom")
            self._start(clean_speaker(match.group("name")), self._zoom_ms(line, match), None)
            return 0

        if match := _otter_header(line.text, allow_single_space=first_in_block and bool(rest)):
            self.hints.add("header_inline" if first_in_block and rest else "header_alone")
            start, _ = self._span(line, match.group("time"), None)
            self._start(clean_speaker(match.group("name")), start, None)
            return 0

        if match := _STAMP_ONLY_RE.fullmatch(text):
            self.hints.add("markers")
            self._pending_start, _ = self._span(line, match.group("time"), None)
            return 0

        if match := _STAMPED_RE.fullmatch(text):
            labelled = split_speaker(match.group("rest"))
            # "10:30 we had lunch" is speech; only a bracketed stamp times an unnamed line.
            if labelled or match.group("open"):
                start, _ = self._span(line, match.group("time"), None)
                if labelled:
                    self._start(labelled[0], start, None)
                    self._add(labelled[1])
                else:
                    speaker = self._turn.speaker if self._turn and self._turn.labelled else None
                    self._start(speaker, start, None)
                    self._add(match.group("rest"))
                return 0

        if labelled := split_speaker(text):
            self._start(labelled[0], None, None)
            self._add(labelled[1])
            return 0

        if self._turn is None or (not self._turn.labelled and first_in_block):
            self._start(None, None, None)
        self._add(text)
        return 0

    def _start(self, speaker: str | None, start_ms: int | None, end_ms: int | None) -> None:
        self.flush()
        if start_ms is None:
            start_ms = self._pending_start
        self._pending_start = None
        self.labelled |= speaker is not None
        self._turn = _Turn(speaker or UNKNOWN_SPEAKER, start_ms, end_ms, speaker is not None)

    def _add(self, text: str) -> None:
        if self._turn is None:
            self._start(None, None, None)
        if text:
            self._turn.parts.append(text)

    def _is_noise(self, text: str) -> bool:
        for pattern, tool in _NOISE:
            if pattern.fullmatch(text):
                self.hints.add(tool)
                return True
        return False

    def _span(self, line: SourceLine, start: str, end: str | None) -> tuple[int, int | None]:
        try:
            start_ms = parse_clock(start)
            end_ms = parse_clock(end) if end is not None else None
        except TimecodeError as exc:
            raise TranscriptError(f"{line.where}: {exc}.", line=line.line) from None
        return checked_span(start_ms, end_ms, line.where, line=line.line)

    def _zoom_ms(self, line: SourceLine, match: re.Match) -> int:
        """Zoom prints wall-clock times; make them relative to the first one."""
        hours, minutes, seconds = (int(part) for part in match.group("time").split(":"))
        if minutes >= 60 or seconds >= 60 or hours >= 24:
            raise TranscriptError(f"{line.where}: '{match.group('time')}' is not a valid time of day.", line=line.line)
        ampm = (match.group("ampm") or "").lower()
        if ampm == "pm" and hours < 12:
            hours += 12
        elif ampm == "am" and hours == 12:
            hours = 0
        clock = (hours * 60 + minutes) * 60 + seconds
        if self._zoom_origin is None:
            self._zoom_origin = clock
        elapsed = clock - self._zoom_origin
        if elapsed < 0:  # the meeting ran past midnight
            elapsed += 24 * 60 * 60
        return elapsed * 1000
