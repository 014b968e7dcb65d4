from django import template

register = template.Library()

STRENGTH_LABELS = {
    "strong": "Strong evidence",
    "adequate": "Meets the policy",
    "weak": "Falls short",
    "none": "No evidence",
}

COLOUR_CLASSES = ["#6366f1", "#0ea5e9", "#10b981", "#f59e0b", "#ef4444", "#8b5cf6", "#ec4899", "#14b8a6"]


@register.filter
def strength_label(level: str) -> str:
    return STRENGTH_LABELS.get(level, level)


@register.filter
def avatar_class(persona) -> str:
    """A palette class (the CSP forbids inline colours); unknown colours fall back to the first."""
    colour = (persona.avatar_colour or "").lower()
    return f"avatar-{COLOUR_CLASSES.index(colour) if colour in COLOUR_CLASSES else 0}"


@register.filter
def get_item(mapping, key):
    return mapping.get(key, 0) if hasattr(mapping, "get") else 0
