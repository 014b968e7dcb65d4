"""API routes of the sync app: the changes feed and webhook endpoints."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import ChangesSnapshotView, ChangesView, WebhookEndpointViewSet

router = SimpleRouter(trailing_slash=True)
router.register("webhooks", WebhookEndpointViewSet, basename="webhook")

urlpatterns = [
    path("changes/", ChangesView.as_view(), name="changes-list"),
    path("changes/snapshot/", ChangesSnapshotView.as_view(), name="changes-snapshot"),
    *router.urls,
]
