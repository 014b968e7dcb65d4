"""Privacy: the org's redaction and retention settings, redaction findings, retention runs."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from empathy_site.tenancy.models import TenantModel

from .transcripts import Interview, Utterance

# Bounds of what an admin can set; the dates computed from them stay far from any overflow.
MAX_RETENTION_MONTHS = 120


class PrivacyPolicy(TenantModel):
    class RedactionMode(models.TextChoices):
        OFF = "off", "Off"
        SUGGEST = "suggest", "Suggest (a researcher reviews each finding)"
        AUTOMATIC = "automatic", "Automatic"

    class RetentionAction(models.TextChoices):
        DELETE = "delete", "Delete the interview"
        REDACT = "redact", "Redact personal details and delete the original file"

    redaction_mode = models.CharField(max_length=12, choices=RedactionMode.choices, default=RedactionMode.OFF)
    retention_enabled = models.BooleanField(default=False)
    retention_months = models.PositiveSmallIntegerField(null=True, blank=True, validators=[
        MinValueValidator(1, "Keep interviews for at least 1 month."),
        MaxValueValidator(MAX_RETENTION_MONTHS, f"Keep interviews for at most {MAX_RETENTION_MONTHS} months (10 years)."),
    ])
    retention_action = models.CharField(max_length=8, choices=RetentionAction.choices, default=RetentionAction.DELETE)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta(TenantModel.Meta):
        verbose_name_plural = "privacy policies"
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(fields=["organization"], name="privacy_policy_one_per_org"),
            models.CheckConstraint(
                condition=Q(retention_enabled=False) | Q(retention_months__gte=1), name="retention_needs_months"
            ),
            models.CheckConstraint(
                condition=Q(retention_months__isnull=True) | Q(retention_months__gte=1, retention_months__lte=MAX_RETENTION_MONTHS),
                name="retention_months_in_range",
            ),
        ]

    def __str__(self):
        return f"privacy policy ({self.redaction_mode})"


class RedactionFinding(TenantModel):
    """A personal detail found in an utterance, awaiting a decision (suggest mode) or applied."""

    class Kind(models.TextChoices):
        EMAIL = "email", "Email address"
        PHONE = "phone", "Phone number"
        CARD = "card", "Card number"
        ACCOUNT = "account", "Account number"
        URL = "url", "Personal URL"
        NAME = "name", "Name"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Redacted"
        REJECTED = "rejected", "Kept"

    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="redaction_findings")
    utterance = models.ForeignKey(Utterance, on_delete=models.CASCADE, related_name="redaction_findings")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    placeholder = models.CharField(max_length=40)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        ordering = ["utterance_id", "start"]
        constraints = [
            *TenantModel.Meta.constraints,
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="finding_span_forward"),
        ]
        indexes = [models.Index(fields=["organization", "interview", "status"], name="finding_org_interview_idx")]

    def __str__(self):
        return f"{self.kind} in utterance {self.utterance_id}"


class RetentionRun(TenantModel):
    """What a retention pass did (or, as a preview, would do)."""

    dry_run = models.BooleanField(default=False)
    action = models.CharField(max_length=8)
    cutoff = models.DateTimeField()
    interview_count = models.PositiveIntegerField(default=0)
    # Titles and ids of what was affected; never transcript content.
    details = models.JSONField(default=list)
    ran_at = models.DateTimeField(auto_now_add=True)
    triggered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta(TenantModel.Meta):
        ordering = ["-ran_at"]
        indexes = [models.Index(fields=["organization", "ran_at"], name="retention_org_ran_idx")]

    def __str__(self):
        return f"retention {self.action} ({'preview' if self.dry_run else 'run'})"
