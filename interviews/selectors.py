"""Reads of interview data. Every query here runs through the tenant manager."""

from django.db.models import Count, Prefetch, Q

from .models import Highlight, HighlightTag, Interview, Participant, Study, Tag, Utterance


def organization_overview() -> dict:
    interviews = Interview.objects.aggregate(
        total=Count("id"),
        ready=Count("id", filter=Q(status=Interview.Status.READY)),
        failed=Count("id", filter=Q(status=Interview.Status.FAILED)),
        pending=Count("id", filter=Q(status__in=[Interview.Status.QUEUED, Interview.Status.PROCESSING])),
    )
    return {
        "interviews": interviews,
        "participants": Participant.objects.count(),
        "studies": Study.objects.count(),
        "utterances": Utterance.objects.count(),
        "recent_interviews": list(Interview.objects.select_related("study").order_by("-created_at")[:6]),
    }


def interview_list(*, study=None, status=None):
    queryset = Interview.objects.select_related("study").order_by("-created_at")
    if study is not None:
        queryset = queryset.filter(study=study)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.prefetch_related("attendances__participant")


def interview_transcript(*, interview: Interview):
    """Utterances with their speakers and participants, in order: three queries whatever the length."""
    return list(
        Utterance.objects.filter(interview=interview)
        .select_related("speaker__participant", "speaker__team_member")
        .order_by("position")
    )


def interview_speakers(*, interview: Interview):
    return list(
        interview.speakers.select_related("participant", "team_member")
        .annotate(utterance_count=Count("utterances"))
        .order_by("-utterance_count", "label")
    )


def participant_list(*, query: str = ""):
    queryset = Participant.objects.annotate(interview_count=Count("attendances", distinct=True)).order_by("pseudonym")
    if query:
        queryset = queryset.filter(Q(pseudonym__icontains=query) | Q(name__icontains=query))
    return queryset


def study_list():
    return Study.objects.annotate(interview_count=Count("interviews")).order_by("-created_at")


# Codebook and highlights ------------------------------------------------------


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
    ordered = []

    def walk(parent_id, depth):
        for tag in children.get(parent_id, []):
            tag.depth = depth
            ordered.append(tag)
            walk(tag.pk, depth + 1)

    walk(None, 0)
    seen = {t.pk for t in ordered}
    ordered += [t for t in tags if t.pk not in seen]  # defensive: never hide a tag
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


def tag_segment_matrix(*, attribute: str):
    """For each tag and each value of a participant attribute: distinct participants who mention it.

    Ten quotes from one person are one voice, so this counts people, not highlights.
    Returns (values, rows) where rows = [(tag, {value: count}), ...].
    """
    key = f"highlight__participant__attributes__{attribute}"
    counts = (
        HighlightTag.objects.filter(highlight__participant__isnull=False)
        .values("tag_id", key)
        .annotate(voices=Count("highlight__participant", distinct=True))
    )
    values, table = set(), {}
    for row in counts:
        value = row[key]
        if value is None or value == "":
            value = "(not set)"
        value = str(value)
        values.add(value)
        table.setdefault(row["tag_id"], {})
        table[row["tag_id"]][value] = table[row["tag_id"]].get(value, 0) + row["voices"]
    tags = [t for t in tag_tree() if t.pk in table]
    return sorted(values), [(tag, table[tag.pk]) for tag in tags]


def tag_cooccurrence():
    """Pairs of tags on the same highlight: highlights and distinct voices per pair."""
    from django.db.models import F

    pairs = (
        HighlightTag.objects.filter(highlight__tag_links__tag_id__gt=F("tag_id"))
        .values("tag_id", "highlight__tag_links__tag_id")
        .annotate(highlights=Count("highlight_id", distinct=True), voices=Count("highlight__participant", distinct=True))
        .order_by("-voices", "-highlights")
    )
    names = {t.pk: t for t in Tag.objects.all()}
    return [
        (names[p["tag_id"]], names[p["highlight__tag_links__tag_id"]], p["highlights"], p["voices"])
        for p in pairs
        if p["tag_id"] in names and p["highlight__tag_links__tag_id"] in names
    ]


def participant_attribute_keys() -> list[str]:
    keys = set()
    for attributes in Participant.objects.values_list("attributes", flat=True):
        if isinstance(attributes, dict):
            keys.update(attributes)
    return sorted(keys)


def pending_findings(*, interview: Interview, utterances):
    """Pending redaction findings with a short excerpt of what would be replaced."""
    from .models import RedactionFinding

    by_id = {u.pk: u for u in utterances}
    findings = list(RedactionFinding.objects.filter(interview=interview, status=RedactionFinding.Status.PENDING))
    for finding in findings:
        utterance = by_id.get(finding.utterance_id)
        finding.utterance = utterance
        finding.excerpt = utterance.text[finding.start:finding.end] if utterance else ""
    return [f for f in findings if f.utterance is not None]
