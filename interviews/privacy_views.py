"""Web UI for privacy: settings and retention (admins), redaction review (researchers),
erasure and subject access export (admins)."""

import json

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from empathy_site.tenancy.roles import Perm
from empathy_site.tenancy.web import OrgView, add_service_errors

from . import services
from .models import Interview, Participant, PrivacyPolicy, RedactionFinding, RetentionRun, Utterance


class PrivacyPolicyForm(forms.ModelForm):
    class Meta:
        model = PrivacyPolicy
        fields = ["redaction_mode", "retention_enabled", "retention_months", "retention_action"]
        labels = {
            "redaction_mode": "Redact personal details",
            "retention_enabled": "Apply the retention policy every day",
            "retention_months": "Keep interviews for (months)",
            "retention_action": "Then",
        }

    def _post_clean(self):
        pass


def _settings_page(request, form=None, status=200, preview=None):
    return render(request, "interviews/privacy_settings.html", {
        "form": form or PrivacyPolicyForm(instance=services.privacy_policy()),
        "runs": RetentionRun.objects.select_related("triggered_by")[:10], "preview": preview,
    }, status=status)


class PrivacySettingsView(OrgView):
    read_permission = write_permission = Perm.MANAGE_ORG

    def get(self, request, form=None, status=200):
        return _settings_page(request, form=form, status=status)

    def post(self, request):
        form = PrivacyPolicyForm(request.POST, instance=services.privacy_policy())
        if form.is_valid():
            try:
                services.privacy_policy_update(by=request.user, request=request, **form.cleaned_data)
                messages.success(request, "Privacy settings saved.")
                return redirect("privacy_settings", org_slug=self.organization.slug)
            except ValidationError as error:
                add_service_errors(form, error)
        return self.get(request, form=form, status=400)


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
        interview = get_object_or_404(Interview, public_id=interview_id)
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
        finding = get_object_or_404(RedactionFinding.objects.select_related("interview"), public_id=finding_id)
        if request.POST.get("decision") == "accept":
            services.redaction_apply(findings=[finding], by=request.user)
        else:
            services.redaction_reject(finding=finding, by=request.user)
        return redirect("interview_detail", org_slug=self.organization.slug, interview_id=finding.interview.public_id)


class ParticipantEraseView(OrgView):
    read_permission = write_permission = Perm.MANAGE_ORG

    def get(self, request, participant_id):
        participant = get_object_or_404(Participant, public_id=participant_id)
        return render(request, "interviews/participant_erase.html", {
            "participant": participant,
            "utterance_count": Utterance.objects.filter(speaker__participant=participant).count(),
            "highlight_count": participant.highlights.count(),
        })

    def post(self, request, participant_id):
        participant = get_object_or_404(Participant, public_id=participant_id)
        if request.POST.get("confirm") != participant.pseudonym:
            messages.error(request, "Type the pseudonym exactly to confirm the erasure.")
            return redirect("participant_erase", org_slug=self.organization.slug, participant_id=participant_id)
        counts = services.participant_erase(participant=participant, by=request.user, request=request)
        messages.success(request, f"Erased: {counts['utterances']} utterances, {counts['highlights']} highlights, "
                                  f"{counts['original_files']} original files. Affected personas and messages were re-checked.")
        return redirect("participant_detail", org_slug=self.organization.slug, participant_id=participant_id)


class ParticipantExportView(OrgView):
    read_permission = Perm.MANAGE_ORG

    def get(self, request, participant_id):
        participant = get_object_or_404(Participant, public_id=participant_id)
        payload = json.dumps(services.participant_export(participant=participant), indent=2, ensure_ascii=False)
        response = HttpResponse(payload, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="participant-{participant.public_id}.json"'
        from empathy_site.tenancy.audit import audit_record

        audit_record(action="participant_exported", organization=self.organization, actor=request.user,
                     target=participant, target_label=f"participant {participant.public_id}", request=request)
        return response
