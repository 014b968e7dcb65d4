"""The changes feed and the webhook endpoints API."""

from django.core.exceptions import ValidationError
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, renderers, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.settings import api_settings

from empathy_site.api.base import OrgAPIView, TenantModelViewSet
from empathy_site.api.pagination import CursorPagination
from empathy_site.model_update import UNCHANGED
from empathy_site.tenancy.lookups import resolve_one
from empathy_site.tenancy.roles import Perm, grant_allows

from .. import selectors, snapshot, webhooks
from ..feed import MAX_PAGE, changes_page, decode_cursor, encode_cursor, json_text, parse_types
from ..models import WebhookDelivery, WebhookEndpoint
from ..representation import reader_context
from .serializers import (
    WebhookDeliverySerializer,
    WebhookEndpointCreatedSerializer,
    WebhookEndpointSerializer,
    typed_change_serializer,
)


class JSONText(str):
    """A response body that is JSON text already."""


class SplicingJSONRenderer(renderers.JSONRenderer):
    """JSON, with a body that is JSONText already written out as it is (errors and the rest as usual)."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, JSONText):
            return data.encode()
        return super().render(data, accepted_media_type, renderer_context)


class ChangesView(OrgAPIView):
    """Every create, update and delete of the organisation's syncable objects, in commit order.

    Follow `next` (or store `cursor`) to continue; every committed change appears exactly once.
    """

    query_parameters = {"get": ("cursor", "types", "limit")}
    renderer_classes = [SplicingJSONRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter("cursor", OpenApiTypes.STR, description="Opaque; from a previous page."),
            OpenApiParameter("types", OpenApiTypes.STR, description="Comma-separated: participant,persona,..."),
            OpenApiParameter("limit", OpenApiTypes.INT, description=f"1..{MAX_PAGE}, default 100."),
        ],
        responses=inline_serializer("ChangesPage", {
            "results": typed_change_serializer(many=True),
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
        # The serializers would ask the same of the request; told once, the page and its stored objects agree.
        personal_data = grant_allows(getattr(request, "org_grant", None), Perm.PERSONAL_DATA)
        results, last, more = changes_page(after=after, types=types, limit=limit, personal_data=personal_data,
                                           context={"request": request, **reader_context(personal_data=personal_data)})
        cursor = encode_cursor(last)
        next_url = None
        if more:
            query = params.copy()
            query["cursor"] = cursor
            next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        # Results are already JSON text in ChangeSerializer's shape (see changes_page): spliced in, not parsed again.
        return Response(JSONText(f'{{"results":{results},"next":{json_text(next_url)},"cursor":{json_text(cursor)}}}'))



class NDJSONRenderer(renderers.JSONRenderer):
    """Lets a client ask for NDJSON (Accept: application/x-ndjson); an error then comes as one JSON line."""

    media_type = snapshot.MEDIA_TYPE
    format = "ndjson"


class ChangesSnapshotView(OrgAPIView):
    """Every syncable object of the organisation, as one consistent snapshot, for a first sync.

    NDJSON, streamed: one `{"type", "id", "object"}` per line (objects as the changes feed shows them), then a
    last line `{"cursor": ...}` to follow the feed from. Objects may reappear in the feed after it; none is lost.
    A stream that ends without the cursor line was cut short: start again.
    """

    renderer_classes = [renderers.JSONRenderer, NDJSONRenderer]
    query_parameters = {"get": ("types",)}

    @extend_schema(
        parameters=[OpenApiParameter("types", OpenApiTypes.STR, description="Comma-separated: participant,persona,...")],
        responses={(200, snapshot.MEDIA_TYPE): OpenApiResponse(
            OpenApiTypes.STR, description='Lines of {"type", "id", "object"}, then {"cursor": "..."}.')},
    )
    def get(self, request):
        types = parse_types(request.query_params.get("types", ""))
        lines = snapshot.snapshot_lines(org_id=request.organization.pk, types=types, context={"request": request})
        return StreamingHttpResponse(lines, content_type=snapshot.MEDIA_TYPE)


class WebhookEndpointViewSet(TenantModelViewSet):
    """Webhook endpoints of the organisation: admins, and API keys with the `webhooks` scope."""

    model = WebhookEndpoint
    serializer_class = WebhookEndpointSerializer
    write_permission = Perm.MANAGE_WEBHOOKS
    # Reads too: an endpoint's URL and delivery log are the integration's business, not every reader's.
    action_permissions = {"list": Perm.MANAGE_WEBHOOKS, "retrieve": Perm.MANAGE_WEBHOOKS,
                          "deliveries": Perm.MANAGE_WEBHOOKS, "replay": Perm.MANAGE_WEBHOOKS,
                          "ping": Perm.MANAGE_WEBHOOKS}

    @extend_schema(request=WebhookEndpointSerializer, responses={201: WebhookEndpointCreatedSerializer})
    def create(self, request, *args, **kwargs):
        serializer = WebhookEndpointSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        self._check_personal_data(data)
        endpoint = webhooks.endpoint_create(url=data["url"], events=data["events"], description=data.get("description", ""),
                                            personal_data=data.get("personal_data", False), by=self.actor)
        return Response(WebhookEndpointCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    def _check_personal_data(self, data) -> None:
        # Payloads with names and emails only for whoever may read them: no escalation through a webhook.
        if data.get("personal_data") and not self.can(Perm.PERSONAL_DATA):
            raise exceptions.PermissionDenied("Sending personal data to a webhook needs the personal_data scope.")

    def service_update(self, instance, data):
        self._check_personal_data(data)
        return webhooks.endpoint_update(
            endpoint=instance, url=data.get("url", UNCHANGED), events=data.get("events", UNCHANGED),
            enabled=data.get("enabled", UNCHANGED), description=data.get("description", UNCHANGED),
            personal_data=data.get("personal_data", UNCHANGED), by=self.actor,
        )

    def service_delete(self, instance):
        webhooks.endpoint_delete(endpoint=instance, by=self.actor)

    @extend_schema(responses=WebhookDeliverySerializer(many=True), parameters=[
        OpenApiParameter(CursorPagination.cursor_query_param, OpenApiTypes.STR, description="Opaque; from `next`."),
        OpenApiParameter(CursorPagination.page_size_query_param, OpenApiTypes.INT,
                         description=f"1..{CursorPagination.max_page_size}, default {api_settings.PAGE_SIZE}."),
    ])
    @action(detail=True, methods=["get"], pagination_class=CursorPagination)
    def deliveries(self, request, *args, **kwargs):
        """The endpoint's deliveries, newest first, with their attempts; follow `next` for older ones."""
        page = self.paginate_queryset(selectors.endpoint_deliveries(endpoint=self.get_object()))
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)

    @extend_schema(request=None, responses={202: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"])
    def ping(self, request, *args, **kwargs):
        """Send a signed `webhook.ping` event to this endpoint alone, queued and delivered like any other
        event (retries included); follow the returned delivery in the deliveries log."""
        delivery = webhooks.endpoint_ping(endpoint=self.get_object(), by=self.actor)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses=WebhookDeliverySerializer,
                   parameters=[OpenApiParameter("delivery_id", OpenApiTypes.UUID, OpenApiParameter.PATH)])
    @action(detail=True, methods=["post"], url_path=r"deliveries/(?P<delivery_id>[0-9a-f-]{36})/replay")
    def replay(self, request, *args, delivery_id=None, **kwargs):
        delivery = resolve_one(WebhookDelivery.objects.filter(endpoint=self.get_object()), delivery_id)
        return Response(WebhookDeliverySerializer(webhooks.delivery_replay(delivery=delivery, by=self.actor)).data)
