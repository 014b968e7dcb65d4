"""API routes of the interop app under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter(trailing_slash=True)
router.register("imports", views.ImportJobViewSet, basename="import")

urlpatterns = [
    path("exports/codebook.qdc", views.CodebookQdcExportView.as_view(), name="export-codebook-qdc"),
    path("exports/project.qdpx", views.ProjectQdpxExportView.as_view(), name="export-project-qdpx"),
    *router.urls,
]
