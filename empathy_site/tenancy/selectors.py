"""Reads of the tenancy directory."""

import uuid
from string import hexdigits

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from .context import tenant_scope
from .models import ApiKey, AuditEvent, Invitation, Membership, Notification, Organization, User


def is_member(*, user: User | None, organization: Organization | int) -> bool:
    """Whether `user` belongs to `organization` (or the organisation with that id): the one membership check."""
    if user is None or not user.is_authenticated:
        return False
    organization_id = organization if isinstance(organization, int) else organization.pk
    return Membership.objects.filter(organization_id=organization_id, user=user).exists()


def membership_get_by_slug(*, user, slug: str) -> Membership | None:
    """The signed-in person's membership of the organisation a URL or header names by slug, or None:
    "not a member" and "no such organisation" look the same to the caller."""
    if not user.is_authenticated:
        return None
    return Membership.objects.select_related("organization").filter(user=user, organization__slug=slug).first()


def user_memberships(*, user):
    return Membership.objects.filter(user=user).select_related("organization").order_by("organization__name")


def organization_members(*, organization: Organization):
    return Membership.objects.filter(organization=organization).select_related("user").order_by("user__email")


def organization_pending_invitations(*, organization: Organization):
    return (
        Invitation.objects.filter(
            organization=organization, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
        .select_related("created_by")
        .order_by("-created_at")
    )


def organization_invitations(*, organization: Organization, limit: int = 200):
    """Every invitation with its state (`status`: pending, accepted, expired, revoked), newest first."""
    return Invitation.objects.filter(organization=organization).select_related("created_by", "accepted_by").order_by(
        "-created_at", "-id")[:limit]


def invitation_by_token_outside_any_org(*, raw_token: str) -> Invitation | None:
    """Resolves an invitation link while no organisation is active: the one way to find an invitation by token.

    The token begins with the inviting organisation's public id; the invitation is
    then looked up inside that organisation, by the hash of the whole token, so
    neither the tenant manager nor row-level security is bypassed. Callers act on
    the invitation's own organisation, never on one named by the request.
    """
    org_part, dot, secret = raw_token.partition(".")
    if len(raw_token) > 128 or not dot or not secret or len(org_part) != 32 or org_part.strip(hexdigits):
        return None
    organization = Organization.objects.filter(public_id=uuid.UUID(hex=org_part)).first()
    if organization is None:
        return None
    with tenant_scope(organization):
        return Invitation.objects.select_related("organization").filter(token_hash=Invitation.hash_token(raw_token)).first()


def user_with_email_exists(*, email: str) -> bool:
    """Only for the invited person's own page: never answer this to an organisation."""
    return User.objects.filter(email__iexact=email).exists()


def organization_api_keys(*, organization: Organization):
    return ApiKey.objects.filter(organization=organization).select_related("created_by").order_by("-created_at")


# Events that belong to a person, not to an organisation (recorded with none).
SIGN_IN_ACTIONS = ("login", "logout", "login_failed")


def organization_audit_events(*, organization: Organization):
    """What happened in this organisation, and its current members' sign-ins since they joined.

    A person's sign-ins from before they joined, and anything recorded for another
    organisation or for none (an organisation deleted elsewhere), are that
    person's or that organisation's business, not this one's.
    """
    member_since = Membership.objects.filter(
        organization=organization, user_id=OuterRef("actor_id"), created_at__lte=OuterRef("created_at")
    )
    return (
        AuditEvent.objects.filter(
            Q(organization=organization)
            | Q(Exists(member_since), organization__isnull=True, action__in=SIGN_IN_ACTIONS)
        )
        .select_related("actor")
        .order_by("-created_at", "-id")
    )


def unread_notification_count(*, user: User) -> int:
    """The member's unread notifications in the active organisation."""
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notifications_for(*, user: User, limit: int = 100):
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")[:limit]
