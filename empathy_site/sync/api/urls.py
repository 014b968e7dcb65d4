"""API routes of the sync app: the changes feed and webhook endpoints."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import ChangesView, WebhookEndpointViewSet

router = SimpleRouter(trailing_slash=True)
router.register("webhooks", WebhookEndpointViewSet, basename="webhook")

urlpatterns = [path("changes/", ChangesView.as_view(), name="changes-list"), *router.urls]
