"""Web UI for messages: writing with the assumption check, revising, reviewing and approving."""

import difflib

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse

from empathy_site.ids import parse_uuid
from empathy_site.model_update import UNCHANGED
from empathy_site.tenancy.lookups import resolve_one
from empathy_site.tenancy.roles import Perm
from empathy_site.tenancy.web import OrgView, ServiceFormView
from interviews.selectors import search_highlights

from .. import selectors, services
from ..forms import (
    ApproveForm,
    MessageCreateForm,
    MessageReviseForm,
    OutcomeForm,
    OutcomeImportForm,
    RequestReviewForm,
    ReviewCommentForm,
    instruction_shown_in,
    instruction_token,
)
from ..models import Message, Persona


def _write_context(request, form, *, targets=None, message=None, meta_form=None):
    targets = targets if targets is not None else []
    # The assignment is made once, when the form is first shown; shown again with errors it keeps it.
    if form.is_bound:
        token = form["instruction_token"].value() or ""
        shown = instruction_shown_in(token)
    else:
        shown = selectors.instruction_assignment()
        token = instruction_token(shown)
        form.initial["instruction_token"] = token
        form.fields["instruction_token"].initial = token
    return {
        "mirror": selectors.mirror_sentence(user=request.user), "instruction_shown": shown, "instruction_token": token,
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


class MessageCreateView(ServiceFormView):
    read_permission = write_permission = Perm.MESSAGES
    form_class = MessageCreateForm

    def get(self, request, form=None, status=200):
        # One form holds the title and channel too; the page shows them apart, as meta_form.
        targets = _targets_from(form) if form is not None else []
        form = form or MessageCreateForm()
        return render(request, "personas/messages/write.html",
                      _write_context(request, form, targets=targets, meta_form=form), status=status)

    def perform(self, form):
        data = form.cleaned_data
        return services.message_create(
            title=data["title"], channel=data["channel"], body=data["body"],
            target_personas=list(data["target_personas"]), check=form.check_answers(), by=self.request.user,
        )

    def success_message(self, message) -> str:
        return f"Saved with its assumption check: {message.get_grounding_display().lower()}."

    def success_url(self, message) -> str:
        return reverse("message_detail", args=[self.organization.slug, message.public_id])


class MessageReviseView(ServiceFormView):
    read_permission = write_permission = Perm.MESSAGES
    form_class = MessageReviseForm

    def get(self, request, message_id, form=None, status=200):
        message = resolve_one(Message, message_id)
        if form is None:
            current = selectors.message_revisions(message=message)[0]
            targets = list(current.target_personas.all())
            form = MessageReviseForm(initial={"title": message.title, "channel": message.channel, "body": current.body,
                                              "target_personas": [p.public_id for p in targets]})
        else:
            targets = _targets_from(form)
        return render(request, "personas/messages/write.html",
                      _write_context(request, form, targets=targets, message=message, meta_form=form), status=status)

    def perform(self, form, message_id):
        data = form.cleaned_data
        return services.message_revise(
            message=resolve_one(Message, message_id), body=data["body"],
            title=data["title"] or UNCHANGED, channel=data["channel"] or UNCHANGED,
            target_personas=list(data["target_personas"]), check=form.check_answers(), by=self.request.user,
        )

    def success_message(self, revision) -> str:
        return f"Revision {revision.number} saved with its assumption check."

    def success_url(self, revision, message_id) -> str:
        return reverse("message_detail", args=[self.organization.slug, message_id])


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
            "results": search_highlights(query=query, limit=8, viewer=request.user, citable=True) if query else [], "query": query,
        })


class MessageDetailView(OrgView):
    def get(self, request, message_id, outcome_form=None, status=200):
        message = resolve_one(Message.objects.select_related("author", "approved_by"), message_id)
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
            "is_admin": self.can(Perm.MANAGE_ORG), "outcomes": selectors.message_outcomes(message=message),
            "reviews": selectors.message_review_history(message=message),
            "four_eyes": selectors.evidence_policy().four_eyes_review,
            "request_review_form": RequestReviewForm(),
            "review_comment_form": ReviewCommentForm(),
            "outcome_form": outcome_form or OutcomeForm(revision_count=message.revision_count),
        }, status=status)


