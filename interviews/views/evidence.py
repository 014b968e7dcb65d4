"""Web UI for evidence: highlights made and edited on a transcript, the codebook, one tag, merging and deleting
tags, and the tag colours."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from empathy_site.ids import parse_uuid
from empathy_site.tenancy.lookups import resolve_one
from empathy_site.tenancy.roles import Perm
from empathy_site.tenancy.web import OrgView, ServiceFormView

from .. import selectors, services
from ..forms import HighlightForm, TagForm, TagMergeForm
from ..models import Highlight, Interview, Tag


def _tags_from_ids(raw_ids) -> list[Tag]:
    return list(Tag.objects.filter(public_id__in=[i for i in map(parse_uuid, raw_ids) if i]))


def _spot_url(org_slug, interview, position, highlight=None) -> str:
    url = reverse("interview_detail", args=[org_slug, interview.public_id])
    return f"{url}?h={highlight.public_id}#u-{position}" if highlight else f"{url}#u-{position}"


class HighlightCreateView(OrgView):
    http_method_names = ["post"]

    def post(self, request, interview_id):
        interview = resolve_one(Interview, interview_id)
        form = HighlightForm(request.POST)
        if not form.is_valid():
            messages.error(request, "That selection could not be saved: " + "; ".join(
                f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
            return redirect("interview_detail", org_slug=self.organization.slug, interview_id=interview.public_id)
        data = form.cleaned_data
        try:
            tags = _tags_from_ids(request.POST.getlist("tags"))
            if data["new_tag"]:
                existing = Tag.objects.filter(name__iexact=data["new_tag"]).first()
                tags.append(existing or services.tag_create(name=data["new_tag"], by=request.user))
            highlight = services.highlight_create(
                interview=interview,
                span=services.Span(data["start_position"], data["start_offset"], data["end_position"], data["end_offset"]),
                tags=tags, note=data["note"], by=request.user,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("interview_detail", org_slug=self.organization.slug, interview_id=interview.public_id)
        messages.success(request, "Highlight saved.")
        return redirect(_spot_url(self.organization.slug, interview, highlight.start_position, highlight))


class HighlightEditView(OrgView):
    http_method_names = ["post"]

    def post(self, request, highlight_id):
        highlight = resolve_one(Highlight.objects.select_related("interview"), highlight_id)
        if request.POST.get("delete"):
            services.highlight_delete(highlight=highlight, by=request.user)
            messages.success(request, "Highlight deleted.")
            return redirect("interview_detail", org_slug=self.organization.slug, interview_id=highlight.interview.public_id)
        tags = _tags_from_ids(request.POST.getlist("tags"))
        new_tag = request.POST.get("new_tag", "").strip()
        try:
            if new_tag:
                tags.append(Tag.objects.filter(name__iexact=new_tag).first() or services.tag_create(name=new_tag, by=request.user))
            services.highlight_update(highlight=highlight, note=request.POST.get("note", highlight.note), tags=tags, by=request.user)
            messages.success(request, "Highlight updated.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect(_spot_url(self.organization.slug, highlight.interview, highlight.start_position, highlight))


class CodebookView(ServiceFormView):
    form_class = TagForm

    def get(self, request, form=None, status=200):
        tags = selectors.tag_tree()
        return render(request, "interviews/codebook.html", {
            "tags": tags, "form": form or TagForm(), "merge_form": TagMergeForm(), "can_edit": self.can(Perm.RESEARCH),
            "unmapped": selectors.unmapped_speakers(),
        }, status=status)

    def perform(self, form):
        data = form.cleaned_data
        return services.tag_create(
            name=data["name"], description=data["description"], colour=data["colour"], parent=data["parent"],
            by=self.request.user,
        )

    def success_message(self, tag):
        return f"Tag “{tag.name}” added."

    def success_url(self, tag):
        return reverse("codebook", args=[self.organization.slug])


class TagDetailView(ServiceFormView):
    form_class = TagForm

    def get(self, request, tag_id, form=None, status=200):
        tag = resolve_one(Tag.objects.select_related("parent"), tag_id)
        page = Paginator(selectors.tag_highlights(tag=tag, viewer=request.user), 50).get_page(request.GET.get("page"))
        return render(request, "interviews/tag_detail.html", {
            "tag": tag, "page": page, "form": form or TagForm(instance=tag), "merge_form": TagMergeForm(exclude=tag),
            "highlight_count": tag.highlight_links.count(), "can_edit": self.can(Perm.RESEARCH),
        }, status=status)

    def form_kwargs(self, tag_id):
        return {"instance": resolve_one(Tag, tag_id)}

    def perform(self, form, tag_id):
        data = form.cleaned_data
        return services.tag_update(
            tag=form.instance, name=data["name"], description=data["description"], colour=data["colour"],
            parent=data["parent"], by=self.request.user,
        )

    def success_message(self, tag):
        return "Tag saved."

    def success_url(self, tag, tag_id):
        return reverse("tag_detail", args=[self.organization.slug, tag.public_id])


class TagMergeView(OrgView):
    http_method_names = ["post"]

    def post(self, request, tag_id):
        source = resolve_one(Tag, tag_id)
        form = TagMergeForm(request.POST, exclude=source)
        if not form.is_valid():
            messages.error(request, "Choose the tag to merge into.")
            return redirect("tag_detail", org_slug=self.organization.slug, tag_id=tag_id)
        target = form.cleaned_data["into"]
        try:
            services.tag_merge(source=source, target=target, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("tag_detail", org_slug=self.organization.slug, tag_id=tag_id)
        messages.success(request, f"“{source.name}” merged into “{target.name}”; every highlight moved.")
        return redirect("tag_detail", org_slug=self.organization.slug, tag_id=target.public_id)


class TagDeleteView(OrgView):
    """GET asks for confirmation (with the number of highlights it touches); POST deletes."""

    def get(self, request, tag_id):
        tag = resolve_one(Tag, tag_id)
        return render(request, "interviews/tag_delete.html", {
            "tag": tag, "highlight_count": tag.highlight_links.count(), "child_count": tag.children.count(),
        })

    def post(self, request, tag_id):
        tag = resolve_one(Tag, tag_id)
        touched = services.tag_delete(tag=tag, by=request.user)
        messages.success(request, f"Tag “{tag.name}” deleted; {touched} highlight{'s' if touched != 1 else ''} kept without it.")
        return redirect("codebook", org_slug=self.organization.slug)


class TagStylesView(OrgView):
    """Tag colours as CSS classes: the CSP forbids inline styles, so colours come from here."""

    def get(self, request):
        lines = [
            f".t-{tag.public_id.hex[:12]}{{--tag:{tag.colour}}}"
            for tag in Tag.objects.only("public_id", "colour")
        ]
        response = HttpResponse("\n".join(lines), content_type="text/css; charset=utf-8")
        response["Cache-Control"] = "private, no-cache"
        return response
