"""API views for the codebook (tags), highlights and evidence search."""

from django.db.models import Count, Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.response import Response

from empathy_site.api.base import OrgAPIView, TenantModelViewSet
from empathy_site.ids import parse_uuid
from empathy_site.model_update import UNCHANGED
from empathy_site.tenancy.lookups import resolve_many, resolve_one
from empathy_site.tenancy.roles import Perm

from .. import selectors, services
from ..models import Highlight, Interview, Study, Tag
from ..selectors import SearchFilters, search_highlights, search_utterances, split_attribute_filter
from ..selectors.coding import visible_highlights
from .evidence_serializers import (
    HighlightBulkResultSerializer,
    HighlightBulkSerializer,
    HighlightSerializer,
    HighlightUpdateSerializer,
    HighlightWriteSerializer,
    SearchQuerySerializer,
    SearchResultsSerializer,
    TagMergeSerializer,
    TagSerializer,
)


class TagViewSet(TenantModelViewSet):
    model = Tag
    serializer_class = TagSerializer
    org_write_lock = services.TAG_TREE_LOCK

    def scope_queryset(self, queryset):
        return queryset.select_related("parent").annotate(highlight_count=Count("highlight_links"))

    def _parent(self, data):
        if "parent" not in data:
            return UNCHANGED
        parent_id = (data.pop("parent") or {}).get("public_id")
        return resolve_one(Tag, parent_id, field="parent")

    def service_create(self, data):
        parent = self._parent(data)
        tag = services.tag_create(
            name=data["name"], description=data.get("description", ""), colour=data.get("colour"),
            parent=None if parent is UNCHANGED else parent, by=self.actor,
        )
        return self.get_queryset().get(pk=tag.pk)

    def service_update(self, instance, data):
        fields = {name: data[name] for name in ("name", "description", "colour") if name in data}
        services.tag_update(tag=instance, parent=self._parent(data), by=self.actor, **fields)
        return self.get_queryset().get(pk=instance.pk)

    def service_delete(self, instance):
        services.tag_delete(tag=instance, by=self.actor)

    @extend_schema(request=TagMergeSerializer, responses=TagSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request, *args, **kwargs):
        source = self.get_object()
        serializer = TagMergeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        target = resolve_one(Tag, serializer.validated_data["into"], field="into")
        services.tag_merge(source=source, target=target, by=self.actor)
        return Response(TagSerializer(self.get_queryset().get(pk=target.pk)).data)


@extend_schema_view(
    list=extend_schema(parameters=[
        OpenApiParameter("interview", OpenApiTypes.UUID, description="Only the highlights of this interview."),
        OpenApiParameter("tag", OpenApiTypes.UUID, description="Only the highlights with this tag."),
    ]),
    create=extend_schema(request=HighlightWriteSerializer, responses={201: HighlightSerializer}),
    update=extend_schema(request=HighlightUpdateSerializer, responses=HighlightSerializer),
    partial_update=extend_schema(request=HighlightUpdateSerializer, responses=HighlightSerializer),
)
class HighlightViewSet(TenantModelViewSet):
    model = Highlight
    serializer_class = HighlightSerializer
    filterset_fields = []
    query_parameters = {"list": ("interview", "tag")}  # read in scope_queryset

    def scope_queryset(self, queryset):
        queryset = queryset.select_related("interview", "start_utterance", "end_utterance", "participant").prefetch_related(
            Prefetch("tags", queryset=Tag.objects.only("public_id"))
        )
        # Blind mode: a coder sees only their own highlights on an interview until they are done (selectors.coding).
        queryset = visible_highlights(queryset, self.actor)
        params = self.request.query_params
        if params.get("interview"):
            queryset = queryset.filter(interview__public_id=_uuid_param(params["interview"], "interview"))
        if params.get("tag"):
            queryset = queryset.filter(tag_links__tag__public_id=_uuid_param(params["tag"], "tag"))
        return queryset

    def _item(self, data) -> dict:
        interview = resolve_one(Interview, data["interview"], field="interview")
        return {
            "interview": interview,
            "span": services.Span(data["start_position"], data["start_offset"], data["end_position"], data["end_offset"]),
            "tags": resolve_many(Tag, data.get("tags"), field="tags"),
            "note": data.get("note", ""),
        }

    def create(self, request, *args, **kwargs):
        serializer = HighlightWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        highlight = services.highlight_create(by=self.actor, **self._item(serializer.validated_data))
        return Response(HighlightSerializer(self.get_queryset().get(pk=highlight.pk)).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, partial=False, **kwargs):
        highlight = self.get_object()
        serializer = HighlightUpdateSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        span_keys = ("start_position", "start_offset", "end_position", "end_offset")
        span = None
        if any(k in data for k in span_keys):
            current = {k: getattr(highlight, k) for k in span_keys}
            current.update({k: data[k] for k in span_keys if k in data})
            span = services.Span(**current)
        services.highlight_update(
            highlight=highlight, span=span, note=data.get("note"),
            tags=resolve_many(Tag, data["tags"], field="tags") if "tags" in data else None, by=self.actor,
        )
        return Response(HighlightSerializer(self.get_queryset().get(pk=highlight.pk)).data)

    def service_delete(self, instance):
        services.highlight_delete(highlight=instance, by=self.actor)

    @extend_schema(
        request=HighlightBulkSerializer,
        responses={201: HighlightBulkResultSerializer},
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request, *args, **kwargs):
        """Create up to 500 highlights in one call; one bad item refuses them all."""
        items = request.data.get("items") if isinstance(request.data, dict) else None
        if isinstance(items, list) and len(items) > services.MAX_BULK_HIGHLIGHTS:
            raise exceptions.ValidationError(
                {"items": f"At most {services.MAX_BULK_HIGHLIGHTS} highlights per call; this one has {len(items)}."}
            )
        serializer = HighlightBulkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        prepared = [self._item(item) for item in serializer.validated_data["items"]]
        created = services.highlight_bulk_create(items=prepared, by=self.actor)
        order = {highlight.pk: index for index, highlight in enumerate(created)}  # the items' order
        highlights = sorted(self.get_queryset().filter(pk__in=order), key=lambda h: order[h.pk])
        return Response({"results": HighlightSerializer(highlights, many=True).data}, status=status.HTTP_201_CREATED)


