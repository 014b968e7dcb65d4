"""Reads of the tenancy directory."""

from django.db.models import Q

from .models import ApiKey, AuditEvent, Membership, Organization


def membership_get(*, user, organization: Organization) -> Membership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Membership.objects.filter(user=user, organization=organization).first()


def membership_get_by_slug(*, user, slug: str) -> Membership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Membership.objects.select_related("organization").filter(user=user, organization__slug=slug).first()


def user_memberships(*, user):
    return Membership.objects.filter(user=user).select_related("organization").order_by("organization__name")


def organization_members(*, organization: Organization):
    return Membership.objects.filter(organization=organization).select_related("user").order_by("user__email")


def organization_api_keys(*, organization: Organization):
    return ApiKey.objects.filter(organization=organization).select_related("created_by").order_by("-created_at")


def organization_audit_events(*, organization: Organization):
    """The org's own events, and sign-in events of its current members."""
    member_ids = Membership.objects.filter(organization=organization).values("user_id")
    return (
        AuditEvent.objects.filter(
            Q(organization=organization)
            | Q(organization__isnull=True, actor_id__in=member_ids)
        )
        .select_related("actor")
        .order_by("-created_at", "-id")
    )
