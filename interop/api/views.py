"""API: imports (202 and a job to follow) and exports (files)."""

from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, renderers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from empathy_site.api.base import OrgAPIView, TenantViewSet
from empathy_site.api.errors import error_response
from empathy_site.tenancy.lookups import resolve_one
from empathy_site.tenancy.roles import Perm
from interviews.models import Interview, Study, Tag
from personas.models import Persona

from .. import exports, selectors, services
from ..exports import research
from ..models import ExportJob, ImportJob
from .serializers import ExportJobSerializer, ImportJobSerializer, ImportUploadSerializer


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
    """The organisation (or one study) as a REFI-QDA project, written to a temporary file and streamed; past
    EXPORT_BACKGROUND_UTTERANCES utterances, built by a background job instead (202 and the job to poll)."""

    export = exports.PROJECT_QDPX
    query_parameters = {"get": ("study",)}

    @extend_schema(parameters=[STUDY_PARAMETER], responses={
        (200, exports.PROJECT_QDPX.media_type): OpenApiResponse(
            OpenApiTypes.BINARY, description="A REFI-QDA project (zip: project.qde and sources/)."),
        202: OpenApiResponse(ExportJobSerializer, description=(
            "Too large to build within the request: an export job, also at the Location header's URL; poll it "
            "until `status` is done, then download its `url`.")),
    })
    def get(self, request, **kwargs):
        study = resolve_one(Study, request.query_params.get("study") or None, field="study")
        if selectors.export_is_large(study=study):
            job = services.export_job_create(kind=ExportJob.Kind.PROJECT, study=study,
                                             personal_data=self.personal_data(), by=self.actor)
            return Response(ExportJobSerializer(job, context={"request": request}).data, status=status.HTTP_202_ACCEPTED,
                            headers={"Location": request.build_absolute_uri(
                                reverse("export-job-detail", kwargs={"id": job.public_id}))})
        return super().get(request, study=study, **kwargs)

    def build(self, request, study=None, **kwargs):
        return exports.project_qdpx(personal_data=self.personal_data(), study=study)


class ExportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Exports built by a background job: poll one until it is done, then download its signed `url`. A backup is
    seen only by those who may manage the organisation, a file with personal data only by those who may read it."""

    model = ExportJob
    serializer_class = ExportJobSerializer

    def scope_queryset(self, queryset):
        return selectors.export_jobs_visible(
            queryset, manage_org=self.can(Perm.MANAGE_ORG), personal_data=self.can(Perm.PERSONAL_DATA),
        ).select_related("study").order_by("-created_at", "-id")


# Researcher exports -----------------------------------------------------------------------------------------

TAG_PARAMETER = OpenApiParameter("tag", OpenApiTypes.UUID, description="Only highlights under this tag (or its sub-tags).")
Q_PARAMETER = OpenApiParameter("q", OpenApiTypes.STR, description="Only highlights matching this search.")


def interview_link(request):
    """Absolute link to an interview's page in the web UI."""
    def link(interview):
        return request.build_absolute_uri(reverse("interview_detail", args=[request.organization.slug, interview.public_id]))
    return link


class HighlightsExportView(ExportView):
    """Highlights (all, of a tag, of a search, of a study) as a spreadsheet, a Word report, CSV or printable HTML."""

    query_parameters = {"get": ("tag", "q", "study")}

    def build(self, request, **kwargs):
        params = request.query_params
        tag = resolve_one(Tag, params.get("tag") or None, field="tag")
        study = resolve_one(Study, params.get("study") or None, field="study")
        query = params.get("q", "").strip()
        rows = selectors.export_highlights(tag=tag, query=query, study=study)
        title = "Highlights" + (f" tagged “{tag.name}”" if tag else "") + (f" matching “{query}”" if query else "") + (
            f" in {study.name}" if study else "")
        stem = f"highlights-{tag.name}" if tag else "highlights"
        link = interview_link(request)
        kind = self.export.extension
        if kind == "csv":
            return research.highlights_csv(rows, link=link, stem=stem)
        if kind == "xlsx":
            return research.highlights_xlsx(rows, link=link, tops=selectors.top_level_of(
                list({t.pk: t for r in rows for t in r.tags}.values())), stem=stem)
        if kind == "docx":
            return research.highlights_docx(rows, link=link, title=title, stem=stem)
        return research.highlights_html(rows, link=link, title=title, stem=stem)


class CodebookExportView(ExportView):
    """The codebook with descriptions and counts of highlights and voices."""

    def build(self, request, **kwargs):
        tags = selectors.export_codebook()
        kind = self.export.extension
        if kind == "csv":
            return research.codebook_csv(tags)
        if kind == "xlsx":
            return research.codebook_xlsx(tags)
        return research.codebook_docx(tags, title=f"{request.organization.name}: codebook")


class InterviewExportView(ExportView):
    """A transcript with its highlights marked."""

    def build(self, request, interview_id=None, **kwargs):
        interview = resolve_one(Interview.objects.select_related("study"), str(interview_id))
        utterances, highlights, numbers = selectors.export_transcript(interview=interview, personal_data=self.personal_data())
        builder = research.transcript_docx if self.export.extension == "docx" else research.transcript_html
        return builder(interview, utterances, highlights, numbers, link=interview_link(request))


class PersonaExportView(ExportView):
    """A persona: claims with their strength, every citation with its stance and quote."""

    def build(self, request, persona_id=None, **kwargs):
        persona = resolve_one(Persona, str(persona_id))
        _, claims = selectors.export_persona(persona=persona)
        return research.persona_docx(persona, claims, link=interview_link(request))


def export_view(base, export, description: str, parameters=(), path_parameter: str | None = None):
    """`base` for one format, its OpenAPI operation saying what it answers."""
    path = [OpenApiParameter(path_parameter, OpenApiTypes.UUID, OpenApiParameter.PATH)] if path_parameter else []

    @_file_schema(export.media_type, description, [*path, *parameters])
    def get(self, request, **kwargs):
        return ExportView.get(self, request, **kwargs)

    return type(f"{base.__name__}{export.extension.capitalize()}", (base,), {"export": export, "get": get,
                                                                            "__doc__": base.__doc__})


RESEARCH_FORMATS = {"csv": research.CSV, "xlsx": research.XLSX, "docx": research.DOCX, "html": research.HTML}
HIGHLIGHT_EXPORTS = {fmt: export_view(HighlightsExportView, RESEARCH_FORMATS[fmt], f"Highlights as {fmt.upper()}.",
                                      [TAG_PARAMETER, Q_PARAMETER, STUDY_PARAMETER]) for fmt in ("xlsx", "docx", "csv", "html")}
CODEBOOK_EXPORTS = {fmt: export_view(CodebookExportView, RESEARCH_FORMATS[fmt], f"The codebook as {fmt.upper()}.")
                    for fmt in ("csv", "xlsx", "docx")}
INTERVIEW_EXPORTS = {fmt: export_view(InterviewExportView, RESEARCH_FORMATS[fmt], f"The transcript as {fmt.upper()}.",
                                      path_parameter="interview_id") for fmt in ("docx", "html")}
PERSONA_EXPORTS = {"docx": export_view(PersonaExportView, research.DOCX, "The persona as DOCX.", path_parameter="persona_id")}
