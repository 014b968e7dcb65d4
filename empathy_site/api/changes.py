"""`updated_since` on lists. The API layer parses the time; whoever tracks changes answers which objects changed.

The sync layer (above this one) registers its change tracker in its AppConfig.ready(), so this
module never imports it. With no tracker registered no list takes updated_since.
"""

from datetime import UTC, datetime
from typing import Protocol

from django.utils import timezone
from django.utils.dateparse import date_re, datetime_re, parse_datetime
from rest_framework import exceptions


class ChangeTracker(Protocol):
    def tracks(self, model) -> bool:
        """Whether changes of this model are recorded (its list then takes updated_since)."""

    def changed_since(self, queryset, model, since: datetime):
        """`queryset` narrowed to the objects created or changed at or after `since`."""


_tracker: ChangeTracker | None = None


def register_change_tracker(tracker: ChangeTracker) -> None:
    global _tracker
    _tracker = tracker


def updated_since_supported(model) -> bool:
    """Lists of objects the changes feed tracks take updated_since (the schema documents it for those)."""
    return _tracker is not None and _tracker.tracks(model)


def parse_updated_since(raw: str) -> datetime:
    """An ISO 8601 time within years 1..9999, in UTC too, or a 400 naming `updated_since`."""
    message = "Give an ISO 8601 time, e.g. 2026-11-23T10:00:00Z (a real date, an offset within ±24:00)."
    try:
        # The shape first: Python's fromisoformat, which parse_datetime tries, takes "1111…1" (any digits) too.
        # Then Django's parser raises ValueError for month 13, hour 25, offset +25:00 and year 0;
        # converting to UTC raises OverflowError for 0001-01-01T00:00+05:00 or 9999-12-31T23:00-05:00.
        since = parse_datetime(raw) if datetime_re.match(raw) or date_re.match(raw) else None
        if since is not None:
            since = (timezone.make_aware(since, UTC) if timezone.is_naive(since) else since).astimezone(UTC)
    except (ValueError, OverflowError):
        since = None
    if since is None:
        raise exceptions.ValidationError({"updated_since": message})
    return since


def changed_since(queryset, model, raw: str):
    since = parse_updated_since(raw)
    if not updated_since_supported(model):
        raise exceptions.ValidationError({"updated_since": "This list does not support updated_since."})
    return _tracker.changed_since(queryset, model, since)
