"""Web UI for independent coding: one interview (coders and their colours, marking done, agreement per tag, the
disagreements side by side with reconcile buttons) and a study's agreement over all its interviews, with CSV."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render

from empathy_site.tenancy.lookups import resolve_one
from empathy_site.tenancy.models import Membership, User
from empathy_site.tenancy.roles import Perm
from empathy_site.tenancy.web import OrgView, csv_download

from .. import services
from ..models import CODER_COLOURS, Assignment, Highlight, Interview, Study, Tag, Utterance
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
        # ?tag=: the disagreements on one tag (the study's agreement page links here per tag).
        only_tag = resolve_one(Tag, request.GET["tag"]) if request.GET.get("tag") else None
        rows = coding.disagreements(data, tag=only_tag) if everyone_done else []
        for row in rows:
            row.coders = [(user, applied, highlights, slots.get(user.pk)) for user, applied, highlights in row.coders]
        assigned = {a.coder_id for a in assignments}
        candidates = [
            m.user for m in Membership.objects.filter(organization=self.organization, role__in=services.coding.CODER_ROLES)
            .select_related("user").order_by("user__email") if m.user_id not in assigned
        ]
        return render(request, "interviews/interview_coding.html", {
            "interview": interview, "assignments": assignments, "everyone_done": everyone_done, "report": report,
            "disagreements": rows, "only_tag": only_tag, "candidates": candidates, "can_edit": self.can(Perm.RESEARCH),
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
                services.assignment_delete(assignment=assignment, by=request.user)
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


def _agreement_csv(report: dict, filename: str):
    response, writer = csv_download(filename)
    writer.writerow(["tag", "coders", "units", "percent_agreement", "kappa", "alpha"])
    coders = len(report["coders"])
    for row in report["tags"]:
        writer.writerow([row["tag"].name, coders, row["units"], _figure(row["percent_agreement"]),
                         _figure(row["kappa"]), _figure(row["alpha"])])
    overall = report["overall"]
    writer.writerow(["(all tags)", coders, overall["units"], _figure(overall["percent_agreement"]),
                     _figure(overall["kappa"]), _figure(overall["alpha"])])
    return response


class AgreementCsvView(OrgView):
    def get(self, request, interview_id):
        interview = resolve_one(Interview, interview_id)
        _, report = _report(interview)
        return _agreement_csv(report, f"agreement-{interview.public_id}.csv")


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


def _study_coding(study: Study):
    """The study's interviews with their coders, the agreement report (the API's selector, so the page and
    ``GET /api/v1/agreement/?study=`` agree), and the disagreements people may see: those of interviews whose
    coders are all done (blind mode)."""
    interviews = coding.scope_interviews(study=study)
    data = coding.coding_data(interviews)
    report = coding.agreement_report(data)
    assignments = {}
    for assignment in Assignment.objects.filter(interview__in=interviews).select_related("coder").order_by("created_at", "pk"):
        assignments.setdefault(assignment.interview_id, []).append(assignment)
    done = {pk for pk, rows in assignments.items() if all(a.done_at for a in rows)}
    rows = [row for row in coding.disagreements(data) if row.utterance.interview_id in done]
    return interviews, assignments, done, data, report, rows


class StudyAgreementView(OrgView):
    """Agreement over every coded interview of a study, per tag and overall, with each interview's coders."""

    def get(self, request, study_id):
        study = resolve_one(Study, study_id)
        interviews, assignments, done, _, report, rows = _study_coding(study)
        per_tag, per_interview = {}, {}
        for row in rows:
            per_tag[row.tag.pk] = per_tag.get(row.tag.pk, 0) + 1
            per_interview[row.utterance.interview_id] = per_interview.get(row.utterance.interview_id, 0) + 1
        for tag_row in report["tags"]:
            tag_row["disagreements"] = per_tag.get(tag_row["tag"].pk, 0)
        coded = [
            {"interview": interview, "assignments": assignments[interview.pk], "done": interview.pk in done,
             "disagreements": per_interview.get(interview.pk, 0)}
            for interview in interviews if interview.pk in assignments
        ]
        return render(request, "interviews/study_agreement.html", {
            "study": study, "report": report, "coded": coded, "uncoded": len(interviews) - len(coded),
            "any_done": bool(done),
        })


class StudyAgreementCsvView(OrgView):
    def get(self, request, study_id):
        study = resolve_one(Study, study_id)
        report = coding.agreement_report(coding.coding_data(coding.scope_interviews(study=study)))
        return _agreement_csv(report, f"agreement-study-{study.public_id}.csv")


class StudyTagDisagreementsView(OrgView):
    """One tag's disagreements across the study's interviews whose coders are all done, side by side; each
    interview's coding page reconciles them."""

    def get(self, request, study_id, tag_id):
        study = resolve_one(Study, study_id)
        tag = resolve_one(Tag, tag_id)
        interviews, assignments, done, _, _, rows = _study_coding(study)
        by_interview = {interview.pk: interview for interview in interviews}
        groups = {}
        for row in rows:
            if row.tag.pk != tag.pk:
                continue
            slots = {a.coder_id: index % len(CODER_COLOURS)
                     for index, a in enumerate(assignments[row.utterance.interview_id])}
            row.coders = [(user, applied, highlights, slots.get(user.pk)) for user, applied, highlights in row.coders]
            groups.setdefault(row.utterance.interview_id, []).append(row)
        return render(request, "interviews/study_tag_disagreements.html", {
            "study": study, "tag": tag,
            "groups": [(by_interview[pk], group) for pk, group in groups.items()],
            "waiting": [by_interview[pk] for pk in assignments if pk not in done],
        })
