"""API routes of the interviews app under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .evidence_views import HighlightViewSet, SearchView, TagViewSet
from .media_views import ClipViewSet, ReelViewSet
from .views import InterviewViewSet, ParticipantViewSet, StudyViewSet

router = SimpleRouter(trailing_slash=True)
router.register("participants", ParticipantViewSet, basename="participant")
router.register("studies", StudyViewSet, basename="study")
router.register("interviews", InterviewViewSet, basename="interview")
router.register("tags", TagViewSet, basename="tag")
router.register("highlights", HighlightViewSet, basename="highlight")
router.register("clips", ClipViewSet, basename="clip")
router.register("reels", ReelViewSet, basename="reel")

urlpatterns = [
    path("search/", SearchView.as_view(), name="search-list"),
    *router.urls,
]
