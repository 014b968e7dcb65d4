"""Reads of interview data. Every query here runs through the tenant manager."""

from django.db.models import Count, Prefetch, Q

from empathy_site.json_keys import json_key_text

from .models import Highlight, HighlightTag, Interview, Participant, SpeakerMapping, Study, Tag, Utterance


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


def label_speakers(speakers, *, personal_data: bool) -> None:
    """Set `display_label` on each speaker: what this reader may call it.

    A raw label is the name as typed in the transcript file, often a real one ("Dana Whitfield"), so only
    readers who may see personal data get it. Everybody else gets the participant's pseudonym, the team
    member's name, or "Speaker N", N numbering the interview's speakers in the order they first spoke.
    Speakers need participant and team_member loaded (select_related).
    """
    speakers = list(speakers)
    if personal_data:
        for speaker in speakers:
            speaker.display_label = speaker.label
        return
    numbers, counts = {}, {}
    ordered = SpeakerMapping.objects.filter(interview_id__in={s.interview_id for s in speakers}).order_by("interview_id", "pk")
    for interview_id, pk in ordered.values_list("interview_id", "pk"):
        counts[interview_id] = counts.get(interview_id, 0) + 1
        numbers[pk] = counts[interview_id]
    for speaker in speakers:
        if speaker.participant_id:
            speaker.display_label = speaker.participant.pseudonym
        elif speaker.team_member_id:
            speaker.display_label = speaker.team_member.display_name
        else:
            speaker.display_label = f"Speaker {numbers.get(speaker.pk, '?')}"


def participant_search(*, query: str, personal_data: bool) -> Q:
    """Participants matching what was typed: by pseudonym for everybody; by name and email only for
    readers who may see them, so nobody can probe for a name they are not shown."""
    condition = Q(pseudonym__icontains=query)
    if personal_data:
        condition |= Q(name__icontains=query) | Q(email__icontains=query)
    return condition


def participant_list(*, personal_data: bool, query: str = ""):
    queryset = Participant.objects.annotate(interview_count=Count("attendances", distinct=True)).order_by("pseudonym")
    if query:
        queryset = queryset.filter(participant_search(query=query, personal_data=personal_data))
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


def tag_segment_matrix(*, attribute: str):
    """For each tag and each value of a participant attribute: distinct participants who mention it.

    Ten quotes from one person are one voice, so this counts people, not highlights.
    Returns (values, rows) where rows = [(tag, {value: count}), ...].
    """
    counts = (
        HighlightTag.objects.filter(highlight__participant__isnull=False)
        # The key is whatever a researcher typed (spaces, quotes...): a literal key, never part of a lookup or alias.
        .annotate(segment_value=json_key_text("highlight__participant__attributes", attribute))
        .values("tag_id", "segment_value")
        .annotate(voices=Count("highlight__participant", distinct=True))
    )
    values, table = set(), {}
    for row in counts:
        value = row["segment_value"]
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
