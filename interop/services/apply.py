"""What an imported codebook or project becomes: tags, participants, studies, interviews, highlights, notes.

Everything goes through the interviews app's services (tag_create, participant_create, study_create,
interview_create_from_utterances, speaker_map, highlight_create_many), so an import is what the same work done by hand
would be. Codes merge with existing tags by GUID, then by name (case-insensitive); the report counts what was
created and what matched, and lists what was skipped with the reason.
"""

from __future__ import annotations

import datetime
import hashlib
import uuid

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from collaboration import services as collaboration_services
from collaboration.models import Memo
from empathy_site.tenancy.context import require_org_id
from empathy_site.tenancy.models import User
from empathy_site.tenancy.selectors import is_member
from interviews import parsers
from interviews import services as interview_services
from interviews.models import Interview, Participant, SpeakerMapping, Study, Tag

from .. import refi
from ..refi.plaintext import locate, segment

MAX_TAG_NAME = 100
MAX_MEMO = collaboration_services.MAX_BODY


def _counts() -> dict:
    return {key: 0 for key in (
        "tags_created", "tags_matched", "participants_created", "participants_matched", "studies_created",
        "studies_matched", "interviews_created", "interviews_matched", "utterances_created", "highlights_created",
        "notes_imported", "memos_imported", "selections_skipped",
    )}


class _Codebook:
    """Tags of the organisation by GUID and by lower-case name, kept current while importing."""

    def __init__(self, report: dict, by: User | None):
        self.report, self.by = report, by
        tags = list(Tag.objects.all())
        self.by_guid = {str(tag.public_id): tag for tag in tags}
        self.by_name = {tag.name.lower(): tag for tag in tags}
        self.seen: set[int] = set()

    def _count(self, tag: Tag, created: bool) -> Tag:
        if tag.pk not in self.seen:
            self.seen.add(tag.pk)
            self.report["tags_created" if created else "tags_matched"] += 1
        return tag

    def find_or_create(self, *, name: str, parent: Tag | None, guid: str = "", colour: str | None = None,
                       description: str = "") -> Tag:
        if guid and guid in self.by_guid:
            return self._count(self.by_guid[guid], False)
        name = " ".join(name.split())[:MAX_TAG_NAME] or f"Code {guid[:8] or len(self.by_name) + 1}"
        if name.lower() in self.by_name:
            return self._count(self.by_name[name.lower()], False)
        tag = interview_services.tag_create(
            name=name, description=description, colour=colour, parent=parent, by=self.by,
            public_id=uuid.UUID(guid) if guid else None,
        )
        self.by_name[tag.name.lower()] = tag
        self.by_guid[str(tag.public_id)] = tag
        return self._count(tag, True)

    def add(self, codes: list[refi.Code], *, split_names: bool) -> dict[str, Tag]:
        """Every code (parents first) as a tag; returns GUID -> tag."""
        mapped: dict[str, Tag] = {}
        parents: dict[int, Tag | None] = {}
        stack = [(code, None) for code in reversed(codes)]
        while stack:
            code, parent = stack.pop()
            parent_tag = parents.get(id(parent)) if parent is not None else None
            name = code.name
            if split_names and "." in name.strip("."):
                *path, name = [part.strip() for part in name.split(".") if part.strip()]
                for part in path:  # Taguette's "Parent.Child": the parents, found or made
                    parent_tag = self.find_or_create(name=part, parent=parent_tag)
            tag = self.find_or_create(name=name, parent=parent_tag, guid=code.guid, colour=code.colour,
                                      description=code.description)
            if code.guid:
                mapped[code.guid] = tag
            parents[id(code)] = tag
            stack.extend((child, code) for child in reversed(code.children))
        return mapped


def apply_codebook(codes: list[refi.Code], *, split_names: bool, by: User | None) -> dict:
    report = _counts()
    _Codebook(report, by).add(codes, split_names=split_names)
    report["skipped"] = []
    return report


def _content_hash(source: refi.TextSource) -> str:
    """Recognises the same source imported again (the same GUID and text), so it is matched, not duplicated."""
    return hashlib.sha256(f"refi-qda\x00{source.guid}\x00{source.text}".encode()).hexdigest()