def _uuid_param(value: str, name: str):
    parsed = parse_uuid(value)
    if parsed is None:
        raise exceptions.ValidationError({name: "Not a valid id."})
    return parsed


def filters_from(data: dict) -> SearchFilters:
    """Search filters from validated input; ids are resolved inside the org."""
    filters = SearchFilters(
        study=resolve_one(Study, data.get("study"), field="study"),
        tag=resolve_one(Tag, data.get("tag"), field="tag"),
        speaker_kind=data.get("speaker", ""),
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )
    if data.get("attribute"):
        filters.attribute_key, filters.attribute_value = split_attribute_filter(data["attribute"])
    return filters


SEARCH_PAGE_SIZE = 20


def hit_payload(kind: str, row) -> dict:
    if kind == "utterance":
        speaker = row.speaker
        participant = speaker.participant
        return {
            "kind": kind, "id": row.public_id, "interview": row.interview.public_id,
            # label_speakers has set display_label: the raw label only for callers who may see personal data.
            "interview_title": row.interview.title, "position": row.position,
            "speaker": None if speaker.is_unattributed else speaker.display_label,
            "participant": participant.public_id if participant else None, "text": row.text,
            "snippet": str(row.snippet), "rank": float(row.rank or 0), "tags": [],
        }
    return {
        "kind": kind, "id": row.public_id, "interview": row.interview.public_id,
        "interview_title": row.interview.title, "position": row.start_position, "speaker": None,
        "participant": row.participant.public_id if row.participant_id else None, "text": row.quote,
        "snippet": str(row.snippet), "rank": float(row.rank or 0), "tags": [t.public_id for t in row.tags.all()],
    }


class SearchView(OrgAPIView):
    """Ranked evidence search over utterances and highlights, with the filters of the search page."""

    query_parameters = {"get": tuple(SearchQuerySerializer().fields)}

    @extend_schema(
        parameters=[SearchQuerySerializer],
        responses=SearchResultsSerializer,
    )
    def get(self, request):
        query = SearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        filters = filters_from(data)
        page, kind = data["page"], data["kind"]
        offset = (page - 1) * SEARCH_PAGE_SIZE
        hits, more = [], False
        searches = [("highlight", search_highlights, ("all", "highlights")), ("utterance", search_utterances, ("all", "utterances"))]
        for hit_kind, search, wanted_by in searches:
            if kind not in wanted_by:
                continue
            # One extra row tells whether a next page exists.
            rows = search(query=data["q"], filters=filters, limit=SEARCH_PAGE_SIZE + 1, offset=offset, viewer=self.actor)
            if hit_kind == "utterance":
                selectors.label_speakers([row.speaker for row in rows], personal_data=self.can(Perm.PERSONAL_DATA))
            more = more or len(rows) > SEARCH_PAGE_SIZE
            hits += [hit_payload(hit_kind, row) for row in rows[:SEARCH_PAGE_SIZE]]
        hint = None
        if not hits:
            active = filters.active()
            hint = (f"Nothing matched. Try without the {', '.join(active)} filter{'s' if len(active) > 1 else ''}."
                    if active else "Nothing matched. Try fewer or shorter words, or a prefix like onboard*.")
        next_url = None
        if more:
            params = request.query_params.copy()
            params["page"] = page + 1
            next_url = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
        # hit_payload builds each hit as SearchHitSerializer documents it (the schema's source); passing the hits
        # through the serializer again would only copy them, field by field.
        return Response({"results": hits, "next": next_url, "hint": hint})
