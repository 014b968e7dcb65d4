"""Web pages of the sync app: webhooks and failed tasks, under /o/<org-slug>/settings/."""

from django.urls import path

from . import views

urlpatterns = [
    path("settings/webhooks/", views.WebhooksView.as_view(), name="webhooks"),
    path("settings/webhooks/<uuid:webhook_id>/", views.WebhookDetailView.as_view(), name="webhook_detail"),
    path("settings/webhooks/deliveries/<uuid:delivery_id>/replay/", views.DeliveryReplayView.as_view(), name="delivery_replay"),
    path("settings/failed-tasks/<uuid:failed_task_id>/replay/", views.FailedTaskReplayView.as_view(), name="failed_task_replay"),
]
