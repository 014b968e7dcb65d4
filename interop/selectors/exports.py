"""Export jobs of the active organisation, as the asker may see them, and how large an export would be."""

from django.conf import settings

from interviews.models import Utterance

from ..models import ExportJob


def export_jobs_visible(queryset=None, *, manage_org: bool, personal_data: bool):
    """A backup only to those who may manage the organisation; a file with personal data only to those who may
    read it: the job's link opens the file to whoever holds it."""
    queryset = ExportJob.objects.all() if queryset is None else queryset
    if not manage_org:
        queryset = queryset.exclude(kind=ExportJob.Kind.BACKUP)
    if not personal_data:
        queryset = queryset.filter(personal_data=False)
    return queryset


def export_job_list(*, manage_org: bool, personal_data: bool, limit: int = 10):
    return list(export_jobs_visible(manage_org=manage_org, personal_data=personal_data)
                .select_related("created_by", "study").order_by("-created_at", "-id")[:limit])


def export_is_large(*, study=None) -> bool:
    """Whether a project export (or the backup: study None) is built by a background job: more utterances than
    EXPORT_BACKGROUND_UTTERANCES, a count the database answers from an index."""
    utterances = Utterance.objects.all()
    if study is not None:
        utterances = utterances.filter(interview__study=study)
    return utterances.count() > settings.EXPORT_BACKGROUND_UTTERANCES
