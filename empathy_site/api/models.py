"""What the API layer keeps: the first answer to each idempotent POST."""

from django.db import models

from empathy_site.tenancy.models import TenantModel


class IdempotencyRecord(TenantModel):
    """The first response to a POST with an Idempotency-Key, replayed for IDEMPOTENCY_KEY_TTL_HOURS."""

    principal = models.CharField(max_length=80)  # "key:<api key id>" or "user:<user id>"
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        # The table was created by the sync app, where the model lived first; its name stays.
        db_table = "sync_idempotencyrecord"
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(fields=["organization", "principal", "key"], name="idempotency_key_uniq"),
        ]

    def __str__(self):
        return f"{self.principal} {self.key}"
