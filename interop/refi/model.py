"""What a REFI-QDA project holds, as far as Groundwork reads and writes it. GUIDs are strings as written."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Code:
    guid: str
    name: str
    colour: str | None = None
    description: str = ""
    children: list[Code] = field(default_factory=list)
    # Notes on the code (Groundwork: the tag's memos).
    note_guids: list[str] = field(default_factory=list)


@dataclass
class User:
    guid: str
    name: str


@dataclass
class Variable:
    guid: str
    name: str


@dataclass
class Case:
    guid: str
    name: str
    description: str = ""
    # variable name -> value
    values: dict[str, str] = field(default_factory=dict)
    source_guids: list[str] = field(default_factory=list)


@dataclass
class Note:
    guid: str
    name: str
    text: str
    creating_user: str | None = None  # a User's GUID
    created: str | None = None  # ISO 8601 date and time


@dataclass
class Selection:
    """Characters [start, end) of the source's plain text, with the codes applied to it and its notes."""

    guid: str
    start: int
    end: int
    code_guids: list[str] = field(default_factory=list)
    note_guids: list[str] = field(default_factory=list)
    creating_user: str | None = None


@dataclass
class TextSource:
    guid: str
    name: str
    # Missing when the source is not text (kind says what it is) or its text could not be read (reason says why).
    text: str | None = None
    kind: str = "text"
    reason: str = ""
    selections: list[Selection] = field(default_factory=list)
    note_guids: list[str] = field(default_factory=list)


@dataclass
class SetOfSources:
    guid: str
    name: str
    description: str = ""
    source_guids: list[str] = field(default_factory=list)
    # MemberNote: notes of the set (Groundwork: the study's memos).
    note_guids: list[str] = field(default_factory=list)


@dataclass
class Project:
    name: str
    codes: list[Code] = field(default_factory=list)
    users: list[User] = field(default_factory=list)
    variables: list[Variable] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    sources: list[TextSource] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    sets: list[SetOfSources] = field(default_factory=list)
    # What was passed over while reading (other source types, unreadable text), as {"name", "kind", "reason"}.
    skipped: list[dict] = field(default_factory=list)

    def all_codes(self):
        """Depth first, parents before children: (code, parent or None)."""
        stack = [(code, None) for code in reversed(self.codes)]
        while stack:
            code, parent = stack.pop()
            yield code, parent
            stack.extend((child, code) for child in reversed(code.children))
