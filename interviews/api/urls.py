"""API routes of the interviews app under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .coding_views import AgreementView, AssignmentViewSet, DisagreementView, ReconciliationViewSet
from .evidence_views import HighlightViewSet, SearchView, TagViewSet
from .media_views import ClipViewSet, MediaUploadViewSet, ReelViewSet
from .views import InterviewViewSet, ParticipantViewSet, StudyViewSet

router = SimpleRouter(trailing_slash=True)
router.register("participants", ParticipantViewSet, basename="participant")
router.register("studies", StudyViewSet, basename="study")
router.register("interviews", InterviewViewSet, basename="interview")
router.register("tags", TagViewSet, basename="tag")
router.register("highlights", HighlightViewSet, basename="highlight")
router.register("assignments", AssignmentViewSet, basename="assignment")
router.register("reconciliations", ReconciliationViewSet, basename="reconciliation")
router.register("clips", ClipViewSet, basename="clip")
router.register("reels", ReelViewSet, basename="reel")
router.register("media-uploads", MediaUploadViewSet, basename="mediaupload")

urlpatterns = [
    path("search/", SearchView.as_view(), name="search-list"),
    path("agreement/", AgreementView.as_view(), name="agreement-list"),
    path("agreement/disagreements/", DisagreementView.as_view(), name="disagreement-list"),
    *router.urls,
]
