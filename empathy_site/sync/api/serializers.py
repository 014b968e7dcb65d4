"""How the changes feed and webhooks look in the API."""

from rest_framework import serializers

from ..models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint
from ..registry import webhook_event_types


class ChangeSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    type = serializers.CharField()
    id = serializers.UUIDField()
    action = serializers.ChoiceField(choices=["created", "updated", "deleted"])
    occurred_at = serializers.DateTimeField()
    object = serializers.JSONField(allow_null=True, help_text="The object as the API shows it now; null for a deletion.")
    deleted = serializers.BooleanField()


class WebhookEndpointSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    events = serializers.ListField(child=serializers.ChoiceField(choices=[]), min_length=1)

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "description", "events", "enabled", "disabled_reason", "failing_since", "created_at", "updated_at"]
        read_only_fields = ["disabled_reason", "failing_since", "created_at", "updated_at"]

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
