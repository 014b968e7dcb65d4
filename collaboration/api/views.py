"""API for comments and memos."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from empathy_site.api.base import TenantModelViewSet
from empathy_site.tenancy.lookups import resolve_one
from empathy_site.tenancy.roles import Perm

from .. import services
from ..models import COMMENT_TARGETS, MEMO_TARGETS, Comment, Memo
from ..targets import target_model
from .serializers import (
    COMMENT_RELATED,
    MEMO_RELATED,
    CommentCreateSerializer,
    CommentSerializer,
    CommentUpdateSerializer,
    MemoCreateSerializer,
    MemoSerializer,
    MemoUpdateSerializer,
)


def _target_parameters(targets, what):
    return [
        OpenApiParameter("target_type", OpenApiTypes.STR, enum=list(targets),
                         description=f"With target: only the {what} of this object."),
        OpenApiParameter("target", OpenApiTypes.UUID, description="The object's id (with target_type)."),
    ]


@extend_schema_view(
    list=extend_schema(parameters=_target_parameters(COMMENT_TARGETS, "comments")),
    create=extend_schema(request=CommentCreateSerializer, responses={201: CommentSerializer}),
    partial_update=extend_schema(request=CommentUpdateSerializer, responses=CommentSerializer),
)
class CommentViewSet(TenantModelViewSet):
    """Comments on highlights, claims, personas, messages and interviews. `@` + a member's email mentions (and
    notifies) them. PATCH `body` (the author only) or `resolved` (the thread); DELETE: the author or an admin."""

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    model = Comment
    serializer_class = CommentSerializer
    write_permission = Perm.MESSAGES
    query_parameters = {"list": ("target_type", "target")}

    def scope_queryset(self, queryset):
        return queryset.select_related(*COMMENT_RELATED).order_by("-created_at", "-id")

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        return _filter_by_target(self.request, queryset, Comment) if self.action == "list" else queryset

    def create(self, request, *args, **kwargs):
        serializer = CommentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        target = resolve_one(target_model(data["target_type"]), data["target"], field="target")
        parent = resolve_one(Comment, data["parent"], field="parent")
        comment = services.comment_create(target_type=data["target_type"], target=target, body=data["body"],
                                          parent=parent, by=self.actor)
        return Response(CommentSerializer(self.get_queryset().get(pk=comment.pk)).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        comment = self.get_object()
        serializer = CommentUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "body" in data:
            services.comment_update(comment=comment, body=data["body"], by=self.actor)
        if "resolved" in data:
            services.comment_resolve(comment=comment, resolved=data["resolved"], by=self.actor)
        return Response(CommentSerializer(self.get_queryset().get(pk=comment.pk)).data)

    def destroy(self, request, *args, **kwargs):
        services.comment_delete(comment=self.get_object(), by=self.actor, is_admin=self.can(Perm.MANAGE_ORG))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(parameters=_target_parameters(MEMO_TARGETS, "memos")),
    create=extend_schema(request=MemoCreateSerializer, responses={201: MemoSerializer}),
    partial_update=extend_schema(request=MemoUpdateSerializer, responses=MemoSerializer),
)
class MemoViewSet(TenantModelViewSet):
    """Memos (longer notes) on interviews, tags and studies, with their author and time."""

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    model = Memo
    serializer_class = MemoSerializer
    write_permission = Perm.RESEARCH
    query_parameters = {"list": ("target_type", "target")}

    def scope_queryset(self, queryset):
        return queryset.select_related(*MEMO_RELATED).order_by("-created_at", "-id")

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        return _filter_by_target(self.request, queryset, Memo) if self.action == "list" else queryset

    def create(self, request, *args, **kwargs):
        serializer = MemoCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        target = resolve_one(target_model(data["target_type"]), data["target"], field="target")
        memo = services.memo_create(target_type=data["target_type"], target=target, body=data["body"],
                                    title=data["title"], by=self.actor)
        return Response(MemoSerializer(self.get_queryset().get(pk=memo.pk)).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        memo = self.get_object()
        serializer = MemoUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.memo_update(memo=memo, body=data.get("body"), title=data.get("title"), by=self.actor)
        return Response(MemoSerializer(self.get_queryset().get(pk=memo.pk)).data)

    def destroy(self, request, *args, **kwargs):
        services.memo_delete(memo=self.get_object(), by=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _filter_by_target(request, queryset, model):
    """`?target_type=…&target=<id>`: one object's comments or memos. An unknown id is a 400, like any bad filter."""
    kind = request.query_params.get("target_type")
    target_id = request.query_params.get("target")
    allowed = model.TARGETS
    if kind is None and target_id is None:
        return queryset
    if kind not in allowed or not target_id:
        raise ValidationError({"target_type": [f"Give target_type (one of {', '.join(allowed)}) with target."]})
    target = resolve_one(target_model(kind), target_id, field="target")
    return queryset.filter(**{kind: target})
