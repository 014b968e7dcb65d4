"""The active tenant of this request, task or command.

A ContextVar, so threads and async tasks never see each other's tenant. Set it
only through `tenant_scope` (or the request middleware and the API base view,
which call `activate` inside an open transaction).
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING

from django.db import connection, transaction

if TYPE_CHECKING:
    from .models import Organization

_active_org_id: ContextVar[int | None] = ContextVar("active_org_id", default=None)


class NoActiveTenant(RuntimeError):
    """A tenant-owned table was queried with no organisation active."""


def active_org_id() -> int | None:
    return _active_org_id.get()


def require_org_id() -> int:
    org_id = _active_org_id.get()
    if org_id is None:
        raise NoActiveTenant(
            "No organisation is active. Wrap the code in tenant_scope(org) "
            "(tasks: use @tenant_task), or use Model.unscoped deliberately."
        )
    return org_id


def bind_transaction_to_org(org_id: int | None) -> None:
    """Tell PostgreSQL's row-level security which org this transaction serves.

    Precondition: a transaction is open (set_config(..., true) lasts until it ends;
    outside one it would vanish after the statement).

    A transaction already bound to `org_id` by this function is not bound again (a service's tenant_atomic inside
    a request's transaction costs no round trip). What was bound is remembered with the connection's list of
    on-commit callbacks, which Django replaces with a new list whenever the transaction ends (commit, rollback,
    a closed connection) and whenever a savepoint is rolled back (which also undoes a set_config made since):
    only while that very list is current is the remembered binding still PostgreSQL's. Not with autocommit
    turned off by hand, where a transaction can end without Django replacing the list: it then binds every time.
    """
    if connection.vendor != "postgresql":
        return
    if not connection.in_atomic_block:
        raise RuntimeError("bind_transaction_to_org needs an open transaction (transaction.atomic).")
    if _bound_org(org_id):
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.org_id', %s, true)", ["" if org_id is None else str(org_id)])
    connection.tenant_binding = (org_id, connection.run_on_commit)


def _bound_org(org_id: int | None) -> bool:
    """Whether this transaction is known to be bound to `org_id` (see bind_transaction_to_org)."""
    binding = getattr(connection, "tenant_binding", None)
    return (binding is not None and connection.commit_on_exit and binding[1] is connection.run_on_commit
            and binding[0] == org_id)


def activate(org_id: int) -> Token:
    """Make org_id the active tenant and bind the open transaction to it."""
    token = _active_org_id.set(org_id)
    bind_transaction_to_org(org_id)
    return token


def activate_without_transaction(org_id: int) -> Token:
    """Make org_id active for code that opens its own tenant_atomic() blocks."""
    return _active_org_id.set(org_id)


def deactivate(token: Token) -> None:
    _active_org_id.reset(token)


@contextlib.contextmanager
def tenant_scope(organization: Organization | int):
    """Run the block as `organization`, inside one transaction bound to it."""
    org_id = organization if isinstance(organization, int) else organization.pk
    outer_org_id = _active_org_id.get()
    with transaction.atomic():
        token = activate(org_id)
        try:
            yield
        finally:
            deactivate(token)
    # set_config survives a released savepoint: when this scope was nested in an
    # outer transaction, hand that transaction back bound to the outer org (or none).
    if outer_org_id != org_id and connection.in_atomic_block and not connection.needs_rollback:
        bind_transaction_to_org(outer_org_id)


@contextlib.contextmanager
def tenant_atomic(*, savepoint: bool = True):
    """A transaction (or savepoint) bound to the active org. Services' writes use this.

    Also a decorator. Raises NoActiveTenant when no org is active. `savepoint=False`: inside an open
    transaction, no savepoint (two round trips fewer); an error then fails the whole transaction.
    """
    org_id = require_org_id()
    with transaction.atomic(savepoint=savepoint):
        bind_transaction_to_org(org_id)
        yield


# No organisation has id 0 (ids start at 1), so queries built under it match nothing.
INTROSPECTION_ORG_ID = 0


@contextlib.contextmanager
def introspection_scope():
    """For code that builds querysets without a tenant to learn their shape (OpenAPI generation)."""
    token = _active_org_id.set(INTROSPECTION_ORG_ID)
    try:
        yield
    finally:
        _active_org_id.reset(token)
