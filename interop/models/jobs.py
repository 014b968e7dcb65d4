"""What every background job of the interop app has: a status a client polls, progress, an error, who asked."""

from django.conf import settings
from django.db import models

from empathy_site.tenancy.models import TenantModel


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    PROCESSING = "processing", "Processing"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class Job(TenantModel):
    """Imports and exports: queued, claimed by a worker (processing), then done or failed with a sentence."""

    Status = JobStatus

    status = models.CharField(max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED)
    # null until something fails: the API promises `error: null` or a sentence.
    error = models.TextField(null=True, blank=True)  # noqa: DJ001
    progress = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        abstract = True

    @property
    def pending(self) -> bool:
        return self.status in (JobStatus.QUEUED, JobStatus.PROCESSING)
