"""Web UI for independent coding of one interview: coders and their colours, marking done, agreement per tag,
the disagreements side by side with reconcile buttons, and both as CSV."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render

from empathy_site.tenancy.lookups import resolve_one
from empathy_site.tenancy.models import Membership, User
from empathy_site.tenancy.roles import Perm
from empathy_site.tenancy.web import OrgView, csv_download

from .. import services
from ..models import CODER_COLOURS, Assignment, Highlight, Interview, Tag, Utterance
from ..selectors import coding


def _figure(value):
    """A number for the spreadsheet (negative kappas stay numbers), or an empty cell when undefined."""
    return "" if value is None else round(value, 6)


def _report(interview: Interview):
    data = coding.coding_data([interview])
    return data, coding.agreement_report(data)


class InterviewCodingView(OrgView):
    """GET shows the page; POST does one thing, named by ``action``: assign, unassign, done, reopen, reconcile."""

    def get(self, request, interview_id, status=200):
        interview = resolve_one(Interview.objects.select_related("study"), interview_id)
        assignments = list(coding.assignment_list(interview=interview))
        for index, assignment in enumerate(assignments):
            assignment.slot = index % len(CODER_COLOURS)
        everyone_done = bool(assignments) and all(a.done_at for a in assignments)
        data, report = _report(interview)
        slots = {a.coder_id: a.slot for a in assignments}
        rows = coding.disagreements(data) if everyone_done else []
        for row in rows:
            row.coders = [(user, applied, highlights, slots.get(user.pk)) for user, applied, highlights in row.coders]
        assigned = {a.coder_id for a in assignments}
        candidates = [
            m.user for m in Membership.objects.filter(organization=self.organization, role__in=services.coding.CODER_ROLES)
            .select_related("user").order_by("user__email") if m.user_id not in assigned
        ]
        return render(request, "interviews/interview_coding.html", {
            "interview": interview, "assignments": assignments, "everyone_done": everyone_done, "report": report,
            "disagreements": rows, "candidates": candidates, "can_edit": self.can(Perm.RESEARCH),
            "can_manage": self.can(Perm.MANAGE_ORG),
            "my_assignment": next((a for a in assignments if a.coder_id == request.user.pk), None),
        }, status=status)

    def post(self, request, interview_id):
        interview = resolve_one(Interview, interview_id)
        action = request.POST.get("action", "")
        try:
            message = self._perform(request, interview, action)
        except (ValidationError, PermissionDenied) as error:
            text = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            messages.error(request, text)
            return self.get(request, interview_id, status=400 if isinstance(error, ValidationError) else 403)
        messages.success(request, message)
        return redirect("interview_coding", org_slug=self.organization.slug, interview_id=interview.public_id)

    def _perform(self, request, interview: Interview, action: str) -> str:
        post = request.POST
        if action == "assign":
            coder = resolve_one(User, post.get("coder"), field="coder")
            services.assignment_create(interview=interview, coder=coder, by=request.user)
            return f"{coder.display_name} now codes this interview."
        if action in ("done", "reopen", "unassign"):
            assignment = resolve_one(Assignment.objects.filter(interview=interview), post.get("assignment"),
                                     field="assignment")
            if action == "unassign":
                services.assignment_delete(assignment=assignment)
                return "Assignment removed."
            services.assignment_set_done(assignment=assignment, done=action == "done", by=request.user,
                                         for_others=self.can(Perm.MANAGE_ORG))
            return "Marked done: everyone's highlights are shown." if action == "done" else "Opened again."
        if action == "reconcile":
            utterance = resolve_one(Utterance.objects.filter(interview=interview), post.get("utterance"), field="utterance")
            highlight = resolve_one(Highlight.objects.filter(interview=interview), post.get("highlight") or None,
                                    field="highlight")
            services.reconcile(utterance=utterance, tag=resolve_one(Tag, post.get("tag"), field="tag"),
                               decision=post.get("decision", ""), highlight=highlight, by=request.user)
            return "Reconciled."
        raise ValidationError("Unknown action.")


class AgreementCsvView(OrgView):
    def get(self, request, interview_id):
        interview = resolve_one(Interview, interview_id)
        _, report = _report(interview)
        response, writer = csv_download(f"agreement-{interview.public_id}.csv")
        writer.writerow(["tag", "coders", "units", "percent_agreement", "kappa", "alpha"])
        coders = len(report["coders"])
        for row in report["tags"]:
            writer.writerow([row["tag"].name, coders, row["units"], _figure(row["percent_agreement"]),
                             _figure(row["kappa"]), _figure(row["alpha"])])
        overall = report["overall"]
        writer.writerow(["(all tags)", coders, overall["units"], _figure(overall["percent_agreement"]),
                         _figure(overall["kappa"]), _figure(overall["alpha"])])
        return response


class DisagreementsCsvView(OrgView):
    def get(self, request, interview_id):
        interview = resolve_one(Interview, interview_id)
        if not coding.all_coders_done(interview=interview):
            raise PermissionDenied("The disagreements are shown once every coder has marked this interview done.")
        data = coding.coding_data([interview])
        response, writer = csv_download(f"disagreements-{interview.public_id}.csv")
        writer.writerow(["tag", "position", "utterance", "coders applying the tag", "coders not applying it",
                         "decision"])
        for row in coding.disagreements(data):
            writer.writerow([
                row.tag.name, row.utterance.position, row.utterance.text,
                ", ".join(user.email for user, applied, _ in row.coders if applied),
                ", ".join(user.email for user, applied, _ in row.coders if not applied),
                row.reconciliation.decision if row.reconciliation else "",
            ])
        return response
