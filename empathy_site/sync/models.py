"""The changes feed, idempotent POSTs and webhooks."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from empathy_site.tenancy.models import TenantModel


class ChangeEvent(TenantModel):
    """One create, update or delete of a syncable object, written in the transaction of the change.

    `position` is assigned later, after commit, by a relay serialised per
    organisation (see positions.py), so a consumer's cursor can never be
    overtaken by a transaction that commits late.
    """

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"
        DELETED = "deleted", "Deleted"

    object_type = models.CharField(max_length=30)
    object_id = models.UUIDField()
    action = models.CharField(max_length=8, choices=Action.choices)
    # The API field names this change changed: every field on create, none on delete.
    changed_fields = models.JSONField(default=list)
    occurred_at = models.DateTimeField(auto_now_add=True)
    position = models.BigIntegerField(null=True, blank=True)
    positioned_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(fields=["organization", "position"], name="change_position_uniq"),
        ]
        indexes = [
            models.Index(fields=["organization", "position"], name="change_org_position_idx"),
            models.Index(fields=["organization", "object_type", "positioned_at"], name="change_org_type_time_idx"),
            models.Index(fields=["organization", "id"], condition=Q(position__isnull=True), name="change_org_unpositioned_idx"),
            # An object's changes: whether a stored representation is older than one of them (feed.py).
            models.Index(fields=["organization", "object_type", "object_id"], name="change_org_object_idx"),
        ]

    def __str__(self):
        return f"{self.action} {self.object_type} {self.object_id}"


class StoredRepresentation(TenantModel):
    """An object as the changes feed last rendered it to one kind of reader (with or without personal data),
    as JSON text: a page splices it into its response instead of reading and serialising the object again.

    Only ever as current as the object's last positioned change: the relay deletes an object's rows when it
    positions a newer change (positions.py), the feed stores one only when no change is newer than what it
    rendered, and erasure deletes them all. A cache: losing rows costs a rendering, never data.
    """

    object_type = models.CharField(max_length=30)
    object_id = models.UUIDField()
    personal_data = models.BooleanField()
    body = models.TextField()
    # The representation's top-level field names (a change's changed_fields are cut down to them).
    fields = models.JSONField(default=list)

    class Meta(TenantModel.Meta):
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(fields=["organization", "object_type", "object_id", "personal_data"],
                                    name="stored_representation_uniq"),
        ]

    def __str__(self):
        return f"{self.object_type} {self.object_id}"


class WebhookEndpoint(TenantModel):
    # `events` holds names the domain apps registered (registry.webhook_event_types()).
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list)
    # Needed to sign every delivery, so kept; shown to the admin once, at creation.
    secret = models.CharField(max_length=100)
    enabled = models.BooleanField(default=True)
    # Whether payloads carry participants' personal fields (names, emails), as for an API key with personal_data.
    personal_data = models.BooleanField(default=False)
    disabled_reason = models.CharField(max_length=300, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        indexes = [
            models.Index(fields=["organization", "enabled"], name="webhook_org_enabled_idx"),
            # The API list's default order (CursorPagination: newest first): page 1 is read from the index, not sorted.
            models.Index(fields=["organization", "-created_at", "-id"], name="webhook_org_newest_idx"),
        ]

    def __str__(self):
        return self.url


class WebhookEvent(TenantModel):
    """The outbox: written in the transaction of the change, so a rollback sends nothing."""

    event_type = models.CharField(max_length=40)
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        indexes = [models.Index(fields=["organization", "created_at"], name="webhook_event_org_created_idx")]

    def __str__(self):
        return self.event_type


class WebhookDelivery(TenantModel):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SUCCEEDED = "succeeded", "Delivered"
        FAILED = "failed", "Gave up"

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    # Retry times live here, not as countdowns in the broker.
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        indexes = [
            models.Index(fields=["organization", "status", "next_attempt_at"], name="delivery_org_due_idx"),
        ]

    def __str__(self):
        return f"{self.event.event_type} -> {self.endpoint.url}"


class DeliveryAttempt(TenantModel):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    attempted_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        ordering = ["-attempted_at", "-id"]

    def __str__(self):
        return f"attempt {self.number}: {self.status_code or self.error}"


class FailedTask(TenantModel):
    """A task that failed for good; an admin can see it and run it again."""

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    error = models.CharField(max_length=500)
    failed_at = models.DateTimeField(auto_now_add=True)
    replayed_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        ordering = ["-failed_at"]

    def __str__(self):
        return self.task_name
