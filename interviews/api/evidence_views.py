from django.db.models import Count, Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from empathy_site.ids import parse_uuid
from empathy_site.tenancy.api.base import OrgAPIView, TenantModelViewSet
from empathy_site.tenancy.roles import Perm

from .. import selectors, services
from ..models import Highlight, Interview, Study, Tag
from ..search import SearchFilters, search_highlights, search_utterances, split_attribute_filter
from .evidence_serializers import (
    HighlightBulkSerializer,
    HighlightSerializer,
    HighlightUpdateSerializer,
    HighlightWriteSerializer,
    SearchHitSerializer,
    SearchQuerySerializer,
    TagMergeSerializer,
    TagSerializer,
)
from .views import resolve

_UNSET = object()


def resolve_tags(ids) -> list[Tag]:
    ids = list(dict.fromkeys(ids or []))
    tags = list(Tag.objects.filter(public_id__in=ids))
    if len(tags) != len(ids):
        found = {t.public_id for t in tags}
        missing = [str(i) for i in ids if i not in found]
        raise exceptions.ValidationError({"tags": f"No tag with id {', '.join(missing)}."})
    return tags


class TagViewSet(TenantModelViewSet):
    model = Tag
    serializer_class = TagSerializer
    org_write_lock = services.TAG_TREE_LOCK

    def scope_queryset(self, queryset):
        return queryset.select_related("parent").annotate(highlight_count=Count("highlight_links"))

    def _parent(self, data):
        if "parent" not in data:
            return _UNSET
        parent_id = (data.pop("parent") or {}).get("public_id")
        return resolve(Tag, parent_id, "parent")

    def service_create(self, data):
        parent = self._parent(data)
        if not data.get("name"):
            raise exceptions.ValidationError({"name": "A tag needs a name."})
        tag = services.tag_create(by=self.actor, parent=None if parent is _UNSET else parent, **data)
        return self.get_queryset().get(pk=tag.pk)

    def service_update(self, instance, data):
        parent = self._parent(data)
        kwargs = {} if parent is _UNSET else {"parent": parent}
        services.tag_update(tag=instance, by=self.actor, **data, **kwargs)
        return self.get_queryset().get(pk=instance.pk)

    def service_delete(self, instance):
        services.tag_delete(tag=instance, by=self.actor, request=self.request)

    @extend_schema(request=TagMergeSerializer, responses=TagSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request, *args, **kwargs):
        source = self.get_object()
        serializer = TagMergeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        target = resolve(Tag, serializer.validated_data["into"], "into")
        services.tag_merge(source=source, target=target, by=self.actor, request=request)
        return Response(TagSerializer(self.get_queryset().get(pk=target.pk)).data)


@extend_schema_view(
    create=extend_schema(request=HighlightWriteSerializer, responses={201: HighlightSerializer}),
    update=extend_schema(request=HighlightUpdateSerializer, responses=HighlightSerializer),
    partial_update=extend_schema(request=HighlightUpdateSerializer, responses=HighlightSerializer),
)
class HighlightViewSet(TenantModelViewSet):
    model = Highlight
    serializer_class = HighlightSerializer
    filterset_fields = []

    def scope_queryset(self, queryset):
        queryset = queryset.select_related("interview", "start_utterance", "end_utterance", "participant").prefetch_related(
            Prefetch("tags", queryset=Tag.objects.only("public_id"))
        )
        params = self.request.query_params
        if params.get("interview"):
            queryset = queryset.filter(interview__public_id=_uuid_param(params["interview"], "interview"))
        if params.get("tag"):
            queryset = queryset.filter(tag_links__tag__public_id=_uuid_param(params["tag"], "tag"))
        return queryset

    def _item(self, data) -> dict:
        interview = resolve(Interview, data["interview"], "interview")
        return {
            "interview": interview,
            "span": services.Span(data["start_position"], data["start_offset"], data["end_position"], data["end_offset"]),
            "tags": resolve_tags(data.get("tags")),
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
            tags=resolve_tags(data["tags"]) if "tags" in data else None, by=self.actor,
        )
        return Response(HighlightSerializer(self.get_queryset().get(pk=highlight.pk)).data)

    def service_delete(self, instance):
        services.highlight_delete(highlight=instance, by=self.actor)

    @extend_schema(
        request=HighlightBulkSerializer,
        responses={201: inline_serializer("HighlightBulkResult", {"results": HighlightSerializer(many=True)})},
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
        queryset = self.get_queryset().filter(pk__in=[h.pk for h in created]).order_by("pk")
        return Response({"results": HighlightSerializer(queryset, many=True).data}, status=status.HTTP_201_CREATED)


def _uuid_param(value: str, name: str):
    parsed = parse_uuid(value)
    if parsed is None:
        raise exceptions.ValidationError({name: "Not a valid id."})
    return parsed


def filters_from(data: dict) -> SearchFilters:
    """Search filters from validated input; ids are resolved inside the org."""
    filters = SearchFilters(
        study=resolve(Study, data.get("study"), "study"),
        tag=resolve(Tag, data.get("tag"), "tag"),
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
            "interview_title": row.interview.title, "position": row.position, "speaker": speaker.display_label,
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

    @extend_schema(
        parameters=[SearchQuerySerializer],
        responses=inline_serializer(
            "SearchResults",
            {"results": SearchHitSerializer(many=True), "next": serializers.URLField(allow_null=True),
             "hint": serializers.CharField(allow_null=True)},
        ),
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
            rows = search(query=data["q"], filters=filters, limit=SEARCH_PAGE_SIZE + 1, offset=offset)
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
        return Response({"results": SearchHitSerializer(hits, many=True).data, "next": next_url, "hint": hint})
