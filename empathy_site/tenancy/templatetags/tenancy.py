"""Template filters of the tenancy pages."""

from django import template

from empathy_site.tenancy.models import AuditAction

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    """The audit action's label from AuditAction; a value it no longer lists shows as itself."""
    return AuditAction(action).label if action in AuditAction.values else action
