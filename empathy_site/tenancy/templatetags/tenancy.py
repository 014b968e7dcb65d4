"""Template filters of the tenancy pages, and text filters every page can load: counted, shorten, quoted."""

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe

from empathy_site import text
from empathy_site.tenancy.models import AuditAction

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    """The audit action's label from AuditAction; a value it no longer lists shows as itself."""
    return AuditAction(action).label if action in AuditAction.values else action


@register.filter
def counted(count, nouns: str) -> str:
    """{{ n|counted:"claim" }} -> "1 claim" / "3 claims"; {{ n|counted:"person,people" }} for irregular plurals."""
    singular, _, plural_form = nouns.partition(",")
    return text.plural(int(count or 0), singular, plural_form or None)


@register.filter
def shorten(value, limit) -> str:
    """Cut at a word near `limit` characters, with an ellipsis when cut and no trailing space."""
    return text.shorten(str(value) if value is not None else "", int(limit))


@register.filter(needs_autoescape=True)
def quoted(value, limit=None, autoescape=True):
    """“value” with no stray space inside the marks; {{ q|quoted:140 }} also shortens it.

    Safe HTML (a search snippet with <mark>s) is trimmed but never cut, so no tag is left open.
    """
    if isinstance(value, SafeData):
        return mark_safe(text.quoted(str(value)))  # noqa: S308 - already safe, only trimmed and wrapped
    body = text.quoted(str(value) if value is not None else "", int(limit) if limit else None)
    return mark_safe(conditional_escape(body) if autoescape else body)  # noqa: S308 - escaped just above
