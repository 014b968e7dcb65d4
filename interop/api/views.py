"""API: imports (202 and a job to follow) and exports (files)."""

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, renderers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from empathy_site.api.base import OrgAPIView, TenantViewSet
from empathy_site.api.errors import error_response
from empathy_site.tenancy.lookups import resolve_one
from empathy_site.tenancy.roles import Perm
from interviews.models import Study

from .. import exports, services
from ..models import ImportJob
from .serializers import ImportJobSerializer, ImportUploadSerializer


@extend_schema_view(
    create=extend_schema(request={"multipart/form-data": ImportUploadSerializer}, responses={202: ImportJobSerializer}),
)
class ImportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Imports of REFI-QDA projects and codebooks, and codebook spreadsheets: each a background job with a report."""

    model = ImportJob
    serializer_class = ImportJobSerializer
    parser_classes = [MultiPartParser]

    def scope_queryset(self, queryset):
        return queryset.order_by("-created_at", "-id")

    def create(self, request, *args, **kwargs):
        serializer = ImportUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            job = services.import_job_create(uploaded_file=serializer.validated_data["file"],
                                             split_names=serializer.validated_data["split_names"], by=self.actor)
        except services.ImportTooLarge as error:
            return error_response("too_large", error.message, {"file": [error.message]})
        except services.UnsupportedImport as error:
            return error_response("unsupported_file", error.message, {"file": [error.message]})
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class FileRenderer(renderers.BaseRenderer):
    """Lets a client ask for the file's own media type; an error still answers JSON."""

    media_type = "application/octet-stream"
    format = "file"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return renderers.JSONRenderer().render(data, "application/json", renderer_context)


def _file_renderer(media_type: str):
    return type(f"Renderer_{media_type.replace('/', '_').replace('.', '_').replace('-', '_')}", (FileRenderer,),
                {"media_type": media_type})


class ExportView(OrgAPIView):
    """A file made from what the caller may read (personal data only with the personal_data permission)."""

    export = None  # an exports.Export
    query_parameters = {"get": ()}

    def get_renderers(self):
        return [renderers.JSONRenderer(), _file_renderer(self.export.media_type)()]

    def personal_data(self) -> bool:
        return self.can(Perm.PERSONAL_DATA)

    def build(self, request, **kwargs) -> exports.ExportFile:
        raise NotImplementedError

    def get(self, request, **kwargs):
        built = self.build(request, **kwargs)
        return FileResponse(built.stream, as_attachment=True, filename=built.filename, content_type=built.media_type)


def _file_schema(media_type: str, description: str, parameters=()):
    return extend_schema(parameters=list(parameters), responses={
        (200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description=description)})


STUDY_PARAMETER = OpenApiParameter("study", OpenApiTypes.UUID, description="Only this study's interviews.")


class CodebookQdcExportView(ExportView):
    export = exports.CODEBOOK_QDC

    @_file_schema(exports.CODEBOOK_QDC.media_type, "The codebook as REFI-QDA QDC (urn:QDA-XML:codebook:1.0).")
    def get(self, request, **kwargs):
        return super().get(request, **kwargs)

    def build(self, request, **kwargs):
        return exports.codebook_qdc()


class ProjectQdpxExportView(ExportView):
    """The organisation (or one study) as a REFI-QDA project, written to a temporary file and streamed."""

    export = exports.PROJECT_QDPX
    query_parameters = {"get": ("study",)}

    @_file_schema(exports.PROJECT_QDPX.media_type, "A REFI-QDA project (zip: project.qde and sources/).",
                  [STUDY_PARAMETER])
    def get(self, request, **kwargs):
        return super().get(request, **kwargs)

    def build(self, request, **kwargs):
        study = resolve_one(Study, request.query_params.get("study") or None, field="study")
        return exports.project_qdpx(personal_data=self.personal_data(), study=study)
