"""Text clean-up and speaker-label recognition shared by every format."""

from __future__ import annotations

import html
import re

# Caption markup: <b>, </i>, <c.yellow>, <v.loud Name>, <font color="...">, and
# karaoke timestamps like <00:00:01.500>. Only tag-shaped text is removed so that
# a literal "a < b" in speech survives.
_TAG_RE = re.compile(r"</?(?:[A-Za-z][\w.\-]*|\d[\d:.]*)(?:[ \t][^<>]*)?>")
# SubStation overrides that some SRT exporters leave behind, e.g. {\an8}.
_ASS_RE = re.compile(r"\{\\[^{}]*\}")
_INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")

# "Name: text" — the colon must be followed by whitespace or the end of the line so
# that clock times ("10:30") and URLs ("https://") are not mistaken for labels.
_PREFIX_RE = re.compile(r"(?P<name>[^:\n]{1,60}?)\s*:(?:\s+(?P<rest>.*)|\s*$)", re.S)
# Lower-case particles that may appear inside a name ("Ana de la Cruz").
_PARTICLES = frozenset("de da del della der di do dos du la le van von bin al el y ten ter zu".split())
_NAME_FORBIDDEN = set('?!;"<>{}[]|=*#')


def collapse(text: str) -> str:
    # The invisible characters are all outside ASCII, and isascii() costs nothing.
    if not text.isascii():
        text = _INVISIBLE_RE.sub("", text)
    return " ".join(text.split())


def clean_text(text: str) -> str:
    """Strip markup and entities, then collapse whitespace."""
    # Most text has no markup: a substring test is much cheaper than a regular expression.
    if "<" in text:
        text = _TAG_RE.sub("", text)
    if "{" in text:
        text = _ASS_RE.sub("", text)
    return collapse(html.unescape(text))


def clean_speaker(name: str) -> str:
    return clean_text(name)


def looks_like_name(candidate: str) -> bool:
    """Heuristic for a speaker label such as "Alice Smith", "Speaker 1", "SPEAKER_00".

    Ordinary sentences that happen to contain a colon ("So what I said was: no")
    must not become speakers, so labels are short, contain a letter, do not start
    in lower case and carry no sentence punctuation.
    """
    name = candidate.strip()
    if not name or len(name) > 60 or name.endswith(","):
        return False
    if any(ch in _NAME_FORBIDDEN for ch in name):
        return False
    if not any(ch.isalpha() for ch in name):
        return False
    words = name.split()
    if len(words) > 6:
        return False
    if words[0][0].islower():
        return False
    if name.lower().startswith(("http", "www.")):
        return False
    return all(not w[0].islower() or w in _PARTICLES for w in words[1:])


def split_speaker(line: str) -> tuple[str, str] | None:
    """Split "Name: text" into (name, text); None when the line has no label."""
    match = _PREFIX_RE.match(line)
    if not match:
        return None
    name = match.group("name").strip()
    if not looks_like_name(name):
        return None
    return clean_speaker(name), (match.group("rest") or "").strip()
