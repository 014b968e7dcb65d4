"""Web UI for messages: writing with the assumption check, reviewing, approving, and the insight dashboard."""

import difflib

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render

from empathy_site.ids import parse_uuid
from empathy_site.tenancy.roles import Perm
from empathy_site.tenancy.web import OrgView, add_service_errors, csv_download
from interviews.search import search_highlights

from . import selectors, services
from .forms import ApproveForm, MessageMetaForm, MessageRevisionForm
from .models import Message, Persona


def _write_context(request, form, *, targets=None, message=None, meta_form=None):
    targets = targets if targets is not None else []
    return {
        "form": form, "meta_form": meta_form, "message": message,
        "track_record": selectors.author_track_record(user=request.user),
        "evidence": selectors.relevant_evidence(personas=targets),
        "selected_claims": {str(v) for v in (form["claims"].value() or [])},
        "chosen_highlights": list(form.fields["highlights"].queryset.filter(
            public_id__in=[v for v in (form["highlights"].value() or []) if parse_uuid(v)])) if form.is_bound else [],
    }



def _targets_from(form) -> list[Persona]:
    raw = [v for v in (form["target_personas"].value() or []) if parse_uuid(v)]
    return list(Persona.objects.filter(public_id__in=raw))


class MessageListView(OrgView):
    read_permission = Perm.VIEW

    def get(self, request):
        page = Paginator(
            selectors.message_list(status=request.GET.get("status", ""), channel=request.GET.get("channel", ""),
                                   attention=bool(request.GET.get("attention"))), 30,
        ).get_page(request.GET.get("page"))
        return render(request, "personas/messages/list.html", {
            "page": page, "statuses": Message.Status.choices, "channels": Message.Channel.choices,
            "current_status": request.GET.get("status", ""), "current_channel": request.GET.get("channel", ""),
            "can_write": self.can(Perm.MESSAGES),
        })


class MessageCreateView(OrgView):
    read_permission = write_permission = Perm.MESSAGES

    def get(self, request):
        form = MessageRevisionForm()
        return render(request, "personas/messages/write.html",
                      _write_context(request, form, meta_form=MessageMetaForm()))

    def post(self, request):
        meta_form, form = MessageMetaForm(request.POST), MessageRevisionForm(request.POST)
        if meta_form.is_valid() and form.is_valid():
            try:
                message = services.message_create(
                    title=meta_form.cleaned_data["title"], channel=meta_form.cleaned_data["channel"],
                    body=form.cleaned_data["body"], target_personas=list(form.cleaned_data["target_personas"]),
                    check=form.check_answers(), by=request.user,
                )
                flash.success(request, f"Saved with its assumption check: {message.get_grounding_display().lower()}.")
                return redirect("message_detail", org_slug=self.organization.slug, message_id=message.public_id)
            except ValidationError as error:
                add_service_errors(form, error)
        context = _write_context(request, form, targets=_targets_from(form), meta_form=meta_form)
        return render(request, "personas/messages/write.html", context, status=400)


class MessageReviseView(OrgView):
    read_permission = write_permission = Perm.MESSAGES

    def get(self, request, message_id):
        message = get_object_or_404(Message, public_id=message_id)
        current = selectors.message_revisions(message=message)[0]
        form = MessageRevisionForm(initial={
            "body": current.body, "target_personas": [p.public_id for p in current.target_personas.all()],
        })
        return render(request, "personas/messages/write.html",
                      _write_context(request, form, targets=list(current.target_personas.all()), message=message))

    def post(self, request, message_id):
        message = get_object_or_404(Message, public_id=message_id)
        form = MessageRevisionForm(request.POST)
        if form.is_valid():
            try:
                revision = services.message_revise(
                    message=message, body=form.cleaned_data["body"],
                    target_personas=list(form.cleaned_data["target_personas"]), check=form.check_answers(), by=request.user,
                )
                flash.success(request, f"Revision {revision.number} saved with its assumption check.")
                return redirect("message_detail", org_slug=self.organization.slug, message_id=message.public_id)
            except ValidationError as error:
                add_service_errors(form, error)
        return render(request, "personas/messages/write.html",
                      _write_context(request, form, targets=_targets_from(form), message=message), status=400)


