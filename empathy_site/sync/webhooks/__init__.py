"""Webhooks: an outbox written with the change, delivered at least once, signed per Standard Webhooks.

destinations: where a webhook may go (URL parsing, globally routable addresses only).
signing: secrets and signatures.
delivery: emit into the outbox, claim, send, back off, prune.
endpoints: the services that register, change, delete and ping endpoints and replay deliveries.

Callers import from here (`from empathy_site.sync.webhooks import emit`, `webhooks.deliver_due()`).
"""

from .delivery import MAX_ATTEMPTS, backoff, deliver_due, emit, outbox_prune
from .destinations import check_destination
from .endpoints import PING_EVENT, delivery_replay, endpoint_create, endpoint_delete, endpoint_ping, endpoint_update
from .signing import new_secret

__all__ = [
    "MAX_ATTEMPTS",
    "PING_EVENT",
    "backoff",
    "check_destination",
    "deliver_due",
    "delivery_replay",
    "emit",
    "endpoint_create",
    "endpoint_delete",
    "endpoint_ping",
    "endpoint_update",
    "new_secret",
    "outbox_prune",
]
