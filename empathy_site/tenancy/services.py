"""Writes to the tenancy directory: organisations, memberships, invitations, API keys."""

import hashlib
import secrets
import zlib
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from .audit import AuditAction, audit_record
from .context import tenant_scope
from .mail import send_after_commit
from .models import ApiKey, Invitation, Membership, Organization, Role, User
from .roles import API_KEY_SCOPES

# Keys look like emp_<30 random base62><6 base62 CRC32 of the random part>.
# The fixed prefix and the checksum let secret scanners recognise a leaked key
# without asking us.
API_KEY_PREFIX = "emp_"
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_RANDOM_LEN = 30
_CHECKSUM_LEN = 6


def _base62(number: int, width: int) -> str:
    chars = []
    for _ in range(width):
        number, rem = divmod(number, 62)
        chars.append(_BASE62[rem])
    return "".join(reversed(chars))


def _checksum(body: str) -> str:
    return _base62(zlib.crc32(body.encode()), _CHECKSUM_LEN)


def api_key_looks_valid(raw_key: str) -> bool:
    """Format and checksum only: rejects typos without touching the database."""
    if not raw_key.startswith(API_KEY_PREFIX) or len(raw_key) != len(API_KEY_PREFIX) + _RANDOM_LEN + _CHECKSUM_LEN:
        return False
    body = raw_key[len(API_KEY_PREFIX) : -_CHECKSUM_LEN]
    return secrets.compare_digest(_checksum(body), raw_key[-_CHECKSUM_LEN:])


def api_key_hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


@transaction.atomic
def organization_create(*, slug: str, name: str, owner: User | None = None) -> Organization:
    if Organization.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"An organisation with the address “{slug}” already exists."})
    org = Organization(slug=slug, name=name)
    org.full_clean()
    org.save()
    if owner is not None:
        Membership.objects.create(organization=org, user=owner, role=Role.ADMIN)
        audit_record(action=AuditAction.ORGANIZATION_CREATED, organization=org, actor=owner, target=org)
    return org


def user_get_or_create(*, email: str, password: str | None = None, full_name: str = "") -> tuple[User, bool]:
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        return user, False
    user = User.objects.create_user(email=email, password=password, full_name=full_name)
    return user, True


@transaction.atomic
def membership_set(*, organization: Organization, user: User, role: str, by: User | None = None) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role “{role}”. Choose one of {', '.join(Role.values)}."})
    membership, created = Membership.objects.select_for_update().get_or_create(
        organization=organization, user=user, defaults={"role": role}
    )
    if created:
        audit_record(
            action=AuditAction.MEMBER_ADDED, organization=organization, actor=by, target=user, details={"role": role},
        )
        return membership
    if membership.role != role:
        _refuse_removing_last_admin(membership, new_role=role)
        old = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        audit_record(
            action=AuditAction.ROLE_CHANGED, organization=organization, actor=by, target=user,
            details={"from": old, "to": role},
        )
    return membership


def _refuse_removing_last_admin(membership: Membership, *, new_role: str | None) -> None:
    if membership.role != Role.ADMIN or new_role == Role.ADMIN:
        return
    admins = Membership.objects.filter(organization_id=membership.organization_id, role=Role.ADMIN)
    if admins.count() <= 1:
        raise ValidationError("This is the organisation's last admin. Make someone else an admin first.")


@transaction.atomic
def membership_remove(*, membership: Membership, by: User | None = None) -> None:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    _refuse_removing_last_admin(membership, new_role=None)
    audit_record(
        action=AuditAction.MEMBER_REMOVED, organization=membership.organization, actor=by,
        target=membership.user, details={"role": membership.role},
    )
    membership.delete()


# An invitation link works once, for this long.
INVITATION_VALID_FOR = timedelta(days=7)


class InvitationUnusable(Exception):
    """The invitation was accepted, withdrawn or has expired; `status` says which."""

    def __init__(self, status: str):
        super().__init__(f"This invitation is {status}.")
        self.status = status


