"""API views for clips and highlight reels (an interview's recording is uploaded on the interview's `media`
action, interviews/api/views.py). Both are cut in the background: the POST answers 202, the detail shows
`status` until `url` is there."""

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.response import Response

from empathy_site.api.base import TenantViewSet
from empathy_site.api.errors import error_response
from empathy_site.api.schema import ErrorSerializer
from empathy_site.tenancy.lookups import resolve_many, resolve_one

from .. import services
from ..models import Clip, Highlight, Reel, ReelItem
from .media_serializers import ClipCreateSerializer, ClipSerializer, ReelCreateSerializer, ReelSerializer

_NO_MEDIA = OpenApiResponse(ErrorSerializer, description="no_media: a highlight's interview has no usable recording.")


def refused_response(refused: services.MediaRefused, field: str) -> Response:
    return error_response(refused.code, refused.message, {field: [refused.message]})


class ClipViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    model = Clip
    serializer_class = ClipSerializer

    def scope_queryset(self, queryset):
        return queryset.select_related("highlight")

    @extend_schema(request=ClipCreateSerializer, responses={202: ClipSerializer, 409: _NO_MEDIA})
    def create(self, request, *args, **kwargs):
        """The highlight's clip, cut from its interview's recording in the background; asking again for the
        same highlight answers the same clip (cut once, kept)."""
        serializer = ClipCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        highlight = resolve_one(Highlight, serializer.validated_data["highlight"], field="highlight")
        try:
            clip = services.clip_request(highlight=highlight, by=self.actor)
        except services.MediaRefused as refused:
            return refused_response(refused, "highlight")
        clip = self.get_queryset().get(pk=clip.pk)
        return Response(ClipSerializer(clip, context=self.get_serializer_context()).data, status=status.HTTP_202_ACCEPTED)


class ReelViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    model = Reel
    serializer_class = ReelSerializer

    def scope_queryset(self, queryset):
        items = ReelItem.objects.select_related("highlight").order_by("position")
        return queryset.prefetch_related(Prefetch("items", queryset=items))

    @extend_schema(request=ReelCreateSerializer, responses={202: ReelSerializer, 409: _NO_MEDIA})
    def create(self, request, *args, **kwargs):
        """One file of the highlights' clips in order: a video reel shows a 2-second title card (participant
        pseudonym, interview) before each clip; an audio-only reel has 1 second of silence between clips."""
        serializer = ReelCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        wanted = serializer.validated_data["highlights"]
        found = {h.public_id: h for h in resolve_many(Highlight, wanted, field="highlights")}
        try:
            reel = services.reel_create(title=serializer.validated_data["title"],
                                        highlights=[found[public_id] for public_id in wanted], by=self.actor)
        except services.MediaRefused as refused:
            return refused_response(refused, "highlights")
        reel = self.get_queryset().get(pk=reel.pk)
        return Response(ReelSerializer(reel, context=self.get_serializer_context()).data, status=status.HTTP_202_ACCEPTED)
