"""Turn uploaded bytes into text.

Order matters: a byte-order mark is the only reliable signal, so it wins; then
UTF-8, which almost never decodes by accident; then legacy single-byte code pages.
Charset detectors are unreliable on short files (a few accented words look like
cp1250 as much as cp1252), so Western cp1252 is preferred when it reads plausibly
and the detector is only trusted when it is confident about another language.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes

from .base import UnsupportedFile

_BOMS = (
    # UTF-32 first: its little-endian BOM begins with the UTF-16 one.
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)

_BINARY_MESSAGE = (
    "This file looks like binary data, not a text transcript. "
    "Export the transcript as .vtt, .srt, .txt, .docx, .json, .pdf, .html, .md or .odt and upload that."
)

# Control characters that never occur in text documents (tab, newlines, form feed excluded).
_CONTROL_RE = re.compile("[\x00-\x08\x0e-\x1f\x7f\x80-\x9f]")
# The ASCII part of _CONTROL_RE, as bytes for bytes.translate.
_ASCII_CONTROL_BYTES = bytes(range(0x00, 0x09)) + bytes(range(0x0E, 0x20)) + b"\x7f"
_ASCII_LETTER_RE = re.compile("[A-Za-z]")
_WESTERN_LETTER_RE = re.compile("[À-ÖØ-öø-ÿŠšŽžŒœŸ]")
_DETECTION_SAMPLE = 256 * 1024
# Characters a cp1252 reading produces mostly when the bytes were really another
# code page (e.g. Polish ł -> ³, ą -> ¹).
_UNLIKELY_CP1252_RE = re.compile("[¢¤¥¦¨ª¬\xad¯´¶¸¹º¾ƒ†‡ˆ‰‹›˜]")


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str


def decode_bytes(data: bytes) -> DecodedText:
    """Decode ``data``; raise UnsupportedFile when it is not text at all."""
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(codec)
            except UnicodeDecodeError:
                raise UnsupportedFile(
                    f"The file starts with a {label} byte-order mark but is not valid {label} text."
                ) from None
            return _checked(DecodedText(_normalise(text), codec))

    if b"\x00" in data:
        codec = _guess_bomless_utf16(data)
        if codec is None:
            raise UnsupportedFile(_BINARY_MESSAGE)
        try:
            return _checked(DecodedText(_normalise(data.decode(codec)), codec))
        except UnicodeDecodeError:
            raise UnsupportedFile(_BINARY_MESSAGE) from None

    try:
        return _checked(DecodedText(_normalise(data.decode("utf-8")), "utf-8"))
    except UnicodeDecodeError:
        pass
    return _checked(_decode_legacy(data))


def peek_text(data: bytes, size: int = 2048) -> str:
    """Best-effort decode of the first bytes, for sniffing only (never raises)."""
    for bom, codec, _ in _BOMS:
        if data.startswith(bom):
            return data[len(bom) : len(bom) + size].decode(codec, errors="ignore")
    return data[:size].decode("utf-8", errors="ignore")


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _checked(decoded: DecodedText) -> DecodedText:
    text = decoded.text
    if text and _count_controls(text) > max(2, len(text) // 100):
        raise UnsupportedFile(_BINARY_MESSAGE)
    return decoded


def _count_controls(text: str) -> int:
    """How many characters of ``text`` _CONTROL_RE matches."""
    if text.isascii():
        # Most transcripts are plain ASCII; deleting bytes is many times faster than the
        # regular expression over a whole file, and counts the same characters.
        return len(text) - len(text.encode("ascii").translate(None, _ASCII_CONTROL_BYTES))
    return len(_CONTROL_RE.findall(text))


def _guess_bomless_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM puts a NUL in every other byte of mostly-ASCII text."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) // 2
    # A few NULs on the other side come from characters like U+4E00 (bytes 00 4E).
    if odd_nuls > 0.4 * half and even_nuls < 0.05 * half:
        return "utf-16-le"
    if even_nuls > 0.4 * half and odd_nuls < 0.05 * half:
        return "utf-16-be"
    return None


def _decode_legacy(data: bytes) -> DecodedText:
    try:
        western = data.decode("cp1252")
    except UnicodeDecodeError:
        western = None
    sample = _sample(data)
    guess = _detect(sample)
    if western is not None and _plausibly_western(sample.decode("cp1252")):
        if guess is None or guess[1] < 0.3 or _reads_the_same(sample, guess[0], "cp1252"):
            return DecodedText(_normalise(western), "cp1252")
    if guess is not None:
        try:
            return DecodedText(_normalise(data.decode(guess[0], errors="replace")), guess[0])
        except LookupError:
            pass
    if western is not None:
        return DecodedText(_normalise(western), "cp1252")
    raise UnsupportedFile(_BINARY_MESSAGE)


def _sample(data: bytes) -> bytes:
    """Detectors and heuristics are slow on megabytes; a prefix cut at a line end is as telling."""
    if len(data) <= _DETECTION_SAMPLE:
        return data
    cut = data.rfind(b"\n", 0, _DETECTION_SAMPLE)
    return data[: cut + 1] if cut > 0 else data[:_DETECTION_SAMPLE]


def _detect(sample: bytes) -> tuple[str, float] | None:
    """(codec, language coherence) from charset-normalizer, or None."""
    try:
        match = from_bytes(sample).best()
        return None if match is None else (match.encoding, match.coherence)
    except Exception:  # a detector bug must never turn into a 500
        return None


def _reads_the_same(sample: bytes, codec: str, other: str) -> bool:
    try:
        return sample.decode(codec) == sample.decode(other)
    except (UnicodeDecodeError, LookupError):
        return False


def _plausibly_western(text: str) -> bool:
    accented = len(_WESTERN_LETTER_RE.findall(text))
    plain = len(_ASCII_LETTER_RE.findall(text))
    if accented > 0.35 * (accented + plain):
        return False
    return len(_UNLIKELY_CP1252_RE.findall(text)) <= accented // 50
