"""Reads for independent coding: who may see which highlights (blind mode), agreement units, disagreements."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q

from .. import agreement as measures
from ..models import CODER_COLOURS, Assignment, Highlight, HighlightTag, Interview, Reconciliation, Tag, Utterance


def visible_highlights(queryset, viewer, prefix: str = ""):
    """Narrow a Highlight queryset to what ``viewer`` (a person; None for an API key) may see under blind mode.

    On an interview with assigned coders, a coder whose assignment is open sees only their own highlights;
    a coder who is done sees everyone's; anybody else sees the coders' highlights only once every coder is
    done (highlights by people who are not coders, reconciled ones included, stay visible). API keys are
    integrations, not people coding: they see every highlight, in lists, search and the changes feed alike.
    """
    if viewer is None:
        return queryset
    interview = OuterRef(f"{prefix}interview")
    mine = Q(**{f"{prefix}created_by": viewer})
    viewer_open = Exists(Assignment.objects.filter(interview=interview, coder=viewer, done_at__isnull=True))
    viewer_done = Exists(Assignment.objects.filter(interview=interview, coder=viewer, done_at__isnull=False))
    by_a_coder = Exists(Assignment.objects.filter(interview=interview, coder=OuterRef(f"{prefix}created_by")))
    anyone_open = Exists(Assignment.objects.filter(interview=interview, done_at__isnull=True))
    reconciled = Q(**{f"{prefix}reconciled": True})
    return queryset.filter(
        (~viewer_open | mine) & (mine | reconciled | ~by_a_coder | ~anyone_open | viewer_done)
    )


def _decided_by_the_team(prefix: str = "") -> Q:
    """A coder's own (not reconciled) highlight covering a unit the team has reconciled: superseded as evidence.

    The unit is an utterance inside the highlight's span and one of its tags. Units the coders agreed on are
    never reconciled, so their highlights stay the evidence; so do highlights by people who are not coders."""
    decided = Exists(Reconciliation.objects.filter(
        interview=OuterRef(f"{prefix}interview"),
        tag__highlight_links__highlight=OuterRef(f"{prefix}pk"),
        utterance__position__gte=OuterRef(f"{prefix}start_position"),
        utterance__position__lte=OuterRef(f"{prefix}end_position"),
    ))
    by_a_coder = Exists(Assignment.objects.filter(
        interview=OuterRef(f"{prefix}interview"), coder=OuterRef(f"{prefix}created_by")))
    return Q(**{f"{prefix}reconciled": False}) & by_a_coder & decided


def citable_highlights(queryset, prefix: str = ""):
    """Narrow a Highlight queryset to what may be cited anew: a coder's raw highlight on a unit the team has
    reconciled is replaced by the reconciled highlight (or was discarded), so it is not offered. Citations
    made before the reconciliation stay as they are."""
    return queryset.filter(~_decided_by_the_team(prefix))


def highlight_is_citable(*, highlight: Highlight) -> bool:
    return citable_highlights(Highlight.objects.filter(pk=highlight.pk)).exists()


def reconciled_highlights_over(*, highlight: Highlight) -> list[Highlight]:
    """The team's reconciled highlights on the same interview whose span meets this one's, in transcript order."""
    return list(
        Highlight.objects.filter(
            interview_id=highlight.interview_id, reconciled=True,
            start_position__lte=highlight.end_position, end_position__gte=highlight.start_position,
        ).order_by("start_position", "start_offset", "pk")
    )


def assignment_list(*, interview: Interview | None = None):
    queryset = Assignment.objects.select_related("interview", "coder").order_by("created_at", "pk")
    return queryset.filter(interview=interview) if interview is not None else queryset


def coder_colours(*, interview: Interview) -> dict[int, int]:
    """Each assigned coder's colour slot on this interview (user pk -> index into CODER_COLOURS, the
    ``coder-<n>`` CSS classes), by order of assignment."""
    coders = assignment_list(interview=interview).values_list("coder_id", flat=True)
    return {coder: index % len(CODER_COLOURS) for index, coder in enumerate(coders)}


def scope_interviews(*, interview: Interview | None = None, study=None) -> list[Interview]:
    """One interview, a study's interviews, or (neither) every interview that has coders."""
    if interview is not None:
        return [interview]
    if study is not None:
        return list(Interview.objects.filter(study=study).order_by("created_at", "pk"))
    with_coders = Assignment.objects.values("interview_id")
    return list(Interview.objects.filter(pk__in=with_coders).order_by("created_at", "pk"))


