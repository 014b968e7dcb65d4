"""The changes feed and the webhook endpoints API."""

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from empathy_site.api.base import OrgAPIView, TenantModelViewSet
from empathy_site.api.schema import results_of
from empathy_site.model_update import UNCHANGED
from empathy_site.tenancy.lookups import resolve_one
from empathy_site.tenancy.roles import Perm

from .. import selectors, webhooks
from ..feed import MAX_PAGE, changes_page, decode_cursor, encode_cursor, parse_types
from ..models import WebhookDelivery, WebhookEndpoint
from .serializers import (
    ChangeSerializer,
    WebhookDeliverySerializer,
    WebhookEndpointCreatedSerializer,
    WebhookEndpointSerializer,
)


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
        return webhooks.endpoint_update(
            endpoint=instance, url=data.get("url", UNCHANGED), events=data.get("events", UNCHANGED),
            enabled=data.get("enabled", UNCHANGED), description=data.get("description", UNCHANGED), by=self.actor,
        )

    def service_delete(self, instance):
        webhooks.endpoint_delete(endpoint=instance, by=self.actor)

    @extend_schema(responses=results_of(WebhookDeliverySerializer, "WebhookDeliveryList"))
    @action(detail=True, methods=["get"], pagination_class=None)
    def deliveries(self, request, *args, **kwargs):
        deliveries = selectors.endpoint_deliveries(endpoint=self.get_object(), limit=100)
        return Response({"results": WebhookDeliverySerializer(deliveries, many=True).data, "next": None})

    @extend_schema(request=None, responses=WebhookDeliverySerializer,
                   parameters=[OpenApiParameter("delivery_id", OpenApiTypes.UUID, OpenApiParameter.PATH)])
    @action(detail=True, methods=["post"], url_path=r"deliveries/(?P<delivery_id>[0-9a-f-]{36})/replay")
    def replay(self, request, *args, delivery_id=None, **kwargs):
        delivery = resolve_one(WebhookDelivery.objects.filter(endpoint=self.get_object()), delivery_id)
        return Response(WebhookDeliverySerializer(webhooks.delivery_replay(delivery=delivery, by=self.actor)).data)
