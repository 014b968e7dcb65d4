"""An export too large to build within a web request: built by a background job into storage, then downloaded
through a signed, expiring link."""

from django.db import models

from empathy_site.tenancy.models import TenantModel
from interviews.models import Study

from .jobs import Job


class ExportJob(Job):
    class Kind(models.TextChoices):
        PROJECT = "project", "REFI-QDA project (.qdpx)"
        BACKUP = "backup", "Whole-organisation backup (.zip)"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    # Only this study's interviews (a project export); CASCADE: a study's export goes with the study.
    study = models.ForeignKey(Study, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # What the asker was allowed to see when asking: the file holds personal data only if they could read it.
    personal_data = models.BooleanField(default=False)
    filename = models.CharField(max_length=255, blank=True)
    media_type = models.CharField(max_length=100, blank=True)
    # The built file in default storage, empty until done; deleted with the organisation.
    file_name = models.CharField(max_length=300, blank=True)
    file_size = models.BigIntegerField(default=0)

    class Meta(TenantModel.Meta):
        constraints = [
            *TenantModel.Meta.constraints,
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="export_job_progress_range"),
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "processing", "done", "failed"]), name="export_job_status_valid",
            ),
            models.CheckConstraint(condition=models.Q(kind__in=["project", "backup"]), name="export_job_kind_valid"),
        ]
        indexes = [models.Index(fields=["organization", "-created_at", "-id"], name="export_job_org_newest_idx")]

    def __str__(self):
        return self.filename or f"{self.kind} export"
