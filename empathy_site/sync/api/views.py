from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from empathy_site.tenancy.api.base import OrgAPIView

from ..feed import MAX_PAGE, changes_page, decode_cursor, encode_cursor, parse_types


class ChangeSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    type = serializers.CharField()
    id = serializers.UUIDField()
    action = serializers.ChoiceField(choices=["created", "updated", "deleted"])
    occurred_at = serializers.DateTimeField()
    object = serializers.JSONField(allow_null=True, help_text="The object as the API shows it now; null for a deletion.")
    deleted = serializers.BooleanField()


class ChangesView(OrgAPIView):
    """Every create, update and delete of the organisation's syncable objects, in commit order.

    Follow `next` (or store `cursor`) to continue; every committed change appears exactly once.
    """

    @extend_schema(
        parameters=[
            OpenApiParameter("cursor", OpenApiTypes.STR, description="Opaque; from a previous page."),
            OpenApiParameter("types", OpenApiTypes.STR, description="Comma-separated: participant,persona,..."),
            OpenApiParameter("limit", OpenApiTypes.INT, description=f"1..{MAX_PAGE}, default 100."),
        ],
        responses=inline_serializer("ChangesPage", {
            "results": ChangeSerializer(many=True),
            "next": serializers.URLField(allow_null=True, help_text="Null when you have caught up; poll `cursor` later."),
            "cursor": serializers.CharField(help_text="Where to continue from, now or later."),
        }),
    )
    def get(self, request):
        params = request.query_params
        try:
            after = decode_cursor(params.get("cursor", ""))
            types = parse_types(params.get("types", ""))
            limit = int(params.get("limit", 100))
        except ValueError:
            raise ValidationError({"limit": f"Give a number from 1 to {MAX_PAGE}."}) from None
        if not 1 <= limit <= MAX_PAGE:
            raise ValidationError({"limit": f"Give a number from 1 to {MAX_PAGE}."})
        entries, last, more = changes_page(after=after, types=types, limit=limit, context={"request": request})
        cursor = encode_cursor(last)
        next_url = None
        if more:
            query = params.copy()
            query["cursor"] = cursor
            next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        return Response({"results": ChangeSerializer(entries, many=True).data, "next": next_url, "cursor": cursor})


# Webhooks ------------------------------------------------------------------------------------

from django.db.models import Prefetch  # noqa: E402
from rest_framework import status  # noqa: E402
from rest_framework.decorators import action  # noqa: E402

from empathy_site.tenancy.api.base import TenantModelViewSet  # noqa: E402
from empathy_site.tenancy.api.schema import results_of  # noqa: E402
from empathy_site.tenancy.roles import Perm  # noqa: E402

from .. import webhooks  # noqa: E402
from ..models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint  # noqa: E402


class WebhookEndpointSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEndpoint.EVENTS), min_length=1)

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "description", "events", "enabled", "disabled_reason", "failing_since", "created_at", "updated_at"]
        read_only_fields = ["disabled_reason", "failing_since", "created_at", "updated_at"]


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


class WebhookEndpointViewSet(TenantModelViewSet):
    """Webhook endpoints of the organisation. Admins only."""

    model = WebhookEndpoint
    serializer_class = WebhookEndpointSerializer
    write_permission = Perm.MANAGE_ORG
    action_permissions = {"list": Perm.MANAGE_ORG, "retrieve": Perm.MANAGE_ORG, "deliveries": Perm.MANAGE_ORG,
                          "replay": Perm.MANAGE_ORG}

    @extend_schema(request=WebhookEndpointSerializer, responses={201: WebhookEndpointCreatedSerializer})
    def create(self, request, *args, **kwargs):
        serializer = WebhookEndpointSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        endpoint = webhooks.endpoint_create(url=data["url"], events=data["events"], description=data.get("description", ""),
                                            by=self.actor)
        return Response(WebhookEndpointCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    def service_update(self, instance, data):
        return webhooks.endpoint_update(endpoint=instance, by=self.actor, **data)

    def service_delete(self, instance):
        webhooks.endpoint_delete(endpoint=instance, by=self.actor)

    @extend_schema(responses=results_of(WebhookDeliverySerializer, "WebhookDeliveryList"))
    @action(detail=True, methods=["get"], pagination_class=None)
    def deliveries(self, request, *args, **kwargs):
        endpoint = self.get_object()
        deliveries = (WebhookDelivery.objects.filter(endpoint=endpoint).select_related("event")
                      .prefetch_related(Prefetch("attempt_log", queryset=DeliveryAttempt.objects.all()))
                      .order_by("-created_at")[:100])
        return Response({"results": WebhookDeliverySerializer(deliveries, many=True).data, "next": None})

    @extend_schema(request=None, responses=WebhookDeliverySerializer,
                   parameters=[OpenApiParameter("delivery_id", OpenApiTypes.UUID, OpenApiParameter.PATH)])
    @action(detail=True, methods=["post"], url_path=r"deliveries/(?P<delivery_id>[0-9a-f-]{36})/replay")
    def replay(self, request, *args, delivery_id=None, **kwargs):
        endpoint = self.get_object()
        delivery = WebhookDelivery.objects.filter(endpoint=endpoint, public_id=delivery_id).first()
        if delivery is None:
            from rest_framework.exceptions import NotFound

            raise NotFound("No such delivery for this endpoint.")
        return Response(WebhookDeliverySerializer(webhooks.delivery_replay(delivery=delivery, by=self.actor)).data)
