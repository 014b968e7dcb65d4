"""API routes for personas, claims, citations, the evidence policy and messages."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .message_views import MessageViewSet
from .outcome_views import CalibrationView, ExerciseViewSet
from .views import CitationViewSet, ClaimViewSet, EvidencePolicyView, PersonaViewSet

router = SimpleRouter(trailing_slash=True)
router.register("personas", PersonaViewSet, basename="persona")
router.register("claims", ClaimViewSet, basename="claim")
router.register("citations", CitationViewSet, basename="citation")
router.register("messages", MessageViewSet, basename="message")
router.register("exercises", ExerciseViewSet, basename="exercise")

urlpatterns = [
    path("evidence-policy/", EvidencePolicyView.as_view(), name="evidence-policy-detail"),
    path("calibration/", CalibrationView.as_view(), name="calibration-detail"),
    *router.urls,
]
