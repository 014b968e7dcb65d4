"""Reads of the codebook and highlights: the tag tree, a tag's highlights, an interview's highlights in place."""

from django.db.models import Case, CharField, Count, Prefetch, Q, Value, When
from django.db.models.functions import Cast, Concat

from ..models import Highlight, Interview, SpeakerMapping, Tag
from .coding import coder_colours, visible_highlights

# An unmapped speaker counts as a customer voice unless the guess after parsing says interviewer.
CUSTOMER_GUESSES = [SpeakerMapping.GuessedRole.CUSTOMER, SpeakerMapping.GuessedRole.NONE]


def _unmapped_customer(path: str) -> Q:
    return Q(**{f"{path}__team_member__isnull": True, f"{path}__participant__isnull": True,
                f"{path}__guessed_role__in": CUSTOMER_GUESSES})


def voice(prefix: str = ""):
    """Who a highlight is a voice of, as an expression to count distinctly; `prefix` leads to the highlight
    ("highlight_links__highlight__" from a tag).

    A participant ("p<id>"); else an unmapped speaker who is not guessed to be the interviewer, once per interview
    ("s<speaker id>": speaker labels belong to one interview); else nobody (a team member's words are no voice).
    Counting participants alone would silently drop every customer whose speaker is not mapped yet.
    """
    def key(kind: str, field: str):
        return Concat(Value(kind), Cast(f"{prefix}{field}", output_field=CharField()), output_field=CharField())

    return Case(
        When(**{f"{prefix}participant__isnull": False}, then=key("p", "participant_id")),
        When(_unmapped_customer(f"{prefix}start_utterance__speaker"), then=key("s", "start_utterance__speaker_id")),
        When(_unmapped_customer(f"{prefix}end_utterance__speaker"), then=key("s", "end_utterance__speaker_id")),
        default=None, output_field=CharField(),
    )


def speaker_kind(prefix: str = ""):
    """"participant", "team", "unmapped" or "interviewer?" (unmapped, guessed to interview): who speaks in a
    highlight, for labelling it without loading its utterances."""
    speaker = f"{prefix}start_utterance__speaker"
    return Case(
        When(**{f"{prefix}participant__isnull": False}, then=Value("participant")),
        When(**{f"{speaker}__team_member__isnull": False}, then=Value("team")),
        When(**{f"{speaker}__guessed_role": SpeakerMapping.GuessedRole.INTERVIEWER}, then=Value("interviewer?")),
        default=Value("unmapped"), output_field=CharField(),
    )


def unmapped_speakers() -> dict:
    """How many speakers are not mapped yet (customers by the guess, and all), and in how many interviews."""
    unmapped = SpeakerMapping.objects.filter(participant__isnull=True, team_member__isnull=True)
    summary = unmapped.aggregate(
        speakers=Count("pk"),
        customers=Count("pk", filter=Q(guessed_role__in=CUSTOMER_GUESSES)),
        interviews=Count("interview", distinct=True),
    )
    # Where to start mapping: the newest interview with an unmapped customer.
    summary["first_interview"] = (
        unmapped.filter(guessed_role__in=CUSTOMER_GUESSES).order_by("-interview__created_at")
        .values_list("interview__public_id", flat=True).first()
    )
    return summary


def tag_tree():
    """Every tag with its direct highlight count and distinct voices (see `voice`), ordered as a tree (parents
    first)."""
    tags = list(
        Tag.objects.annotate(
            highlight_count=Count("highlight_links", distinct=True),
            voice_count=Count(voice("highlight_links__highlight__"), distinct=True),
        ).order_by("name")
    )
    children: dict = {}
    for tag in tags:
        children.setdefault(tag.parent_id, []).append(tag)
    ordered, placed = [], set()
    # Depth first without recursion (any depth), each tag placed once: a bad row can never loop this walk.
    stack = [(tag, 0) for tag in reversed(children.get(None, []))]
    while stack:
        tag, depth = stack.pop()
        if tag.pk in placed:
            continue
        placed.add(tag.pk)
        tag.depth = depth
        ordered.append(tag)
        stack.extend((child, depth + 1) for child in reversed(children.get(tag.pk, [])))
    for tag in tags:  # tags on a loop are unreachable from the top: show them, never hide a tag
        if tag.pk not in placed:
            tag.depth = 0
            ordered.append(tag)
    return ordered


def tag_highlights(*, tag: Tag, viewer=None):
    """Highlights under a tag with everything the list shows, in a fixed number of queries; blind mode applies
    for ``viewer``."""
    return (
        visible_highlights(Highlight.objects.filter(tag_links__tag=tag), viewer)
        .annotate(speaker_kind=speaker_kind())
        .select_related("interview__study", "participant", "created_by")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .order_by("-created_at", "-pk")
    )


def interview_highlights(*, interview: Interview, viewer=None):
    """The highlights on a transcript that ``viewer`` may see (blind mode), each with its coder's colour (or None)."""
    colours = coder_colours(interview=interview)
    highlights = list(
        visible_highlights(Highlight.objects.filter(interview=interview), viewer)
        .select_related("participant", "created_by")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .order_by("start_position", "start_offset")
    )
    for highlight in highlights:
        highlight.coder_slot = None if highlight.reconciled else colours.get(highlight.created_by_id)
    return highlights


def utterance_segments(utterances, highlights) -> None:
    """Attach `segments` to each utterance: runs of text with the highlights covering them.

    Lets the transcript show highlights in place without any JavaScript.
    """
    by_position: dict = {}
    for highlight in highlights:
        for position in range(highlight.start_position, highlight.end_position + 1):
            by_position.setdefault(position, []).append(highlight)
    for utterance in utterances:
        covering = by_position.get(utterance.position, [])
        text = utterance.text
        cuts = {0, len(text)}
        spans = []
        for highlight in covering:
            start = highlight.start_offset if highlight.start_position == utterance.position else 0
            end = highlight.end_offset if highlight.end_position == utterance.position else len(text)
            cuts.update((start, end))
            spans.append((start, end, highlight))
        ordered = sorted(cut for cut in cuts if 0 <= cut <= len(text))
        segments = []
        for begin, end in zip(ordered, ordered[1:], strict=False):
            if begin == end:
                continue
            marks = [h for s, e, h in spans if s <= begin and end <= e]
            segments.append({"text": text[begin:end], "highlights": marks})
        utterance.segments = segments or [{"text": text, "highlights": []}]


def recent_highlights(*, limit: int = 5):
    """The newest highlights with their interview, participant and tags: what the team found lately."""
    return list(
        Highlight.objects.select_related("interview", "participant", "created_by")
        .annotate(speaker_kind=speaker_kind())
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .order_by("-created_at", "-id")[:limit]
    )