def apply_project(project: refi.Project, *, split_names: bool, by: User | None, created: dict | None = None) -> dict:
    """`created`, when given, is filled with what each GUID became: {"sources", "selections", "cases", "sets"}
    (GUID -> object), for a caller that restores more than REFI-QDA carries (the whole-org backup)."""
    report = _counts()
    created = created if created is not None else {}
    for key in ("sources", "selections", "cases", "sets"):
        created.setdefault(key, {})
    skipped = list(project.skipped)
    tags = _Codebook(report, by).add(project.codes, split_names=split_names)
    participants = _participants(project, report)
    studies = _studies(project, report)
    notes = {note.guid: note for note in project.notes}
    members = {str(user.public_id): user for user in User.objects.filter(
        public_id__in=[u.guid for u in project.users if _is_uuid(u.guid)]) if is_member(user=user, organization=require_org_id())}
    created["cases"].update(participants)
    created["sets"].update(studies)
    study_of = {guid: studies[group.guid] for group in project.sets for guid in group.source_guids}
    case_of_source: dict[str, list[Participant]] = {}
    for case in project.cases:
        for guid in case.source_guids:
            case_of_source.setdefault(guid, []).append(participants[case.guid])
    interviews: dict[str, Interview] = {}  # source GUID -> the interview it became or matched
    for source in project.sources:
        if source.text is None:
            continue
        segments = segment(source.text, max_chars=parsers.MAX_UTTERANCE_CHARS)
        if not segments:
            skipped.append({"name": source.name, "kind": "text", "reason": "It holds no text."})
            continue
        content_hash = _content_hash(source)
        existing = Interview.objects.filter(content_hash=content_hash).first()
        if existing is not None:
            report["interviews_matched"] += 1
            interviews[source.guid] = existing
            continue
        interview = interview_services.interview_create_from_utterances(
            title=source.name or "Imported source", content_hash=content_hash, original_filename=f"{source.name}.txt",
            utterances=[parsers.ParsedUtterance(s.speaker[:parsers.MAX_SPEAKER_CHARS], None, None, s.text) for s in segments],
            study=study_of.get(source.guid), by=by,
        )
        report["interviews_created"] += 1
        report["utterances_created"] += len(segments)
        created["sources"][source.guid] = interview
        interviews[source.guid] = interview
        _map_speakers(interview, case_of_source.get(source.guid, []), participants.values(), by)
        starts = [s.start for s in segments]
        located, items = [], []
        for selection in source.selections:
            start = locate(segments, starts, selection.start, is_end=False)
            end = locate(segments, starts, selection.end, is_end=True)
            if start is None or end is None or end <= start:
                report["selections_skipped"] += 1
                continue
            note = "\n\n".join(notes[g].text for g in selection.note_guids if g in notes and notes[g].text.strip())
            located.append(selection)
            items.append(interview_services.HighlightItem(
                span=interview_services.Span(start[0], start[1], end[0], end[1]),
                tags=tuple(tags[g] for g in dict.fromkeys(selection.code_guids) if g in tags), note=note,
                by=members.get(selection.creating_user or "", by),
            ))
        # All at once, checked as one by one; a selection of only whitespace is left out (nothing to keep).
        made = interview_services.highlight_create_many(interview=interview, items=items, skip_invalid=True)
        for selection, highlight in zip(located, made, strict=True):
            if highlight is None:
                report["selections_skipped"] += 1
                continue
            created["selections"][selection.guid] = highlight
            report["highlights_created"] += 1
            report["notes_imported"] += 1 if highlight.note else 0
        interview_services.interview_redact_if_policy(interview=interview)
    memos = [("interview", interviews.get(source.guid), source.note_guids) for source in project.sources]
    memos += [("tag", tags.get(code.guid), code.note_guids) for code, _parent in project.all_codes()]
    memos += [("study", studies.get(group.guid), group.note_guids) for group in project.sets]
    _memos(memos, notes, members, by, report, skipped)
    report["skipped"] = skipped
    return report


def _memos(targets: list[tuple], notes: dict, members: dict, by: User | None, report: dict, skipped: list) -> None:
    """Notes on a source, a code or a set as memos on the interview, tag or study, author and time kept. One
    already there (the same words on the same object: a project imported again) is not made twice."""
    for target_type, target, note_guids in targets:
        for guid in dict.fromkeys(note_guids):
            note = notes.get(guid)
            if target is None or note is None:
                continue
            body, title = note.text.strip(), " ".join(note.name.split())[:200]
            if not body or len(body) > MAX_MEMO:
                skipped.append({"name": note.name or guid, "kind": "note", "reason": (
                    "It is empty." if not body else f"It is longer than a memo can be ({MAX_MEMO} characters).")})
                continue
            if Memo.objects.filter(**{target_type: target}, title=title, body=body).exists():
                continue
            collaboration_services.memo_create(
                target_type=target_type, target=target, body=body, title=title,
                by=members.get(note.creating_user or "", by), created_at=_when(note.created),
            )
            report["memos_imported"] += 1


def _when(value: str | None):
    """An ISO 8601 date and time as written (a zone assumed UTC when none is given); None if unreadable."""
    moment = parse_datetime(value or "")
    if moment is None:
        return None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, datetime.UTC)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except (ValueError, TypeError):
        return False
    return True


def _participants(project: refi.Project, report: dict) -> dict[str, Participant]:
    """Cases as participants, matched by pseudonym; a new one takes the case's variables as attributes."""
    existing = {p.pseudonym.lower(): p for p in Participant.objects.all()}
    mapped = {}
    for case in project.cases:
        pseudonym = " ".join(case.name.split())[:100] or f"Case {case.guid[:8]}"
        participant = existing.get(pseudonym.lower())
        if participant is not None:
            report["participants_matched"] += 1
        else:
            participant = interview_services.participant_create(
                pseudonym=pseudonym, attributes={k[:100]: v[:500] for k, v in case.values.items() if k.strip()})
            existing[pseudonym.lower()] = participant
            report["participants_created"] += 1
        mapped[case.guid] = participant
    return mapped


def _studies(project: refi.Project, report: dict) -> dict[str, Study]:
    """Sets (of sources) as studies, matched by name."""
    existing = {s.name.lower(): s for s in Study.objects.all()}
    mapped = {}
    for group in project.sets:
        name = " ".join(group.name.split())[:200] or f"Set {group.guid[:8]}"
        study = existing.get(name.lower())
        if study is not None:
            report["studies_matched"] += 1
        else:
            study = interview_services.study_create(name=name, goal=group.description)
            existing[name.lower()] = study
            report["studies_created"] += 1
        mapped[group.guid] = study
    return mapped


def _map_speakers(interview: Interview, cases: list[Participant], everyone, by: User | None) -> None:
    """A speaker labelled with a participant's pseudonym is that participant: the cases that refer to this source
    first, then any participant of the import."""
    by_name = {p.pseudonym.lower(): p for p in everyone}
    by_name.update({p.pseudonym.lower(): p for p in cases})
    for speaker in SpeakerMapping.objects.filter(interview=interview):
        participant = by_name.get(speaker.label.lower())
        if participant is not None:
            interview_services.speaker_map(speaker=speaker, participant=participant, by=by)
