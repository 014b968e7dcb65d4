"""The organisation (or one study) as a REFI-QDA project: what the QDPX and QDC exports write.

Speakers are named as the UI names them for this reader (interviews.selectors.label_speakers), except that a
speaker mapped to a participant is always written as the participant's pseudonym, which is also the participant's
Case: an import maps the speaker back to the participant. Participants' names and emails are never written.
"""

from __future__ import annotations

import uuid

from django.db.models import Prefetch, Q

from collaboration.models import Memo
from interviews.models import (
    Highlight,
    Interview,
    InterviewParticipant,
    Participant,
    SpeakerMapping,
    Study,
    Tag,
    Utterance,
)
from interviews.selectors import label_speakers

from .. import refi
from ..refi.plaintext import render

NOTE_NAMESPACE = uuid.UUID("3f1f7c1e-3a55-4c55-9d0e-6a4f4b7f0c21")


def note_guid(highlight_guid) -> str:
    """A highlight's note as a REFI note: a GUID derived from the highlight's, stable across exports."""
    return str(uuid.uuid5(NOTE_NAMESPACE, str(highlight_guid)))


def codebook_codes() -> list[refi.Code]:
    """Every tag as a code, nested under its parent; a tag's GUID is its public id (stable)."""
    tags = list(Tag.objects.order_by("name"))
    codes = {tag.pk: refi.Code(guid=str(tag.public_id), name=tag.name, colour=tag.colour, description=tag.description)
             for tag in tags}
    known = set(codes)
    roots, placed = [], set()
    children: dict = {}
    for tag in tags:
        children.setdefault(tag.parent_id if tag.parent_id in known else None, []).append(tag)
    stack = [(tag, None) for tag in reversed(children.get(None, []))]
    while stack:  # a bad row can never loop this walk: each tag placed once
        tag, parent = stack.pop()
        if tag.pk in placed:
            continue
        placed.add(tag.pk)
        (codes[parent.pk].children if parent else roots).append(codes[tag.pk])
        stack.extend((child, tag) for child in reversed(children.get(tag.pk, [])))
    roots += [codes[tag.pk] for tag in tags if tag.pk not in placed]  # tags on a loop: at the top, never lost
    return roots


def line_label(name: str) -> str:
    """A speaker's name as the plain text writes it before the colon."""
    return " ".join(name.replace(":", " ").split())[:60] or "Speaker"


def _speaker_name(speaker: SpeakerMapping) -> str:
    return line_label(speaker.participant.pseudonym if speaker.participant_id else speaker.display_label)


def project_snapshot(*, personal_data: bool, study: Study | None = None, name: str = "") -> refi.Project:
    interviews = Interview.objects.filter(status=Interview.Status.READY).select_related("study").order_by("created_at", "pk")
    if study is not None:
        interviews = interviews.filter(study=study)
    interviews = list(interviews)
    project = refi.Project(name=name or (study.name if study else "Groundwork project"), codes=codebook_codes())
    interview_ids = [i.pk for i in interviews]
    speakers = list(SpeakerMapping.objects.filter(interview_id__in=interview_ids).select_related("participant", "team_member"))
    label_speakers(speakers, personal_data=personal_data)
    speaker_names = {s.pk: _speaker_name(s) for s in speakers}
    lines: dict[int, list] = {pk: [] for pk in interview_ids}
    positions: dict[int, dict[int, int]] = {pk: {} for pk in interview_ids}
    rows = Utterance.objects.filter(interview_id__in=interview_ids).order_by("interview_id", "position")
    for interview_id, position, speaker_id, text in rows.values_list("interview_id", "position", "speaker_id", "text").iterator(2000):
        positions[interview_id][position] = len(lines[interview_id])
        lines[interview_id].append((speaker_names[speaker_id], text))
    highlights: dict[int, list[Highlight]] = {pk: [] for pk in interview_ids}
    query = (Highlight.objects.filter(interview_id__in=interview_ids).select_related("created_by")
             .prefetch_related(Prefetch("tags", queryset=Tag.objects.only("public_id")))
             .order_by("start_position", "start_offset", "pk"))
    users = {}
    for highlight in query.iterator(2000):
        highlights[highlight.interview_id].append(highlight)
        if highlight.created_by_id:
            users[highlight.created_by_id] = highlight.created_by
    project.users = [refi.User(guid=str(u.public_id), name=u.display_name) for u in users.values()]
    for interview in interviews:
        text, starts = render(lines[interview.pk])
        source = refi.TextSource(guid=str(interview.public_id), name=interview.title, text=text)
        where = positions[interview.pk]
        for highlight in highlights[interview.pk]:
            start = starts[where[highlight.start_position]] + highlight.start_offset
            end = starts[where[highlight.end_position]] + highlight.end_offset
            selection = refi.Selection(
                guid=str(highlight.public_id), start=start, end=end,
                code_guids=[str(tag.public_id) for tag in highlight.tags.all()],
                creating_user=str(highlight.created_by.public_id) if highlight.created_by_id else None,
            )
            if highlight.note:
                note = refi.Note(guid=note_guid(highlight.public_id), name=f"Note on “{highlight.quote[:40]}”",
                                 text=highlight.note)
                project.notes.append(note)
                selection.note_guids.append(note.guid)
            source.selections.append(selection)
        project.sources.append(source)
    _cases(project, interviews, speakers)
    studies = Study.objects.filter(pk=study.pk) if study is not None else Study.objects.order_by("name")
    by_study: dict = {}
    for interview in interviews:
        by_study.setdefault(interview.study_id, []).append(str(interview.public_id))
    project.sets = [refi.SetOfSources(guid=str(s.public_id), name=s.name, description=s.goal,
                                      source_guids=by_study.get(s.pk, [])) for s in studies]
    _memos(project, interviews, studies)
    return project


