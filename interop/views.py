"""Web UI: the import page (upload, jobs with their reports) and downloads of every export, as the API's."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse

from empathy_site.tenancy.lookups import resolve_one
from empathy_site.tenancy.roles import Perm
from empathy_site.tenancy.web import OrgView, ServiceFormView
from interviews.models import Interview, Study, Tag
from interviews.selectors import signed_file_path
from personas.models import Persona

from . import exports, selectors, services
from .exports import research
from .models import ExportJob, ImportJob


class ImportForm(forms.Form):
    file = forms.FileField(help_text="A REFI-QDA project (.qdpx) or codebook (.qdc), or a codebook spreadsheet (.csv, .xlsx) "
                                     "with the columns name, description, parent, colour.")
    split_names = forms.BooleanField(required=False, initial=True, label="Rebuild a hierarchy from dotted names",
                                     help_text="Taguette writes “Parent.Child”: make Child a sub-tag of Parent.")


def _download(built: exports.ExportFile) -> FileResponse:
    return FileResponse(built.stream, as_attachment=True, filename=built.filename, content_type=built.media_type)


class ImportsView(ServiceFormView):
    """Upload a file to import; the latest imports with their status and reports."""

    form_class = ImportForm

    def get(self, request, form=None, status=200):
        jobs = selectors.import_job_list()
        return render(request, "interop/imports.html", {
            "form": form or ImportForm(), "jobs": jobs, "can_edit": self.can(Perm.RESEARCH),
            "is_admin": self.can(Perm.MANAGE_ORG), "studies": Study.objects.order_by("name"),
            "pending": any(job.status in ("queued", "processing") for job in jobs), **_export_jobs(self),
        }, status=status)

    def perform(self, form):
        try:
            return services.import_job_create(uploaded_file=form.cleaned_data["file"],
                                              split_names=form.cleaned_data["split_names"], by=self.request.user)
        except services.ImportTooLarge as error:  # before UnsupportedImport: both are ImportRefused
            raise ValidationError({"file": error.message}) from None
        except services.UnsupportedImport as error:
            raise ValidationError({"file": error.message}) from None

    def success_message(self, job) -> str:
        return f"“{job.filename}” is being imported; its report appears below when it is done."

    def success_url(self, job, **url_kwargs) -> str:
        return reverse("imports", args=[self.organization.slug])


class ImportDetailView(OrgView):
    def get(self, request, import_id):
        job = resolve_one(ImportJob.objects.select_related("created_by"), str(import_id))
        return render(request, "interop/import_detail.html", {"job": job})


def _link(request, organization):
    def link(interview):
        return request.build_absolute_uri(reverse("interview_detail", args=[organization.slug, interview.public_id]))
    return link


class HighlightsDownloadView(OrgView):
    """?format=xlsx|docx|csv|html, and tag, q, study as the API takes them."""

    def get(self, request):
        fmt = request.GET.get("format", "xlsx")
        if fmt not in ("xlsx", "docx", "csv", "html"):
            raise Http404("No such format.")
        tag = resolve_one(Tag, request.GET.get("tag")) if request.GET.get("tag") else None
        study = resolve_one(Study, request.GET.get("study")) if request.GET.get("study") else None
        query = request.GET.get("q", "").strip()
        rows = selectors.export_highlights(tag=tag, query=query, study=study)
        title = "Highlights" + (f" tagged “{tag.name}”" if tag else "") + (f" matching “{query}”" if query else "")
        stem, link = f"highlights-{tag.name}" if tag else "highlights", _link(request, self.organization)
        if fmt == "csv":
            return _download(research.highlights_csv(rows, link=link, stem=stem))
        if fmt == "xlsx":
            tops = selectors.top_level_of(list({t.pk: t for r in rows for t in r.tags}.values()))
            return _download(research.highlights_xlsx(rows, link=link, tops=tops, stem=stem))
        if fmt == "docx":
            return _download(research.highlights_docx(rows, link=link, title=title, stem=stem))
        return _download(research.highlights_html(rows, link=link, title=title, stem=stem))


class CodebookDownloadView(OrgView):
    """?format=csv|xlsx|docx|qdc."""

    def get(self, request):
        fmt = request.GET.get("format", "xlsx")
        if fmt == "qdc":
            return _download(exports.codebook_qdc())
        tags = selectors.export_codebook()
        builders = {"csv": research.codebook_csv, "xlsx": research.codebook_xlsx,
                    "docx": lambda t: research.codebook_docx(t, title=f"{self.organization.name}: codebook")}
        if fmt not in builders:
            raise Http404("No such format.")
        return _download(builders[fmt](tags))


class InterviewDownloadView(OrgView):
    """?format=docx|html: the transcript with its highlights marked."""

    def get(self, request, interview_id):
        interview = resolve_one(Interview.objects.select_related("study"), str(interview_id))
        fmt = request.GET.get("format", "docx")
        if fmt not in ("docx", "html"):
            raise Http404("No such format.")
        utterances, highlights, numbers = selectors.export_transcript(interview=interview,
                                                                      personal_data=self.can(Perm.PERSONAL_DATA))
        builder = research.transcript_docx if fmt == "docx" else research.transcript_html
        return _download(builder(interview, utterances, highlights, numbers, link=_link(request, self.organization)))


class PersonaDownloadView(OrgView):
    def get(self, request, persona_id):
        persona = resolve_one(Persona, str(persona_id))
        _, claims = selectors.export_persona(persona=persona)
        return _download(research.persona_docx(persona, claims, link=_link(request, self.organization)))


def _queued(view: OrgView, *, kind: str, study=None) -> HttpResponseRedirect:
    """A large export: built by a background job, followed on the Import & export page until its link is ready."""
    job = services.export_job_create(kind=kind, study=study, personal_data=view.can(Perm.PERSONAL_DATA),
                                     by=view.request.user)
    what = "The backup" if kind == ExportJob.Kind.BACKUP else f"The export of {study.name if study else 'the whole project'}"
    messages.info(view.request, f"{what} is large, so it is being built in the background; its download link "
                                "appears under Large exports when it is ready.")
    return redirect(f"{reverse('imports', args=[view.organization.slug])}#export-{job.public_id}")


class ProjectDownloadView(OrgView):
    """The REFI-QDA project (optionally one study's); a large one is built by a background job."""

    def get(self, request):
        study = resolve_one(Study, request.GET.get("study")) if request.GET.get("study") else None
        if selectors.export_is_large(study=study):
            return _queued(self, kind=ExportJob.Kind.PROJECT, study=study)
        return _download(exports.project_qdpx(personal_data=self.can(Perm.PERSONAL_DATA), study=study))


class BackupDownloadView(OrgView):
    """Admins: the whole-organisation backup, as `manage.py export_org` writes it; a large one is built by a
    background job."""

    read_permission = Perm.MANAGE_ORG

    def get(self, request):
        if selectors.export_is_large():
            return _queued(self, kind=ExportJob.Kind.BACKUP)
        return _download(services.build_backup())


class ExportJobsView(OrgView):
    """The export jobs' table alone, polled by the Import & export page while one is being built."""

    def get(self, request):
        return render(request, "interop/_export_jobs.html", _export_jobs(self))


def _export_jobs(view: OrgView) -> dict:
    jobs = selectors.export_job_list(manage_org=view.can(Perm.MANAGE_ORG), personal_data=view.can(Perm.PERSONAL_DATA))
    for job in jobs:
        job.url = signed_file_path(job)
    return {"export_jobs": jobs, "exports_pending": any(job.pending for job in jobs)}