class MessageOutcomeCreateView(ServiceFormView):
    """What customers did with the message; the form sits on the message page."""

    read_permission = write_permission = Perm.MESSAGES
    form_class = OutcomeForm
    http_method_names = ["post"]

    def form_kwargs(self, message_id):
        return {"revision_count": resolve_one(Message, message_id).revision_count}

    def get(self, request, message_id, form=None, status=200):
        return MessageDetailView.get(self, request, message_id, outcome_form=form, status=status)

    def perform(self, form, message_id):
        return services.outcome_record(message=resolve_one(Message, message_id), observed_reaction=form.cleaned_data[
            "observed_reaction"], revision_number=form.cleaned_data["revision"], metric=form.metric(), by=self.request.user)

    def success_message(self, outcome) -> str:
        return f"Outcome recorded for revision {outcome.revision.number}."

    def success_url(self, outcome, message_id) -> str:
        return reverse("message_detail", args=[self.organization.slug, message_id]) + "#outcomes"


class OutcomeImportView(OrgView):
    """CSV of outcomes, one row per message; all rows or none, every wrong row named."""

    read_permission = write_permission = Perm.MESSAGES

    def get(self, request, form=None, problems=(), status=200):
        return render(request, "personas/messages/outcome_import.html", {
            "form": form or OutcomeImportForm(), "problems": problems, "columns": services.outcomes.CSV_COLUMNS,
        }, status=status)

    def post(self, request):
        form = OutcomeImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.get(request, form=form, status=400)
        try:
            rows = services.outcome_rows_from_csv(form.cleaned_data["file"].read(services.outcomes.MAX_IMPORT_BYTES + 1))
            imported = services.outcomes_import(rows=rows, by=request.user)
        except ValidationError as error:
            return self.get(request, form=form, problems=error.messages, status=400)
        flash.success(request, f"Imported {len(imported)} outcome{'s' if len(imported) != 1 else ''}.")
        return redirect("message_insights", org_slug=self.organization.slug)


class MessageApproveView(OrgView):
    read_permission = write_permission = Perm.MESSAGES
    http_method_names = ["post"]

    def post(self, request, message_id):
        message = resolve_one(Message, message_id)
        form = ApproveForm(request.POST)
        form.is_valid()
        try:
            services.message_approve(
                message=message, by=request.user, override_reason=form.cleaned_data.get("override_reason", ""),
                is_admin=self.can(Perm.MANAGE_ORG),
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
        message = resolve_one(Message, message_id)
        # A field left empty on the page is not being changed.
        title, channel, status = (request.POST.get(name) or UNCHANGED for name in ("title", "channel", "status"))
        try:
            services.message_update(message=message, title=title, channel=channel, status=status, by=request.user)
            flash.success(request, "Saved.")
        except ValidationError as error:
            flash.error(request, " ".join(error.messages))
        return redirect("message_detail", org_slug=self.organization.slug, message_id=message_id)


class MessageRequestReviewView(OrgView):
    """Names the member who should review the message; they are notified."""

    read_permission = write_permission = Perm.MESSAGES
    http_method_names = ["post"]

    def post(self, request, message_id):
        message = resolve_one(Message, message_id)
        form = RequestReviewForm(request.POST)
        if not form.is_valid():
            flash.error(request, "Choose a member to review the message.")
        else:
            try:
                services.message_request_review(message=message, reviewer=form.cleaned_data["reviewer"],
                                                note=form.cleaned_data["note"], by=request.user)
                flash.success(request, f"{form.cleaned_data['reviewer'].display_name} is asked to review it.")
            except ValidationError as error:
                flash.error(request, " ".join(error.messages))
        return redirect("message_detail", org_slug=self.organization.slug, message_id=message_id)


class MessageReviewCommentView(OrgView):
    """A comment in the message's review history."""

    read_permission = write_permission = Perm.MESSAGES
    http_method_names = ["post"]

    def post(self, request, message_id):
        message = resolve_one(Message, message_id)
        form = ReviewCommentForm(request.POST)
        try:
            form.is_valid()
            services.message_review_comment(message=message, body=form.cleaned_data.get("body", ""), by=request.user)
            flash.success(request, "Review comment added.")
        except ValidationError as error:
            flash.error(request, " ".join(error.messages))
        return redirect("message_detail", org_slug=self.organization.slug, message_id=message_id)
