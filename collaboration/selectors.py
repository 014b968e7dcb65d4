"""Reads for comments and memos."""

from django.db.models import Prefetch

from empathy_site.tenancy.context import require_org_id
from empathy_site.tenancy.models import User

from .models import Comment, Memo


def members_by_email(*, emails) -> list[User]:
    """The active organisation's members with these emails (others are nobody here)."""
    if not emails:
        return []
    found = {u.email.lower(): u for u in User.objects.filter(
        memberships__organization_id=require_org_id(), email__in=[e.lower() for e in emails])}
    return [found[e.lower()] for e in emails if e.lower() in found]


def mention_candidates(*, query: str = "", limit: int = 8) -> list[User]:
    """Members to pick from when writing `@`: by email or name."""
    members = User.objects.filter(memberships__organization_id=require_org_id(), is_active=True)
    query = (query or "").strip().lstrip("@")
    if query:
        members = members.filter(email__icontains=query) | members.filter(full_name__icontains=query)
    return list(members.distinct().order_by("email")[:limit])


def comment_threads(*, target_type: str, target) -> list[Comment]:
    """The target's threads, oldest first, each with its replies and authors, in a fixed number of queries."""
    replies = Comment.objects.select_related("author").order_by("created_at", "id")
    return list(
        Comment.objects.filter(**{target_type: target}, parent__isnull=True)
        .select_related("author", "resolved_by")
        .prefetch_related(Prefetch("replies", queryset=replies))
        .order_by("created_at", "id")
    )


def memos_of(*, target_type: str, target) -> list[Memo]:
    return list(Memo.objects.filter(**{target_type: target}).select_related("author").order_by("-created_at", "-id"))
