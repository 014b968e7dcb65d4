from django.apps import AppConfig


class CollaborationConfig(AppConfig):
    name = "collaboration"

    def ready(self):
        # What the lower layers need to know about comments and memos, told here (they never import this app).
        from empathy_site.sync.registry import register_sync_type

        from .api.serializers import COMMENT_RELATED, MEMO_RELATED, CommentSerializer, MemoSerializer
        from .models import Comment, Memo

        register_sync_type("comment", model=Comment, serializer=CommentSerializer,
                           prepare=lambda qs: qs.select_related(*COMMENT_RELATED))
        register_sync_type("memo", model=Memo, serializer=MemoSerializer, prepare=lambda qs: qs.select_related(*MEMO_RELATED))

        from . import receivers  # noqa: F401  (connects the receivers of interviews' events)
