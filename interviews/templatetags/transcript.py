"""Template filters and tags for transcripts: timecodes, durations, tag and highlight CSS classes, the transcript
page's utterances, consent badges."""

import html

from django import template
from django.utils.safestring import mark_safe

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


@register.simple_tag
def utterance(u):
    """One utterance of the transcript page: speaker, a link to its moment, and its text with the highlighted runs
    marked (selectors.utterance_segments set `segments`), each mark titled with its highlights' tags.

    Built here rather than in the template, with the standard library's escaping (which Django's `escape` wraps),
    because a one-hour transcript has hundreds of them and the per-variable cost of templates and format_html made
    this loop most of the page's time. Every text interpolated below goes through `_e`; the rest are integers.
    Speakers need `display_label` set (selectors.label_speakers) when mapped to nobody."""
    speaker = u.speaker
    if speaker.participant_id:
        name = speaker.participant.pseudonym
    elif speaker.team_member_id:
        name = speaker.team_member.display_name
    else:
        name = speaker.display_label
    position = int(u.position)
    if u.start_ms is not None:
        end = "" if u.end_ms is None else int(u.end_ms)
        times = f' data-start-ms="{int(u.start_ms)}" data-end-ms="{end}"'
        moment = f'<a class="timestamp" href="#u-{position}" title="Link to this moment">{timecode(u.start_ms)}</a>'
    else:
        times = ""
        moment = f'<a class="timestamp" href="#u-{position}">#{position + 1}</a>'
    text = "".join(map(_segment_html, u.segments))
    team = " is-team" if speaker.team_member_id else ""
    return mark_safe(  # noqa: S308  (every text above is escaped by _e)
        f'<article class="utterance{team}" id="u-{position}" data-utterance data-position="{position}"{times}>\n'
        f'<header><span class="speaker">{_e(name)}</span> {moment}</header>\n<p data-text>{text}</p>\n</article>'
    )


def _e(text) -> str:
    return html.escape(str(text))


def _segment_html(segment) -> str:
    highlights = segment["highlights"]
    if not highlights:
        return _e(segment["text"])
    title = " · ".join(", ".join(tag.name for tag in highlight.tags.all()) for highlight in highlights)
    return (f'<mark class="{_e(mark_class(highlights))}" data-highlight="{_e(highlights[0].public_id)}" '
            f'title="{_e(title)}">{_e(segment["text"])}</mark>')


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