def invitation_create(
    *, organization: Organization, email: str, role: str, by: User | None = None
) -> tuple[Invitation, str]:
    """Returns (Invitation, raw_token). The raw token exists only in this return value.

    Whether an account with this email exists anywhere is deliberately not looked
    at: the admin gets the same answer either way, and the person decides on the
    invitation page whether to join.
    """
    email = email.strip().lower()
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role “{role}”. Choose one of {', '.join(Role.values)}."})
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        # Only this organisation's own members are looked at: its admins see them on the members page anyway.
        raise ValidationError({"email": f"{email} is already a member of {organization.name}. Change their role instead."})
    raw_token = _new_invitation_token(organization)
    with tenant_scope(organization):
        invitation = Invitation.objects.create(
            organization=organization,
            email=email,
            role=role,
            token_hash=Invitation.hash_token(raw_token),
            created_by=by,
            expires_at=timezone.now() + INVITATION_VALID_FOR,
        )
        audit_record(
            action=AuditAction.MEMBER_INVITED, organization=organization, actor=by, target=invitation,
            details={"role": role},
        )
    return invitation, raw_token


def _new_invitation_token(organization: Organization) -> str:
    # The organisation's public id leads the token, so the link is resolved inside it (see the selector).
    return f"{organization.public_id.hex}.{secrets.token_urlsafe(32)}"


def invitation_email(*, invitation: Invitation, link: str, by: User | None = None) -> None:
    """Mails the link to the invited address once the transaction commits. The same words whether or not the
    address has an account: the invited person decides on the page the link opens."""
    inviter = by.display_name if by is not None else "An admin"
    organization = invitation.organization
    body = (
        f"{inviter} invites you to join {organization.name} on Groundwork as {invitation.get_role_display().lower()}.\n\n"
        f"Open this link to join (it works once, until {invitation.expires_at:%d %b %Y}):\n{link}\n\n"
        "If you did not expect this invitation, ignore this email."
    )
    send_after_commit(to=invitation.email, subject=f"Join {organization.name} on Groundwork", body=body)


def invitation_resend(*, invitation: Invitation, by: User | None = None) -> tuple[Invitation, str]:
    """A new link for a pending or expired invitation, valid from now; the old link stops working at once
    (its hash is replaced). Returns (Invitation, raw_token); the caller mails it with invitation_email."""
    raw_token = _new_invitation_token(invitation.organization)
    with tenant_scope(invitation.organization):
        updated = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True).update(
            token_hash=Invitation.hash_token(raw_token), expires_at=timezone.now() + INVITATION_VALID_FOR,
            created_at=timezone.now(),
        )
        invitation.refresh_from_db()
        if not updated:
            raise InvitationUnusable(invitation.status)
        audit_record(action=AuditAction.INVITATION_RESENT, organization=invitation.organization, actor=by,
                     target=invitation)
    return invitation, raw_token


def invitation_revoke(*, invitation: Invitation, by: User | None = None) -> Invitation:
    with tenant_scope(invitation.organization):
        revoked = Invitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        invitation.refresh_from_db()
        if not revoked:
            if invitation.accepted_at is not None:
                raise ValidationError(f"{invitation.email} has already accepted. Remove them from the members instead.")
            return invitation
        audit_record(
            action=AuditAction.INVITATION_REVOKED, organization=invitation.organization, actor=by, target=invitation,
        )
    return invitation


def _invitation_claim(invitation: Invitation, *, user: User | None = None) -> None:
    """Marks the invitation used, in one conditional UPDATE: of concurrent acceptances exactly one wins.

    Precondition: the caller runs in tenant_scope(invitation.organization), and the
    same transaction does the joining, so a failure after this point un-uses it.
    """
    now = timezone.now()
    claimed = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).update(accepted_at=now, accepted_by=user)
    invitation.refresh_from_db()
    if claimed != 1:
        raise InvitationUnusable(invitation.status)


