"""Writes to the tenancy directory: organisations, memberships, API keys."""

import hashlib
import secrets
import zlib

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .audit import audit_record
from .models import ApiKey, Membership, Organization, Role
from .roles import API_KEY_SCOPES

User = get_user_model()

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
def organization_create(*, slug: str, name: str, owner=None) -> Organization:
    if Organization.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"An organisation with the address “{slug}” already exists."})
    org = Organization(slug=slug, name=name)
    org.full_clean()
    org.save()
    if owner is not None:
        Membership.objects.create(organization=org, user=owner, role=Role.ADMIN)
        audit_record(action="organization_created", organization=org, actor=owner, target=org)
    return org


def user_get_or_create(*, email: str, password: str | None = None, full_name: str = "") -> tuple:
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        return user, False
    user = User.objects.create_user(email=email, password=password, full_name=full_name)
    return user, True


@transaction.atomic
def membership_set(*, organization: Organization, user, role: str, by=None, request=None) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role “{role}”. Choose one of {', '.join(Role.values)}."})
    membership, created = Membership.objects.select_for_update().get_or_create(
        organization=organization, user=user, defaults={"role": role}
    )
    if created:
        audit_record(
            action="member_added", organization=organization, actor=by, target=user,
            request=request, details={"role": role},
        )
        return membership
    if membership.role != role:
        _refuse_removing_last_admin(membership, new_role=role)
        old = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        audit_record(
            action="role_changed", organization=organization, actor=by, target=user,
            request=request, details={"from": old, "to": role},
        )
    return membership


def _refuse_removing_last_admin(membership: Membership, *, new_role: str | None) -> None:
    if membership.role != Role.ADMIN or new_role == Role.ADMIN:
        return
    admins = Membership.objects.filter(organization_id=membership.organization_id, role=Role.ADMIN)
    if admins.count() <= 1:
        raise ValidationError("This is the organisation's last admin. Make someone else an admin first.")


@transaction.atomic
def membership_remove(*, membership: Membership, by=None, request=None) -> None:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    _refuse_removing_last_admin(membership, new_role=None)
    audit_record(
        action="member_removed", organization=membership.organization, actor=by,
        target=membership.user, request=request, details={"role": membership.role},
    )
    membership.delete()


@transaction.atomic
def api_key_create(*, organization: Organization, name: str, scopes: list[str], by=None, request=None):
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
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    audit_record(
        action="api_key_created", organization=organization, actor=by, target=key,
        request=request, details={"scopes": scopes},
    )
    return key, raw_key


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, by=None, request=None) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        audit_record(action="api_key_revoked", organization=api_key.organization, actor=by, target=api_key, request=request)
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