@dataclass
class CodingData:
    """Everything agreement and the disagreement view are computed from, in a fixed number of queries."""

    coders: list = field(default_factory=list)  # users, in a stable order
    coders_by_interview: dict = field(default_factory=dict)  # interview pk -> [user pk]
    utterances: list = field(default_factory=list)  # Utterance rows of interviews with coders, in order
    tags: list = field(default_factory=list)  # Tag rows any coder applied, by name
    # (utterance pk, tag pk, coder pk) -> the highlights of that coder with that tag overlapping the utterance
    applied: dict = field(default_factory=dict)

    def units_by_tag(self) -> dict:
        """{tag: [unit]}; a unit maps each coder of the utterance's interview to 1 (applies the tag) or 0."""
        return {
            tag: [
                {coder: int((utterance.pk, tag.pk, coder) in self.applied)
                 for coder in self.coders_by_interview[utterance.interview_id]}
                for utterance in self.utterances
            ]
            for tag in self.tags
        }


def coding_data(interviews: list[Interview]) -> CodingData:
    data = CodingData()
    assignments = list(
        Assignment.objects.filter(interview__in=interviews).select_related("coder").order_by("created_at", "pk")
    )
    users = {}
    for assignment in assignments:
        data.coders_by_interview.setdefault(assignment.interview_id, []).append(assignment.coder_id)
        users.setdefault(assignment.coder_id, assignment.coder)
    data.coders = sorted(users.values(), key=lambda user: str(user.public_id))
    if not assignments:
        return data
    data.utterances = list(
        Utterance.objects.filter(interview_id__in=list(data.coders_by_interview))
        .only("pk", "interview_id", "position", "text", "public_id")
        .order_by("interview_id", "position")
    )
    by_position = {(u.interview_id, u.position): u.pk for u in data.utterances}
    links = (
        HighlightTag.objects.filter(
            highlight__interview_id__in=list(data.coders_by_interview), highlight__reconciled=False,
            highlight__created_by__isnull=False,
        )
        .select_related("highlight")
        .order_by("highlight__start_position", "highlight__pk")
    )
    applied = defaultdict(list)
    tag_ids = set()
    for link in links:
        highlight = link.highlight
        if highlight.created_by_id not in data.coders_by_interview.get(highlight.interview_id, ()):
            continue  # only a coder's coding of an interview they were assigned counts
        tag_ids.add(link.tag_id)
        for position in range(highlight.start_position, highlight.end_position + 1):
            utterance = by_position.get((highlight.interview_id, position))
            if utterance is not None:
                applied[(utterance, link.tag_id, highlight.created_by_id)].append(highlight)
    data.applied = dict(applied)
    data.tags = list(Tag.objects.filter(pk__in=tag_ids).order_by("name", "pk"))
    return data


def agreement_report(data: CodingData) -> dict:
    """The API's agreement shape: coders and tags by public id."""
    units = data.units_by_tag()
    report = measures.agreement([user.pk for user in data.coders], {tag.pk: units[tag] for tag in data.tags})
    tags = {tag.pk: tag for tag in data.tags}
    report["coders"] = data.coders
    for row in report["tags"]:
        row["tag"] = tags[row["tag"]]
    return report


@dataclass
class Disagreement:
    utterance: Utterance
    tag: Tag
    # One entry per coder of the interview, in the coders' order: (user, applied?, their highlights there)
    coders: list
    reconciliation: Reconciliation | None = None


def disagreements(data: CodingData, *, tag: Tag | None = None) -> list[Disagreement]:
    """Units where the coders of the utterance's interview differ, tag by tag, in transcript order."""
    users = {user.pk: user for user in data.coders}
    rows = []
    for current in data.tags:
        if tag is not None and current.pk != tag.pk:
            continue
        for utterance in data.utterances:
            coders = data.coders_by_interview[utterance.interview_id]
            if len(coders) < 2:
                continue
            entries = [
                (users[coder], (utterance.pk, current.pk, coder) in data.applied,
                 data.applied.get((utterance.pk, current.pk, coder), []))
                for coder in sorted(coders, key=lambda pk: str(users[pk].public_id))
            ]
            if len({applied for _, applied, _ in entries}) > 1:
                rows.append(Disagreement(utterance, current, entries))
    decided = {
        (r.utterance_id, r.tag_id): r
        for r in Reconciliation.objects.filter(utterance_id__in=[row.utterance.pk for row in rows])
        .select_related("highlight", "decided_by")
    }
    for row in rows:
        row.reconciliation = decided.get((row.utterance.pk, row.tag.pk))
    return rows


def all_coders_done(*, interview: Interview) -> bool:
    assignments = Assignment.objects.filter(interview=interview)
    return assignments.exists() and not assignments.filter(done_at__isnull=True).exists()


def highlights_of_unit(*, utterance: Utterance, tag: Tag) -> list[Highlight]:
    """The coders' (not reconciled) highlights with ``tag`` that overlap ``utterance``."""
    coders = Assignment.objects.filter(interview_id=utterance.interview_id).values("coder_id")
    return list(
        Highlight.objects.filter(
            interview_id=utterance.interview_id, reconciled=False, created_by__in=coders, tag_links__tag=tag,
            start_position__lte=utterance.position, end_position__gte=utterance.position,
        ).order_by("start_position", "start_offset", "pk")
    )
