"""Web UI for privacy: settings and retention (admins), redaction review (researchers), erasure and subject access
export (admins)."""

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from empathy_site.tenancy.lookups import resolve_one
from empathy_site.tenancy.roles import Perm
from empathy_site.tenancy.web import OrgView, ServiceFormView
from empathy_site.text import plural

from .. import selectors, services
from ..forms import PrivacyPolicyForm
from ..models import Interview, Participant, RedactionFinding, Utterance


def _settings_page(request, form=None, status=200, preview=None):
    return render(request, "interviews/privacy_settings.html", {
        "form": form or PrivacyPolicyForm(instance=selectors.privacy_policy()),
        "runs": selectors.retention_runs_recent(), "preview": preview,
    }, status=status)


class PrivacySettingsView(ServiceFormView):
    read_permission = write_permission = Perm.MANAGE_ORG
    form_class = PrivacyPolicyForm

    def get(self, request, form=None, status=200):
        return _settings_page(request, form=form, status=status)

    def form_kwargs(self):
        return {"instance": selectors.privacy_policy()}

    def perform(self, form):
        fields = {name: form.cleaned_data[name] for name in services.PRIVACY_POLICY_FIELDS}
        return services.privacy_policy_update(by=self.request.user, **fields)

    def success_message(self, policy):
        return "Privacy settings saved."

    def success_url(self, policy):
        return reverse("privacy_settings", args=[self.organization.slug])


class RetentionRunView(OrgView):
    """POST action=preview shows what would go; action=run does it now."""

    read_permission = write_permission = Perm.MANAGE_ORG
    http_method_names = ["post"]

    def post(self, request):
        dry_run = request.POST.get("action") != "run"
        try:
            run = services.retention_run(dry_run=dry_run, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("privacy_settings", org_slug=self.organization.slug)
        if dry_run:
            return _settings_page(request, preview=run)
        messages.success(request, f"Retention ran: {run.interview_count} interview{'s' if run.interview_count != 1 else ''} "
                                  f"{'deleted' if run.action == 'delete' else 'redacted'}.")
        return redirect("privacy_settings", org_slug=self.organization.slug)


class InterviewScanView(OrgView):
    http_method_names = ["post"]

    def post(self, request, interview_id):
        interview = resolve_one(Interview, interview_id)
        findings = services.interview_scan(interview=interview)
        if request.POST.get("apply_all"):
            services.redaction_apply(findings=findings, by=request.user)
            messages.success(request, f"{len(findings)} personal detail{'s' if len(findings) != 1 else ''} redacted.")
        else:
            messages.info(request, f"{len(findings)} possible personal detail{'s' if len(findings) != 1 else ''} to review.")
        return redirect("interview_detail", org_slug=self.organization.slug, interview_id=interview_id)


class FindingDecideView(OrgView):
    http_method_names = ["post"]

    def post(self, request, finding_id):
        finding = resolve_one(RedactionFinding.objects.select_related("interview"), finding_id)
        had_original = bool(finding.interview.original_file)
        if request.POST.get("decision") == "accept":
            services.redaction_apply(findings=[finding], by=request.user)
            said = f"Redacted: now reads {finding.placeholder}."
        else:
            services.redaction_reject(finding=finding, by=request.user)
            said = "Kept as written."
        finding.interview.refresh_from_db(fields=["original_file", "original_deleted_at"])
        if had_original and not finding.interview.original_file:
            said += " Every finding is decided, so the unredacted original file was deleted."
        messages.success(request, said)
        return redirect("interview_detail", org_slug=self.organization.slug, interview_id=finding.interview.public_id)


class ParticipantEraseView(OrgView):
    read_permission = write_permission = Perm.MANAGE_ORG

    def get(self, request, participant_id):
        participant = resolve_one(Participant, participant_id)
        return render(request, "interviews/participant_erase.html", {
            "participant": participant,
            "utterance_count": Utterance.objects.filter(speaker__participant=participant).count(),
            "highlight_count": participant.highlights.count(),
        })

    def post(self, request, participant_id):
        participant = resolve_one(Participant, participant_id)
        if request.POST.get("confirm") != participant.pseudonym:
            messages.error(request, "Type the pseudonym exactly to confirm the erasure.")
            return redirect("participant_erase", org_slug=self.organization.slug, participant_id=participant_id)
        counts = services.participant_erase(participant=participant, by=request.user)
        messages.success(request, f"Erased: {plural(counts['utterances'], 'utterance')}, "
                                  f"{plural(counts['highlights'], 'highlight')}, "
                                  f"{plural(counts['original_files'], 'original file')}. Affected personas and messages were re-checked.")
        return redirect("participant_detail", org_slug=self.organization.slug, participant_id=participant_id)


class ParticipantExportView(OrgView):
    read_permission = Perm.MANAGE_ORG

    def get(self, request, participant_id):
        participant = resolve_one(Participant, participant_id)
        export = services.participant_export(participant=participant, by=request.user)
        response = HttpResponse(json.dumps(export, indent=2, ensure_ascii=False), content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="participant-{participant.public_id}.json"'
        return response