class EvidencePanelView(OrgView):
    """HTMX: the debiasing panel for the personas ticked so far."""

    read_permission = Perm.MESSAGES

    def get(self, request):
        raw = [v for v in request.GET.getlist("target_personas") if parse_uuid(v)]
        targets = list(Persona.objects.filter(public_id__in=raw))
        return render(request, "personas/messages/_evidence_panel.html", {
            "evidence": selectors.relevant_evidence(personas=targets),
            "selected_claims": set(request.GET.getlist("claims")),
            "track_record": selectors.author_track_record(user=request.user),
        })


class HighlightPickerView(OrgView):
    read_permission = Perm.MESSAGES

    def get(self, request):
        query = request.GET.get("hq", "").strip()
        return render(request, "personas/messages/_highlight_results.html", {
            "results": search_highlights(query=query, limit=8) if query else [], "query": query,
        })


class MessageDetailView(OrgView):
    def get(self, request, message_id):
        message = get_object_or_404(Message.objects.select_related("author", "approved_by"), public_id=message_id)
        revisions = selectors.message_revisions(message=message)
        compare = None
        numbers = {r.number: r for r in revisions}
        try:
            a, b = int(request.GET.get("a", 0)), int(request.GET.get("b", 0))
        except ValueError:
            a = b = 0
        if a in numbers and b in numbers and a != b:
            older, newer = numbers[min(a, b)], numbers[max(a, b)]
            compare = {"older": older, "newer": newer, "lines": list(difflib.ndiff(
                older.body.splitlines(), newer.body.splitlines()))}
        return render(request, "personas/messages/detail.html", {
            "message": message, "revisions": revisions, "current": revisions[0] if revisions else None,
            "compare": compare, "approve_form": ApproveForm(), "can_write": self.can(Perm.MESSAGES),
            "is_admin": self.can(Perm.MANAGE_ORG),
        })


class MessageApproveView(OrgView):
    read_permission = write_permission = Perm.MESSAGES
    http_method_names = ["post"]

    def post(self, request, message_id):
        message = get_object_or_404(Message, public_id=message_id)
        form = ApproveForm(request.POST)
        form.is_valid()
        try:
            services.message_approve(
                message=message, by=request.user, override_reason=form.cleaned_data.get("override_reason", ""),
                is_admin=self.can(Perm.MANAGE_ORG), request=request,
            )
            flash.success(request, "Approved.")
        except ValidationError as error:
            flash.error(request, " ".join(error.messages))
        return redirect("message_detail", org_slug=self.organization.slug, message_id=message_id)


class MessageMetaView(OrgView):
    """Title, channel, status: no words change, so no check."""

    read_permission = write_permission = Perm.MESSAGES
    http_method_names = ["post"]

    def post(self, request, message_id):
        message = get_object_or_404(Message, public_id=message_id)
        values = {k: request.POST[k] for k in ("title", "channel", "status") if request.POST.get(k)}
        try:
            services.message_update(message=message, by=request.user, **values)
            flash.success(request, "Saved.")
        except ValidationError as error:
            flash.error(request, " ".join(error.messages))
        return redirect("message_detail", org_slug=self.organization.slug, message_id=message_id)


class InsightsView(OrgView):
    def get(self, request):
        return render(request, "personas/messages/insights.html", {"dash": selectors.basis_dashboard()})


class InsightsCsvView(OrgView):
    """Every chart's numbers: one row per (dimension, value, basis)."""

    def get(self, request):
        dash = selectors.basis_dashboard()
        response, writer = csv_download("assumption-checks.csv")
        writer.writerow(["dimension", "value", "basis", "revisions", "share_percent"])
        for dimension in ("by_month", "by_channel", "by_persona", "by_author"):
            for value, entry in dash[dimension].items():
                label = value.strftime("%Y-%m") if hasattr(value, "strftime") else (value or "(none)")
                for basis, _ in dash["bases"]:
                    writer.writerow([dimension.removeprefix("by_"), label, basis, entry[basis], entry["pct"][basis]])
        writer.writerow([])
        writer.writerow(["author", "mean_own_taste", "mean_predicted_reaction", "gap", "revisions", "projection_risks"])
        for gap in dash["gaps"]:
            writer.writerow([gap["answered_by__email"] or "(unknown)", round(gap["taste"], 2),
                             round(gap["prediction"], 2), gap["gap"], gap["n"], gap["risky"]])
        return response
