"""API routes of the interop app under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter(trailing_slash=True)
router.register("imports", views.ImportJobViewSet, basename="import")
router.register("exports/jobs", views.ExportJobViewSet, basename="export-job")

urlpatterns = [
    path("exports/codebook.qdc", views.CodebookQdcExportView.as_view(), name="export-codebook-qdc"),
    path("exports/project.qdpx", views.ProjectQdpxExportView.as_view(), name="export-project-qdpx"),
    *[path(f"exports/highlights.{fmt}", view.as_view(), name=f"export-highlights-{fmt}")
      for fmt, view in views.HIGHLIGHT_EXPORTS.items()],
    *[path(f"exports/codebook.{fmt}", view.as_view(), name=f"export-codebook-{fmt}")
      for fmt, view in views.CODEBOOK_EXPORTS.items()],
    *[path(f"exports/interviews/<uuid:interview_id>.{fmt}", view.as_view(), name=f"export-interview-{fmt}")
      for fmt, view in views.INTERVIEW_EXPORTS.items()],
    path("exports/personas/<uuid:persona_id>.docx", views.PERSONA_EXPORTS["docx"].as_view(), name="export-persona-docx"),
    *router.urls,
]
