"""Resolving ids that clients send: the one way to turn a public id into a row of the active organisation.

Every id from a client (a URL, a form, a request body) is parsed here and looked up
inside the active tenant only. A malformed id, an id that exists nowhere and another
organisation's id all get the same answer, so nobody can probe for ids elsewhere:
- without `field` (an id in the URL): Http404, which the API answers as its 404;
- with `field` (an id in a form or request body): ValidationError on that field, a 400.
"""

from collections.abc import Iterable

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404

from empathy_site.ids import parse_uuid

from .context import require_org_id
from .models import TenantModel, User


def _in_active_org(queryset_or_model: QuerySet | type[Model]) -> QuerySet:
    """The rows of the active organisation only; raises NoActiveTenant when none is active."""
    queryset = queryset_or_model if isinstance(queryset_or_model, QuerySet) else queryset_or_model._default_manager.all()
    model = queryset.model
    org_id = require_org_id()
    if issubclass(model, TenantModel):
        return queryset  # the tenant manager has scoped it already
    if model is User:
        # People belong to an organisation through their membership.
        return queryset.filter(memberships__organization_id=org_id)
    try:
        model._meta.get_field("organization")
    except FieldDoesNotExist:
        raise TypeError(f"{model.__name__} belongs to no organisation; resolve ids of tenant-owned models only.") from None
    return queryset.filter(organization_id=org_id)


def _name(queryset: QuerySet) -> str:
    return queryset.model._meta.verbose_name


def resolve_one(queryset_or_model, public_id, *, field: str | None = None, lookup: str = "public_id"):
    """The active org's row whose `lookup` is `public_id`, or "not found" (see the module).

    None (an optional reference the client left out) resolves to None when `field` is given.
    """
    if public_id is None and field is not None:
        return None
    queryset = _in_active_org(queryset_or_model)
    parsed = parse_uuid(public_id)
    instance = queryset.filter(**{lookup: parsed}).first() if parsed is not None else None
    if instance is None:
        if field is None:
            raise Http404(f"No such {_name(queryset)}.")
        raise ValidationError({field: f"No {_name(queryset)} with id {public_id}."})
    return instance


def resolve_many(queryset_or_model, public_ids: Iterable | None, *, field: str, lookup: str = "public_id") -> list:
    """Each id's row in the active org, in the order given, duplicates once; ids not found are named together."""
    queryset = _in_active_org(queryset_or_model)
    given = [(raw, parse_uuid(raw)) for raw in public_ids or []]
    wanted = list(dict.fromkeys(parsed for _, parsed in given if parsed is not None))
    found = {_value_at(row, lookup): row for row in queryset.filter(**{f"{lookup}__in": wanted})}
    missing = [str(raw) for raw, parsed in given if parsed is None] + [str(uuid) for uuid in wanted if uuid not in found]
    if missing:
        raise ValidationError({field: f"No {_name(queryset)} with id {', '.join(missing)}."})
    return [found[uuid] for uuid in wanted]


def _value_at(instance, lookup: str):
    """`instance.user.public_id` for the lookup "user__public_id"."""
    for part in lookup.split("__"):
        instance = getattr(instance, part)
    return instance
