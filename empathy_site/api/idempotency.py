"""Idempotency-Key on POST: the same key and body within IDEMPOTENCY_KEY_TTL_HOURS (24) replays the first response.

Two identical requests arriving together: the second waits on a per-key
advisory lock until the first commits, then replays its stored response.
The record is written in the same transaction as the work, so a failed
request leaves nothing behind and can be retried with the same key.
"""

import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from rest_framework import exceptions

from empathy_site.tenancy.context import tenant_atomic

from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
_LOCK_NAMESPACE = 71_004


def replay_window() -> timedelta:
    return timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)


class Replay(Exception):
    def __init__(self, record: IdempotencyRecord):
        self.record = record


def principal_of(request) -> str:
    api_key = getattr(request.user, "api_key", None)
    return f"key:{api_key.pk}" if api_key is not None else f"user:{request.user.pk}"


def request_fingerprint(request) -> str:
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    data = request.data
    if hasattr(data, "lists"):  # form and multipart: fields, then files by content
        for key, values in sorted(data.lists()):
            for value in values:
                if hasattr(value, "chunks"):
                    digest.update(key.encode())
                    for chunk in value.chunks():
                        digest.update(chunk)
                    value.seek(0)
                else:
                    digest.update(f"{key}={value}\n".encode())
    else:
        digest.update(json.dumps(data, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def begin(request, org_id: int) -> dict | None:
    """Returns the pending record's identity, or raises Replay / a 4xx. Precondition: inside the request transaction."""
    key = request.headers.get(HEADER, "").strip()
    if not key:
        return None
    if len(key) > 255:
        raise exceptions.ValidationError({HEADER: "Keep the Idempotency-Key under 256 characters."})
    principal = principal_of(request)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [_LOCK_NAMESPACE, f"{org_id}:{principal}:{key}"])
    fingerprint = request_fingerprint(request)
    IdempotencyRecord.objects.filter(principal=principal, key=key, created_at__lt=timezone.now() - replay_window()).delete()
    record = IdempotencyRecord.objects.filter(principal=principal, key=key).first()
    if record is not None:
        if record.request_hash != fingerprint:
            raise exceptions.ValidationError(
                {HEADER: "This Idempotency-Key was already used with a different request. Use a new key for a new request."}
            )
        raise Replay(record)
    return {"principal": principal, "key": key, "hash": fingerprint}


def store(pending: dict, response, org_id: int) -> None:
    if response.status_code >= 500:
        return  # not stored: the same key may be retried
    body = json.loads(json.dumps(getattr(response, "data", None), default=str))
    IdempotencyRecord.objects.create(
        organization_id=org_id, principal=pending["principal"], key=pending["key"], request_hash=pending["hash"],
        status_code=response.status_code, response_body=body,
    )


def idempotency_prune() -> int:
    """Delete the active org's records past the replay window: they hold response bodies, personal data included."""
    with tenant_atomic():
        deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - replay_window()).delete()
    return deleted
