from django import template

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    """login_failed -> Login failed."""
    return action.replace("_", " ").capitalize()
