"""An import of a REFI-QDA project or codebook, or a codebook spreadsheet, run by a background job."""

from django.db import models

from empathy_site.tenancy.models import TenantModel

from .jobs import Job


class ImportJob(Job):
    class Format(models.TextChoices):
        QDPX = "qdpx", "REFI-QDA project (.qdpx)"
        QDC = "qdc", "REFI-QDA codebook (.qdc)"
        CSV = "csv", "Codebook spreadsheet (.csv)"
        XLSX = "xlsx", "Codebook spreadsheet (.xlsx)"

    filename = models.CharField(max_length=255)
    format = models.CharField(max_length=8, choices=Format.choices)
    # The upload as received, read by the worker; deleted once the import is done.
    file = models.FileField(upload_to="imports/%Y/%m/", max_length=300, blank=True)
    file_size = models.BigIntegerField(default=0)
    # Taguette writes a hierarchy as "Parent.Child" names: rebuild it on import when asked.
    split_names = models.BooleanField(default=False)
    # Counts of what was created and matched, and `skipped`: [{"name", "kind", "reason"}].
    report = models.JSONField(default=dict, blank=True)

    class Meta(TenantModel.Meta):
        constraints = [
            *TenantModel.Meta.constraints,
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="import_job_progress_range"),
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "processing", "done", "failed"]), name="import_job_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["organization", "-created_at", "-id"], name="import_job_org_newest_idx")]

    def __str__(self):
        return self.filename
