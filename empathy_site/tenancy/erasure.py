"""Deleting a whole organisation, with what the apps above tenancy keep for it.

The database cascade removes every tenant row. What it cannot reach (stored files) or
must not do (record a change for every deleted row) belongs to apps above this layer,
so each registers an eraser in its AppConfig.ready(): a function taking the organisation
and returning a context manager that is entered before the deletion and left after it,
inside the deleting transaction (schedule file removal with transaction.on_commit there,
so a rollback keeps the files).
"""

import contextlib
from collections.abc import Callable
from contextlib import AbstractContextManager

from .audit import AuditAction, audit_record
from .context import tenant_scope
from .models import Organization, User

OrganizationEraser = Callable[[Organization], AbstractContextManager]

_organization_erasers: list[OrganizationEraser] = []


def register_organization_eraser(eraser: OrganizationEraser) -> None:
    if eraser not in _organization_erasers:
        _organization_erasers.append(eraser)


def organization_delete(*, organization: Organization, by: User | None = None) -> None:
    """Delete an organisation with everything it holds, files included. Irreversible."""
    slug = organization.slug
    with tenant_scope(organization), contextlib.ExitStack() as erasers:
        for eraser in _organization_erasers:
            erasers.enter_context(eraser(organization))
        organization.delete()
    audit_record(action=AuditAction.ORGANIZATION_DELETED, actor=by, target_label=slug)
