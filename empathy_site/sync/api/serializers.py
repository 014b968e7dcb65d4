"""How the changes feed and webhooks look in the API."""

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from ..models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint
from ..registry import sync_types, webhook_event_types


class ChangeSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    type = serializers.CharField()
    id = serializers.UUIDField()
    action = serializers.ChoiceField(choices=["created", "updated", "deleted"], help_text="What this change did.")
    changed_fields = serializers.ListField(
        child=serializers.CharField(),
        help_text="The fields of `object` this change changed: all of them on create; empty on delete, and when the "
        "object has gone since.")
    occurred_at = serializers.DateTimeField()
    object = serializers.JSONField(allow_null=True, help_text="The object as the API shows it now; null for a deletion.")
    deleted = serializers.BooleanField()


def _constant_field(value: str) -> type:
    """A string field the schema shows with its one possible value (an enum of one, kept inline)."""
    return extend_schema_field({"type": "string", "enum": [value]})(type("ConstantField", (serializers.CharField,), {}))


def typed_change_serializer(**kwargs) -> PolymorphicProxySerializer:
    """For the schema only: a change as a union keyed by `type`, one member per syncable type, whose `object`
    is that type's API serializer (the component its REST detail answers with). Built lazily: the domain
    apps register their types in AppConfig.ready(), after this module is imported."""

    def variants() -> dict[str, type]:
        return {
            name: type(f"{name.title().replace('_', '')}ChangeSerializer", (ChangeSerializer,), {
                "type": _constant_field(name)(),
                "object": serializer(allow_null=True, help_text="The object as the API shows it now; null for a deletion."),
            })
            for name, (_, serializer, _) in sync_types().items()
        }

    return PolymorphicProxySerializer(component_name="Change", serializers=variants, resource_type_field_name="type", **kwargs)


class WebhookEndpointSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    events = serializers.ListField(child=serializers.ChoiceField(choices=[]), min_length=1)

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "description", "events", "enabled", "personal_data", "disabled_reason", "failing_since",
                  "created_at", "updated_at"]
        read_only_fields = ["disabled_reason", "failing_since", "created_at", "updated_at"]
        extra_kwargs = {"personal_data": {"help_text": "Whether payloads carry participants' names and emails, as for "
                                          "an API key with the personal_data scope. Off unless turned on."}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The domain apps register their events once every app is ready, after this class is defined.
        self.fields["events"].child.choices = webhook_event_types()


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(read_only=True, help_text="Shown once: store it to verify signatures.")

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


class DeliveryAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = ["number", "status_code", "latency_ms", "error", "attempted_at"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    event_type = serializers.CharField(source="event.event_type", read_only=True)
    event_id = serializers.UUIDField(source="event.public_id", read_only=True)
    attempt_log = DeliveryAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = ["id", "event_type", "event_id", "status", "attempts", "next_attempt_at", "last_status_code",
                  "last_error", "delivered_at", "created_at", "attempt_log"]
        read_only_fields = fields
