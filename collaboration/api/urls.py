"""API routes for comments and memos."""

from rest_framework.routers import SimpleRouter

from .views import CommentViewSet, MemoViewSet

router = SimpleRouter(trailing_slash=True)
router.register("comments", CommentViewSet, basename="comment")
router.register("memos", MemoViewSet, basename="memo")

urlpatterns = router.urls
