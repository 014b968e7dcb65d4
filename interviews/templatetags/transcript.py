"""Template filters for transcripts: timecodes, durations, tag and highlight CSS classes, consent badges."""

from django import template

register = template.Library()


@register.filter
def timecode(milliseconds) -> str:
    """12:03 or 1:02:09 from milliseconds."""
    if milliseconds is None:
        return ""
    seconds = int(milliseconds) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def minutes(milliseconds) -> str:
    if not milliseconds:
        return ""
    seconds = int(milliseconds) // 1000
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{round(seconds / 60)} min"
    return f"{seconds // 3600} h {round(seconds % 3600 / 60)} min"


@register.filter
def tag_class(tag) -> str:
    """CSS class carrying a tag's colour (see TagStylesView)."""
    return f"t-{tag.public_id.hex[:12]}" if tag is not None else ""


@register.filter
def mark_class(highlights) -> str:
    first = highlights[0]
    tags = list(first.tags.all())
    classes = ["hl", tag_class(tags[0]) if tags else "hl-untagged"]
    if len(highlights) > 1:
        classes.append("hl-multi")
    # Independent coding: each coder's highlights are underlined in the coder's own colour.
    slot = getattr(first, "coder_slot", None)
    if slot is not None:
        classes.append(f"coder-{slot}")
    return " ".join(classes)


CONSENT_LABELS = {
    "withdrawn": ("Consent withdrawn", "consent-bad"),
    "expired": ("Consent expired", "consent-bad"),
    "missing": ("No consent recorded", "consent-warn"),
    "internal": ("Internal use only", "consent-warn"),
    "marketing": ("", ""),
}


@register.inclusion_tag("interviews/_consent_badge.html")
def consent_badge(participant):
    """Shown wherever someone's words are: marketers must see when a quote can't be used."""
    if participant is None:
        return {"label": "", "css": ""}
    label, css = CONSENT_LABELS.get(participant.consent_state(), ("", ""))
    return {"label": label, "css": css}
