"""Template filters for persona pages: strength labels, avatar colours, dashboard lookups."""

from django import template

from ..models.personas import AVATAR_COLOURS

register = template.Library()

STRENGTH_LABELS = {
    "strong": "Strong evidence",
    "adequate": "Meets the policy",
    "weak": "Falls short",
    "none": "No evidence",
}

@register.filter
def strength_label(level: str) -> str:
    return STRENGTH_LABELS.get(level, level)


@register.filter
def avatar_class(persona) -> str:
    """A palette class (the CSP forbids inline colours); unknown colours fall back to the first."""
    colour = (persona.avatar_colour or "").lower()
    return f"avatar-{AVATAR_COLOURS.index(colour) if colour in AVATAR_COLOURS else 0}"


@register.filter
def get_item(mapping, key):
    return mapping.get(key, 0) if hasattr(mapping, "get") else 0
