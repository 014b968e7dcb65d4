"""Signing secrets and Standard Webhooks signatures: what a receiver needs to trust a delivery."""

import base64
import json
import secrets
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook

from ..models import WebhookDelivery


def new_secret() -> str:
    """A fresh signing secret in the Standard Webhooks form (whsec_ + base64 of 24 random bytes)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def envelope(delivery: WebhookDelivery) -> tuple[str, dict]:
    """The body and headers of one attempt. The webhook-id stays the event's across retries and
    replays, so receivers can drop duplicates; the timestamp and signature are of this attempt."""
    body = json.dumps({
        "type": delivery.event.event_type,
        "timestamp": delivery.event.created_at.isoformat(),
        "data": delivery.event.payload,
    }, separators=(",", ":"), default=str)
    msg_id = f"msg_{delivery.event.public_id.hex}"
    sent_at = datetime.now(UTC)
    headers = {
        "content-type": "application/json",
        "user-agent": "Groundwork-Webhooks/1",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": Webhook(delivery.endpoint.secret).sign(msg_id, sent_at, body),
    }
    return body, headers
