"""API representations of comments and memos (also what the changes feed and webhooks carry)."""

from rest_framework import serializers

from ..models import COMMENT_TARGET_CHOICES, MEMO_TARGET_CHOICES, Comment, Memo


class _Targeted(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    target_type = serializers.CharField(read_only=True)
    target = serializers.SerializerMethodField()
    author = serializers.UUIDField(source="author.public_id", read_only=True, allow_null=True)

    def get_target(self, obj) -> str:
        return str(obj.target.public_id)


class CommentSerializer(_Targeted):
    target_type = serializers.ChoiceField(choices=COMMENT_TARGET_CHOICES, read_only=True)
    parent = serializers.UUIDField(source="parent.public_id", read_only=True, allow_null=True)
    mentions = serializers.ListField(child=serializers.UUIDField(), read_only=True,
                                     help_text="The members the body mentions as @email.")
    resolved = serializers.SerializerMethodField(help_text="Whether the thread this comment opens is resolved.")
    resolved_by = serializers.UUIDField(source="resolved_by.public_id", read_only=True, allow_null=True)

    class Meta:
        model = Comment
        fields = ["id", "target_type", "target", "parent", "body", "author", "mentions", "resolved", "resolved_at",
                  "resolved_by", "created_at", "updated_at"]
        read_only_fields = fields

    def get_resolved(self, comment) -> bool:
        return comment.resolved_at is not None


class CommentCreateSerializer(serializers.Serializer):
    target_type = serializers.ChoiceField(choices=COMMENT_TARGET_CHOICES)
    target = serializers.UUIDField()
    body = serializers.CharField(max_length=10_000)
    parent = serializers.UUIDField(required=False, allow_null=True, default=None,
                                   help_text="The comment this one replies to (its thread).")


class CommentUpdateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=10_000, required=False)
    resolved = serializers.BooleanField(required=False, help_text="Resolve (true) or reopen (false) the thread.")


class MemoSerializer(_Targeted):
    target_type = serializers.ChoiceField(choices=MEMO_TARGET_CHOICES, read_only=True)

    class Meta:
        model = Memo
        fields = ["id", "target_type", "target", "title", "body", "author", "created_at", "updated_at"]
        read_only_fields = fields


class MemoCreateSerializer(serializers.Serializer):
    target_type = serializers.ChoiceField(choices=MEMO_TARGET_CHOICES)
    target = serializers.UUIDField()
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    body = serializers.CharField(max_length=10_000)


class MemoUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    body = serializers.CharField(max_length=10_000, required=False)


COMMENT_RELATED = ("author", "resolved_by", "parent", "highlight", "claim", "persona", "message", "interview")
MEMO_RELATED = ("author", "interview", "tag", "study")
