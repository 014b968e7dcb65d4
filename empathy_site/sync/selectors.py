"""Reads of webhooks, deliveries and failed tasks, for the active organisation."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import FailedTask, WebhookDelivery, WebhookEndpoint


def webhook_endpoints() -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.order_by("-created_at")


def endpoints_subscribed(*, event_type: str) -> list[WebhookEndpoint]:
    """The enabled endpoints that asked for `event_type`."""
    return [endpoint for endpoint in WebhookEndpoint.objects.filter(enabled=True) if event_type in (endpoint.events or [])]


def endpoint_deliveries(*, endpoint: WebhookEndpoint, limit: int | None = None) -> QuerySet[WebhookDelivery]:
    """The endpoint's deliveries, newest first, with their events and attempts; the latest `limit` if given
    (the API pages through all of them instead)."""
    deliveries = (WebhookDelivery.objects.filter(endpoint=endpoint).select_related("event")
                  .prefetch_related("attempt_log").order_by("-created_at", "-id"))
    return deliveries if limit is None else deliveries[:limit]


def deliveries_due(now: datetime) -> QuerySet[WebhookDelivery]:
    """Pending deliveries whose time has come, and claims that have gone stale.

    A claim older than the claim timeout belongs to a worker that died mid-send. The timeout must
    exceed WEBHOOK_SEND_DEADLINE_SECONDS, or a slow live send would be taken over and sent twice.
    """
    stale = now - timedelta(seconds=settings.WEBHOOK_CLAIM_TIMEOUT_SECONDS)
    return WebhookDelivery.objects.filter(
        Q(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
        | Q(status=WebhookDelivery.Status.SENDING, claimed_at__lt=stale)
    )


def deliveries_due_exist() -> bool:
    """Whether the active org has a delivery to send now (the beat sweep queues a task only then)."""
    return deliveries_due(timezone.now()).exists()


def failed_tasks_to_replay(*, limit: int = 20) -> QuerySet[FailedTask]:
    """Tasks that failed for good and have not been run again, newest first."""
    return FailedTask.objects.filter(replayed_at__isnull=True)[:limit]