def _invitation_join(invitation: Invitation, *, user: User) -> Membership:
    # Already a member (joined another way meanwhile): the role they have stays.
    membership, _ = Membership.objects.get_or_create(
        organization=invitation.organization, user=user, defaults={"role": invitation.role}
    )
    audit_record(
        action=AuditAction.INVITATION_ACCEPTED, organization=invitation.organization, actor=user, target=invitation,
        details={"role": membership.role},
    )
    return membership


def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """The signed-in person joins; only the account with the invited email may."""
    if user.email.lower() != invitation.email.lower():
        raise ValidationError("This invitation was sent to another email address than the one you are signed in with.")
    with tenant_scope(invitation.organization):
        _invitation_claim(invitation, user=user)
        return _invitation_join(invitation, user=user)


def invitation_accept_with_new_account(*, invitation: Invitation, full_name: str, password: str) -> User:
    """Creates the invited email's account and joins. Returns the new user."""
    taken = "An account with this email already exists. Sign in with it to accept the invitation."
    with tenant_scope(invitation.organization):
        _invitation_claim(invitation)
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise ValidationError(taken)
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email=invitation.email, password=password, full_name=full_name.strip()[:200]
                )
        except IntegrityError as error:
            # The same email signed up through another organisation's invitation at this very moment.
            raise ValidationError(taken) from error
        Invitation.objects.filter(pk=invitation.pk).update(accepted_by=user)
        invitation.accepted_by = user
        _invitation_join(invitation, user=user)
    return user


@transaction.atomic
def api_key_create(
    *, organization: Organization, name: str, scopes: list[str], by: User | None = None
) -> tuple[ApiKey, str]:
    """Returns (ApiKey, raw_key). The raw key exists only in this return value."""
    scopes = sorted(set(scopes))
    unknown = [s for s in scopes if s not in API_KEY_SCOPES]
    if not scopes or unknown:
        raise ValidationError({"scopes": f"Choose scopes from: {', '.join(API_KEY_SCOPES)}."})
    if not name.strip():
        raise ValidationError({"name": "Give the key a name that says where it is used."})
    body = "".join(secrets.choice(_BASE62) for _ in range(_RANDOM_LEN))
    raw_key = f"{API_KEY_PREFIX}{body}{_checksum(body)}"
    key = ApiKey.objects.create(
        organization=organization,
        name=name.strip()[:100],
        prefix=raw_key[:8],
        last_four=raw_key[-4:],
        key_hash=api_key_hash(raw_key),
        scopes=scopes,
        created_by=by,
    )
    audit_record(
        action=AuditAction.API_KEY_CREATED, organization=organization, actor=by, target=key, details={"scopes": scopes},
    )
    return key, raw_key


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, by: User | None = None) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        audit_record(action=AuditAction.API_KEY_REVOKED, organization=api_key.organization, actor=by, target=api_key)
    return api_key


# last_used_at is written at most this often per key, not on every request.
_LAST_USED_GRANULARITY_SECONDS = 60


def api_key_authenticate(*, raw_key: str) -> ApiKey | None:
    if not api_key_looks_valid(raw_key):
        return None
    key = (
        ApiKey.objects.select_related("organization")
        .filter(key_hash=api_key_hash(raw_key), revoked_at__isnull=True)
        .first()
    )
    if key is None:
        return None
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > _LAST_USED_GRANULARITY_SECONDS:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key



def sessions_end_everywhere(*, user: User) -> User:
    """Signs the person out of every browser: the session hash changes, so every existing session stops
    working. The caller keeps its own request signed in with update_session_auth_hash."""
    User.objects.filter(pk=user.pk).update(session_epoch=models.F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])
    audit_record(action=AuditAction.SESSIONS_ENDED, actor=user, target=user)
    return user
