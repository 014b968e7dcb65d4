"""The sync layer's answer to the API's `updated_since`: by the time a change was positioned after commit.

Not by updated_at, which a late-committing transaction can put in the past: then a
client polling with updated_since would miss it, exactly as a cursor would.
"""

from .models import ChangeEvent
from .positions import assign_positions
from .registry import type_of


class ChangeFeedTracker:
    def tracks(self, model) -> bool:
        return type_of(model) is not None

    def changed_since(self, queryset, model, since):
        assign_positions()
        changed = ChangeEvent.objects.filter(object_type=type_of(model), positioned_at__gte=since).values("object_id")
        return queryset.filter(public_id__in=changed)
