"""Reads for the patterns page: which tags each segment of participants mentions, and which tags occur together.

Counted in voices (distinct participants, and unmapped customer speakers once per interview), not highlights: ten
quotes from one person are one voice.
"""

from django.db.models import CharField, Count, F, Value

from empathy_site.json_keys import json_key_text

from ..models import HighlightTag, Participant, Tag
from .evidence import tag_tree, voice

# The column of customers whose speaker is not mapped to a participant yet: they have no attributes to segment by.
UNMAPPED_SEGMENT = "(unmapped speakers)"


def tag_segment_matrix(*, attribute: str):
    """For each tag and each value of a participant attribute: distinct participants who mention it.

    Ten quotes from one person are one voice, so this counts people, not highlights.
    Returns (values, rows) where rows = [(tag, {value: count}), ...].
    """
    counts = (
        HighlightTag.objects.annotate(
            # The key is whatever a researcher typed (spaces, quotes...): a literal key, never part of a lookup or alias.
            segment_value=json_key_text("highlight__participant__attributes", attribute) if attribute
            else Value(None, output_field=CharField()),
            voice=voice("highlight__"),
        )
        .filter(voice__isnull=False)
        .values("tag_id", "highlight__participant_id", "segment_value")
        .annotate(voices=Count("voice", distinct=True))
    )
    values, table = set(), {}
    for row in counts:
        value = row["segment_value"]
        if row["highlight__participant_id"] is None:
            value = UNMAPPED_SEGMENT
        elif value is None or value == "":
            value = "(not set)"
        value = str(value)
        values.add(value)
        table.setdefault(row["tag_id"], {})
        table[row["tag_id"]][value] = table[row["tag_id"]].get(value, 0) + row["voices"]
    tags = [t for t in tag_tree() if t.pk in table]
    return sorted(values), [(tag, table[tag.pk]) for tag in tags]


def tag_cooccurrence():
    """Pairs of tags on the same highlight: highlights and distinct voices per pair."""
    pairs = (
        HighlightTag.objects.filter(highlight__tag_links__tag_id__gt=F("tag_id"))
        .values("tag_id", "highlight__tag_links__tag_id")
        .annotate(highlights=Count("highlight_id", distinct=True), voices=Count(voice("highlight__"), distinct=True))
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
