"""Concurrent writers: unique values taken by a racing write, and per-org locks.

A service checks a unique value first to give a friendly message, but the check
and the INSERT are two statements: a concurrent writer can take the value in
between. The database's unique constraint is what holds; `unique_or_conflict`
turns its refusal into the same typed error the check raises, so the API
answers 409 and a form shows a field error instead of a 500.
"""

import contextlib

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from .context import require_org_id

_UNIQUE_VIOLATION = "23505"


class Conflict(ValidationError):
    """The value is already taken, perhaps by a write that committed a moment ago.

    A ValidationError, so forms and callers that catch those show it on its field;
    the API answers 409 with code "conflict".
    """

    def __init__(self, message, code="conflict", params=None):
        super().__init__(message, code=code, params=params)


@contextlib.contextmanager
def unique_or_conflict(constraint: str, field: str, message: str):
    """Run the block in a savepoint; if `constraint` (a UniqueConstraint name) refuses a row,
    raise Conflict({field: message}). The savepoint keeps the caller's transaction usable;
    any other integrity error propagates unchanged."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as error:
        if not _violates(error, constraint):
            raise
        raise Conflict({field: message}) from error


def _violates(error: IntegrityError, constraint: str) -> bool:
    cause = error.__cause__
    diag = getattr(cause, "diag", None)
    if diag is not None:  # PostgreSQL names the constraint
        return getattr(cause, "sqlstate", None) == _UNIQUE_VIOLATION and diag.constraint_name == constraint
    # SQLite names only columns; each block guards one constraint, so a unique failure is that one.
    return str(error).startswith("UNIQUE constraint failed")


def org_lock(topic: str) -> None:
    """Serialise one kind of change (e.g. "interviews.tag_tree") within the active org until the
    transaction ends, so a check made under the lock still holds when the change commits.

    Precondition: inside the transaction that makes the change. Take it before any row lock of
    the same change, so every path locks in one order. SQLite serialises writers by itself.
    """
    if connection.vendor != "postgresql":
        return
    if not connection.in_atomic_block:
        raise RuntimeError("org_lock needs an open transaction (tenant_atomic).")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s), %s::int)", [topic, require_org_id()])
