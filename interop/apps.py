from django.apps import AppConfig


class InteropConfig(AppConfig):
    """Research exchange: REFI-QDA import and export, researcher exports, whole-organisation backup."""

    name = "interop"

    def ready(self):
        # Models and services load once the apps registry is ready; lower layers learn of exports through registries.
        from empathy_site.tenancy.erasure import register_organization_eraser
        from interviews.selectors import SignedFile, SignedKind, register_signed_kind

        from .models import ExportJob
        from .services import export_files_eraser

        def export_file(job):
            if job.status != ExportJob.Status.DONE or not job.file_name:
                return None
            return SignedFile(job.file_name, job.media_type or "application/octet-stream", download_name=job.filename)

        # A finished export is downloaded through the same signed, expiring links as recordings.
        register_signed_kind("export", SignedKind(ExportJob, "default", export_file))
        register_organization_eraser(export_files_eraser)
