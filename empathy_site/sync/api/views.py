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
        entries, last, more = changes_page(after=after, types=types, limit=limit)
        cursor = encode_cursor(last)
        next_url = None
        if more:
            query = params.copy()
            query["cursor"] = cursor
            next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        return Response({"results": ChangeSerializer(entries, many=True).data, "next": next_url, "cursor": cursor})
