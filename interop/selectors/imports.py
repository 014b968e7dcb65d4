"""Import jobs of the active organisation."""

from ..models import ImportJob


def import_job_list(*, limit: int = 20):
    return list(ImportJob.objects.select_related("created_by").order_by("-created_at", "-id")[:limit])
