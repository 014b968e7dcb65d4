"""`{% comment_thread object "persona" %}` and `{% memo_list object "study" %}` on the targets' pages."""

from django import template

from empathy_site.tenancy.roles import Perm, role_allows

from .. import selectors

register = template.Library()


def _can(context, perm):
    membership = context.get("membership")
    return bool(membership) and role_allows(membership.role, perm)


@register.inclusion_tag("collaboration/_comments.html", takes_context=True)
def comment_thread(context, target, target_type):
    return {
        "threads": selectors.comment_threads(target_type=target_type, target=target),
        "target": target, "target_type": target_type, "organization": context.get("organization"),
        "request": context.get("request"), "user": context.get("user"), "csrf_token": context.get("csrf_token"),
        "can_comment": _can(context, Perm.MESSAGES), "is_admin": _can(context, Perm.MANAGE_ORG),
        "members": selectors.mention_candidates(limit=50),
    }


@register.inclusion_tag("collaboration/_memos.html", takes_context=True)
def memo_list(context, target, target_type):
    return {
        "memos": selectors.memos_of(target_type=target_type, target=target),
        "target": target, "target_type": target_type, "organization": context.get("organization"),
        "request": context.get("request"), "csrf_token": context.get("csrf_token"),
        "can_write": _can(context, Perm.RESEARCH),
    }
