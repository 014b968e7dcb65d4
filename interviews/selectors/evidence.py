"""Reads of the codebook and highlights: the tag tree, a tag's highlights, an interview's highlights in place."""

from django.db.models import Count, Prefetch

from ..models import Highlight, Interview, Tag


def tag_tree():
    """Every tag with its direct highlight count and distinct voices, ordered as a tree (parents first)."""
    tags = list(
        Tag.objects.annotate(
            highlight_count=Count("highlight_links", distinct=True),
            voice_count=Count("highlight_links__highlight__participant", distinct=True),
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


def tag_highlights(*, tag: Tag):
    """Highlights under a tag with everything the list shows, in a fixed number of queries."""
    return (
        Highlight.objects.filter(tag_links__tag=tag)
        .select_related("interview__study", "participant", "created_by")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .order_by("-created_at", "-pk")
    )


def interview_highlights(*, interview: Interview):
    return list(
        Highlight.objects.filter(interview=interview)
        .select_related("participant", "created_by")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .order_by("start_position", "start_offset")
    )


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
