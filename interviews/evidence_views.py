"""Web UI for highlights, the codebook, evidence search and patterns."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify

from empathy_site.ids import parse_uuid
from empathy_site.tenancy.roles import Perm
from empathy_site.tenancy.web import OrgView, add_service_errors, csv_download

from . import selectors, services
from .forms import HighlightForm, SearchForm, TagForm, TagMergeForm
from .models import Highlight, Interview, Tag
from .search import search_highlights, search_utterances


def _tags_from_ids(raw_ids) -> list[Tag]:
    return list(Tag.objects.filter(public_id__in=[i for i in map(parse_uuid, raw_ids) if i]))


def _spot_url(org_slug, interview, position, highlight=None) -> str:
    url = reverse("interview_detail", args=[org_slug, interview.public_id])
    return f"{url}?h={highlight.public_id}#u-{position}" if highlight else f"{url}#u-{position}"


class HighlightCreateView(OrgView):
    http_method_names = ["post"]

    def post(self, request, interview_id):
        interview = get_object_or_404(Interview, public_id=interview_id)
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
        highlight = get_object_or_404(Highlight.objects.select_related("interview"), public_id=highlight_id)
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


class CodebookView(OrgView):
    def get(self, request, form=None, status=200):
        tags = selectors.tag_tree()
        return render(request, "interviews/codebook.html", {
            "tags": tags, "form": form or TagForm(), "merge_form": TagMergeForm(), "can_edit": self.can(Perm.RESEARCH),
        }, status=status)

    def post(self, request):
        form = TagForm(request.POST)
        if form.is_valid():
            try:
                tag = services.tag_create(by=request.user, **form.cleaned_data)
                messages.success(request, f"Tag “{tag.name}” added.")
                return redirect("codebook", org_slug=self.organization.slug)
            except ValidationError as error:
                add_service_errors(form, error)
        return self.get(request, form=form, status=400)


class TagDetailView(OrgView):
    def get(self, request, tag_id, form=None, status=200):
        tag = get_object_or_404(Tag.objects.select_related("parent"), public_id=tag_id)
        page = Paginator(selectors.tag_highlights(tag=tag), 50).get_page(request.GET.get("page"))
        return render(request, "interviews/tag_detail.html", {
            "tag": tag, "page": page, "form": form or TagForm(instance=tag), "merge_form": TagMergeForm(exclude=tag),
            "highlight_count": tag.highlight_links.count(), "can_edit": self.can(Perm.RESEARCH),
        }, status=status)

    def post(self, request, tag_id):
        tag = get_object_or_404(Tag, public_id=tag_id)
        form = TagForm(request.POST, instance=tag)
        if form.is_valid():
            try:
                services.tag_update(tag=tag, by=request.user, **form.cleaned_data)
                messages.success(request, "Tag saved.")
                return redirect("tag_detail", org_slug=self.organization.slug, tag_id=tag.public_id)
            except ValidationError as error:
                add_service_errors(form, error)
        return self.get(request, tag_id, form=form, status=400)


class TagMergeView(OrgView):
    http_method_names = ["post"]

    def post(self, request, tag_id):
        source = get_object_or_404(Tag, public_id=tag_id)
        form = TagMergeForm(request.POST, exclude=source)
        if not form.is_valid():
            messages.error(request, "Choose the tag to merge into.")
            return redirect("tag_detail", org_slug=self.organization.slug, tag_id=tag_id)
        target = form.cleaned_data["into"]
        try:
            services.tag_merge(source=source, target=target, by=request.user, request=request)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("tag_detail", org_slug=self.organization.slug, tag_id=tag_id)
        messages.success(request, f"“{source.name}” merged into “{target.name}”; every highlight moved.")
        return redirect("tag_detail", org_slug=self.organization.slug, tag_id=target.public_id)


class TagDeleteView(OrgView):
    """GET asks for confirmation (with the number of highlights it touches); POST deletes."""

    def get(self, request, tag_id):
        tag = get_object_or_404(Tag, public_id=tag_id)
        return render(request, "interviews/tag_delete.html", {
            "tag": tag, "highlight_count": tag.highlight_links.count(), "child_count": tag.children.count(),
        })

    def post(self, request, tag_id):
        tag = get_object_or_404(Tag, public_id=tag_id)
        touched = services.tag_delete(tag=tag, by=request.user, request=request)
        messages.success(request, f"Tag “{tag.name}” deleted; {touched} highlight{'s' if touched != 1 else ''} kept without it.")
        return redirect("codebook", org_slug=self.organization.slug)


class SearchView(OrgView):
    PAGE = 20

    def get(self, request):
        form = SearchForm(request.GET or None)
        context = {"form": form, "searched": False}
        if form.is_bound and form.is_valid() and form.cleaned_data["q"]:
            filters = form.filters()
            page = form.cleaned_data.get("page") or 1
            offset = (page - 1) * self.PAGE
            highlights = search_highlights(query=form.cleaned_data["q"], filters=filters, limit=self.PAGE + 1, offset=offset)
            utterances = search_utterances(query=form.cleaned_data["q"], filters=filters, limit=self.PAGE + 1, offset=offset)
            selectors.label_speakers([u.speaker for u in utterances], personal_data=self.can(Perm.PERSONAL_DATA))
            params = request.GET.copy()
            params["page"] = page + 1
            context.update({
                "searched": True,
                "highlights": highlights[: self.PAGE],
                "utterances": utterances[: self.PAGE],
                "active_filters": filters.active(),
                "next_query": params.urlencode() if max(len(highlights), len(utterances)) > self.PAGE else None,
                "page_number": page,
            })
        return render(request, "interviews/search.html", context, status=400 if form.is_bound and not form.is_valid() else 200)


class PatternsView(OrgView):
    def get(self, request):
        keys = selectors.participant_attribute_keys()
        default = "role" if "role" in keys else (keys[0] if keys else "")
        attribute = request.GET.get("attribute") or default
        # A key nobody has (a stale link, a typo) is an empty state that says so, not another key's matrix.
        missing = attribute if attribute and attribute not in keys else ""
        values, rows = selectors.tag_segment_matrix(attribute=attribute) if attribute and not missing else ([], [])
        peak = max([c for _, counts in rows for c in counts.values()] or [1])
        matrix = [
            (tag, [(value, counts.get(value, 0), _heat_level(counts.get(value, 0), peak)) for value in values])
            for tag, counts in rows
        ]
        return render(request, "interviews/patterns.html", {
            "keys": keys, "attribute": attribute, "missing_attribute": missing, "values": values, "matrix": matrix,
            "pairs": selectors.tag_cooccurrence()[:30],
        })


def _heat_level(count: int, peak: int) -> int:
    """0 for nobody, else 1..10 relative to the busiest cell."""
    return 0 if count == 0 else max(1, round(10 * count / peak))


class MatrixCsvView(OrgView):
    def get(self, request):
        keys = selectors.participant_attribute_keys()
        attribute = request.GET.get("attribute", "")
        if attribute not in keys:
            return HttpResponse(f"Unknown attribute. Choose one of: {', '.join(keys) or '(none yet)'}.",
                                status=400, content_type="text/plain")
        values, rows = selectors.tag_segment_matrix(attribute=attribute)
        response, writer = csv_download(f"tags-by-{slugify(attribute) or 'attribute'}.csv")
        writer.writerow(["tag", *[f"{attribute}={v}" for v in values]])
        for tag, counts in rows:
            writer.writerow([tag.name, *[counts.get(v, 0) for v in values]])
        return response


class CooccurrenceCsvView(OrgView):
    def get(self, request):
        response, writer = csv_download("tag-cooccurrence.csv")
        writer.writerow(["tag", "other tag", "highlights", "distinct participants"])
        for first, second, highlights, voices in selectors.tag_cooccurrence():
            writer.writerow([first.name, second.name, highlights, voices])
        return response



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
