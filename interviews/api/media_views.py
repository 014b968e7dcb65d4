"""API views for clips and highlight reels (an interview's recording is uploaded on the interview's `media`
action, interviews/api/views.py). Both are cut in the background: the POST answers 202, the detail shows
`status` until `url` is there."""

import re

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import BaseParser
from rest_framework.response import Response

from empathy_site.api.base import TenantViewSet
from empathy_site.api.errors import error_response
from empathy_site.api.schema import ErrorSerializer
from empathy_site.tenancy.lookups import resolve_many, resolve_one

from .. import services
from ..models import Clip, Highlight, Interview, InterviewParticipant, MediaUpload, Reel, ReelItem
from .media_serializers import (
    ChunkedUploadSerializer,
    ClipCreateSerializer,
    ClipSerializer,
    ReelCreateSerializer,
    ReelSerializer,
)
from .serializers import InterviewSerializer

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


class ChunkParser(BaseParser):
    """A chunk of a recording: the body's bytes as they are."""

    media_type = "application/octet-stream"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read() if stream is not None else b""


_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+|\*)$")
_OFFSET_CONFLICT = OpenApiResponse(ErrorSerializer, description="conflict: the chunk does not start at the "
                                   "session's `offset` (read it and resume there), or the upload is complete.")


def _content_range(request, length: int) -> tuple[int, int | None]:
    """(first byte, total or None) of `Content-Range: bytes first-last/total`, which must span the body."""
    header = request.headers.get("Content-Range", "").strip()
    match = _CONTENT_RANGE.match(header)
    if not match:
        raise exceptions.ValidationError({"Content-Range": [
            "Send `Content-Range: bytes <first>-<last>/<total>` naming the bytes of the file this chunk holds."]})
    first, last = int(match[1]), int(match[2])
    if last - first + 1 != length:
        raise exceptions.ValidationError({"Content-Range": [
            f"It names {max(last - first + 1, 0)} bytes but the body holds {length}."]})
    return first, None if match[3] == "*" else int(match[3])


@extend_schema(parameters=[OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH)])
class MediaUploadViewSet(mixins.RetrieveModelMixin, TenantViewSet):
    """A recording uploaded in chunks (resumable): POST /interviews/{id}/media/uploads/ opens it; PUT each chunk
    here in order with Content-Range; POST complete/ attaches the recording to the interview."""

    model = MediaUpload
    serializer_class = ChunkedUploadSerializer

    def scope_queryset(self, queryset):
        return queryset.select_related("interview")

    def get_parsers(self):
        # Chosen before the action is known (DRF), so by method: a PUT here carries a chunk, nothing else.
        if getattr(getattr(self, "request", None), "method", None) == "PUT":
            return [ChunkParser()]
        return super().get_parsers()

    @extend_schema(
        request={"application/octet-stream": OpenApiTypes.BINARY},
        parameters=[OpenApiParameter("Content-Range", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True,
                                     description="`bytes <first>-<last>/<total>`: where in the file this chunk "
                                                 "goes; <first> must be the session's `offset`.")],
        responses={200: ChunkedUploadSerializer, 409: _OFFSET_CONFLICT},
    )
    def update(self, request, *args, **kwargs):
        """One chunk (at most the request body limit, 5 MB), at the session's `offset`. A chunk that was already
        taken (a retry) or sent out of order answers 409 conflict: read the session and resume at its `offset`."""
        upload = self.get_object()  # locks the row for the request
        data = request.data if isinstance(request.data, bytes) else b""
        first, total = _content_range(request, len(data))
        try:
            upload = services.media_upload_chunk(upload=upload, offset=first, data=data, total=total)
        except services.MediaRefused as refused:
            return refused_response(refused, "Content-Range")
        return Response(ChunkedUploadSerializer(upload, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request, *args, **kwargs):
        """Abandon the upload: its chunks are deleted."""
        services.media_upload_abort(upload=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={202: InterviewSerializer, 409: _OFFSET_CONFLICT})
    @action(detail=True, methods=["post"])
    def complete(self, request, *args, **kwargs):
        """Every byte has arrived: the recording is attached to the interview (replacing any earlier one) and
        probed in the background, as after POST /interviews/{id}/media/."""
        upload = self.get_object()
        try:
            services.media_upload_complete(upload=upload, by=self.actor)
        except services.MediaRefused as refused:
            # The name and size were checked when the session started; refused now, the rules changed meanwhile
            # (a lower limit): a conflict with the session's state, whatever the one-shot upload would answer.
            return error_response("conflict", refused.message, {"non_field_errors": [refused.message]})
        interview = Interview.objects.select_related("study").prefetch_related(
            Prefetch("attendances", queryset=InterviewParticipant.objects.select_related("participant")),
            "media_files").get(pk=upload.interview_id)
        return Response(InterviewSerializer(interview, context=self.get_serializer_context()).data,
                        status=status.HTTP_202_ACCEPTED)
