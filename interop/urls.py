"""Web UI routes of the interop app under /o/<org-slug>/."""

from django.urls import path

from . import views

urlpatterns = [
    path("imports/", views.ImportsView.as_view(), name="imports"),
    path("imports/<uuid:import_id>/", views.ImportDetailView.as_view(), name="import_detail"),
    path("exports/highlights/", views.HighlightsDownloadView.as_view(), name="export_highlights"),
    path("exports/codebook/", views.CodebookDownloadView.as_view(), name="export_codebook"),
    path("exports/project/", views.ProjectDownloadView.as_view(), name="export_project"),
    path("exports/backup/", views.BackupDownloadView.as_view(), name="export_backup"),
    path("exports/jobs/", views.ExportJobsView.as_view(), name="export_jobs"),
    path("exports/interviews/<uuid:interview_id>/", views.InterviewDownloadView.as_view(), name="export_interview"),
    path("exports/personas/<uuid:persona_id>/", views.PersonaDownloadView.as_view(), name="export_persona"),
]