def _memos(project: refi.Project, interviews, studies) -> None:
    """Memos as notes, author and time kept: an interview's referred to by its TextSource (NoteRef), a tag's by
    its Code (NoteRef), a study's by its Set (MemberNote). The note's GUID is the memo's."""
    sources = {source.guid: source for source in project.sources}
    codes = {code.guid: code for code, _parent in project.all_codes()}
    sets = {group.guid: group for group in project.sets}
    users = {user.guid for user in project.users}
    memos = (Memo.objects.filter(Q(interview_id__in=[i.pk for i in interviews]) | Q(tag__isnull=False)
                                 | Q(study_id__in=[s.pk for s in studies]))
             .select_related("author", "interview", "tag", "study").order_by("created_at", "pk"))
    for memo in memos:
        target = memo.target
        holder = {"interview": sources, "tag": codes, "study": sets}[memo.target_type].get(str(target.public_id))
        if holder is None:
            continue
        author = str(memo.author.public_id) if memo.author_id else None
        if author and author not in users:
            users.add(author)
            project.users.append(refi.User(guid=author, name=memo.author.display_name))
        # An untitled memo's note has no name (the attribute is optional), so it comes back untitled.
        project.notes.append(refi.Note(guid=str(memo.public_id), name=memo.title, text=memo.body, creating_user=author,
                                       created=memo.created_at.isoformat()))
        holder.note_guids.append(str(memo.public_id))


def _cases(project: refi.Project, interviews, speakers) -> None:
    """Participants as cases, their attributes as text variables, their interviews as source references."""
    interview_guid = {i.pk: str(i.public_id) for i in interviews}
    sources: dict[int, set] = {}
    for speaker in speakers:
        if speaker.participant_id:
            sources.setdefault(speaker.participant_id, set()).add(interview_guid[speaker.interview_id])
    attendances = InterviewParticipant.objects.filter(interview_id__in=list(interview_guid), participant__isnull=False)
    for participant_id, interview_id in attendances.values_list("participant_id", "interview_id"):
        sources.setdefault(participant_id, set()).add(interview_guid[interview_id])
    participants = Participant.objects.filter(erased_at__isnull=True).order_by("pseudonym")
    variables: dict[str, refi.Variable] = {}
    for participant in participants:
        values = {str(k): str(v) for k, v in sorted((participant.attributes or {}).items()) if str(v).strip()}
        for key in values:
            variables.setdefault(key, refi.Variable(guid=str(uuid.uuid5(NOTE_NAMESPACE, f"variable:{key}")), name=key))
        project.cases.append(refi.Case(guid=str(participant.public_id), name=participant.pseudonym, values=values,
                                       source_guids=sorted(sources.get(participant.pk, ()))))
    project.variables = list(variables.values())
