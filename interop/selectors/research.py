"""What the researcher exports hold, read through the selectors the UI uses (so consent and redaction are exactly
the UI's: stored text is already redacted; speakers are named as label_speakers names them for this reader)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch

from interviews.models import Highlight, Interview, Tag, Utterance
from interviews.selectors import (
    SearchFilters,
    interview_highlights,
    label_speakers,
    search_highlights,
    speaker_kind,
    tag_tree,
    utterance_segments,
)
from personas.selectors import persona_detail

MAX_EXPORT_HIGHLIGHTS = 20000


@dataclass
class HighlightRow:
    highlight: Highlight
    tags: list[Tag]
    participant: str  # pseudonym, or "" when no participant speaks in it
    consent: str  # the participant's consent state, as the UI shows it
    interview: Interview


def export_highlights(*, tag: Tag | None = None, query: str = "", study=None) -> list[HighlightRow]:
    """Highlights of a tag (and its sub-tags), of a search, of a study, or all; in transcript order per interview."""
    if query.strip():
        found = search_highlights(query=query[:200], filters=SearchFilters(study=study, tag=tag), limit=MAX_EXPORT_HIGHLIGHTS)
        ids = [h.pk for h in found]
        queryset = Highlight.objects.filter(pk__in=ids)
    else:
        queryset = Highlight.objects.all()
        if tag is not None:
            queryset = queryset.filter(tag_links__tag_id__in=_subtree(tag)).distinct()
        if study is not None:
            queryset = queryset.filter(interview__study=study)
    queryset = (queryset.annotate(speaker_kind=speaker_kind())
                .select_related("interview__study", "participant")
                .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
                .order_by("interview__title", "interview_id", "start_position", "start_offset")[:MAX_EXPORT_HIGHLIGHTS])
    return [HighlightRow(highlight=h, tags=list(h.tags.all()),
                         participant=h.participant.pseudonym if h.participant_id else "",
                         consent=h.participant.consent_state() if h.participant_id else "",
                         interview=h.interview) for h in queryset]


def _subtree(tag: Tag) -> set[int]:
    parents = dict(Tag.objects.values_list("pk", "parent_id"))
    wanted, grew = {tag.pk}, True
    while grew:
        grew = False
        for pk, parent in parents.items():
            if parent in wanted and pk not in wanted:
                wanted.add(pk)
                grew = True
    return wanted


def top_level_of(tags: list[Tag]) -> dict[int, Tag]:
    """Each tag's top-level ancestor (itself at the top); loops end at the tag itself."""
    by_pk = {t.pk: t for t in Tag.objects.all()}
    tops = {}
    for tag in tags:
        node, seen = by_pk.get(tag.pk, tag), set()
        while node.parent_id and node.parent_id in by_pk and node.pk not in seen:
            seen.add(node.pk)
            node = by_pk[node.parent_id]
        tops[tag.pk] = node
    return tops


def export_codebook():
    """Tags as the codebook page lists them: tree order, depth, highlight and voice counts."""
    return tag_tree()


def export_transcript(*, interview: Interview, personal_data: bool):
    """Utterances with `segments` (runs of text and the highlights covering them) and speakers' display labels."""
    utterances = list(Utterance.objects.filter(interview=interview).select_related(
        "speaker__participant", "speaker__team_member").order_by("position"))
    label_speakers([u.speaker for u in utterances], personal_data=personal_data)
    highlights = interview_highlights(interview=interview)
    utterance_segments(utterances, highlights)
    numbers = {h.pk: number for number, h in enumerate(highlights, start=1)}
    return utterances, highlights, numbers


def export_persona(*, persona):
    policy, claims = persona_detail(persona=persona)
    return policy, claims
