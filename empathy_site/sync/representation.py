"""One representation of a syncable object for every reader: the REST detail endpoint, the changes feed,
webhook payloads and change capture all call `represent`, so they cannot drift apart.

The serializer, the queryset preparation and the batch context come from the registry (the domain
apps register them); the caller adds who is reading: a request (REST, feed), or `reader_context`
for a reader without one (a webhook endpoint, change capture).
"""

import json

from django.conf import settings
from django.utils import timezone
from rest_framework import serializers
from rest_framework.utils.encoders import JSONEncoder

from .registry import sync_type, sync_type_of


def reader_context(*, personal_data: bool) -> dict:
    """Serializer context for a reader with no request: an API key with the `read` scope, and with
    `personal_data` when it may see participants' names and emails."""
    return {"personal_data": personal_data}


def represent(object_type: str, queryset, *, context: dict) -> dict:
    """public_id -> the object as its REST detail endpoint returns it to this reader, for every object of
    `queryset` (of the type's model) that the reader's organisation still has."""
    entry = sync_type(object_type)
    instances = list(entry.prepare(queryset))
    if not instances:
        return {}
    # many=True: one serializer for the batch; building one per object costs ~1 ms each.
    serializer = entry.serializer(instances, many=True, context={**context, **entry.context(instances)})
    _pin_time_zone(serializer.child, timezone.get_current_timezone() if settings.USE_TZ else None)
    data = serializer.data
    return {instance.public_id: item for instance, item in zip(instances, data, strict=True)}


def _pin_time_zone(field, zone) -> None:
    """Give every date-time field of `field` (nested ones included) the zone it would look up for each value.

    DRF's DateTimeField asks for the active time zone once per value it renders, through a context-local
    lookup that cost more than rendering the date itself on a page of objects; the zone cannot change within
    one call, so the output is the same. Fields declared with their own zone keep it."""
    if isinstance(field, serializers.DateTimeField):
        if not hasattr(field, "timezone"):
            field.timezone = zone
    elif isinstance(field, serializers.ListSerializer | serializers.ListField | serializers.DictField):
        _pin_time_zone(field.child, zone)
    elif isinstance(field, serializers.Serializer):
        for child in field.fields.values():
            _pin_time_zone(child, zone)


def represent_one(instance, *, context: dict) -> dict | None:
    """`instance` as read now from the database, or None when it is gone."""
    entry = sync_type_of(type(instance))
    return represent(entry.name, entry.model.objects.filter(pk=instance.pk), context=context).get(instance.public_id)


def as_json(representation: dict | None):
    """What the API renders: UUIDs, dates and decimals as JSON strings (for stored payloads and comparisons)."""
    return json.loads(json.dumps(representation, cls=JSONEncoder))
