"""Web UI for the organisation's evidence policy (admins only)."""

from django.shortcuts import redirect, render
from django.urls import reverse

from empathy_site.tenancy.roles import Perm
from empathy_site.tenancy.web import ServiceFormView

from .. import selectors, services
from ..forms import EvidencePolicyForm, FourEyesForm


class EvidencePolicyView(ServiceFormView):
    read_permission = write_permission = Perm.MANAGE_ORG
    form_class = EvidencePolicyForm

    def get(self, request, form=None, status=200):
        policy = selectors.evidence_policy()
        return render(request, "personas/policy.html", {
            "form": form or EvidencePolicyForm(instance=policy),
            "four_eyes_form": FourEyesForm(initial={"four_eyes_review": policy.four_eyes_review}),
        }, status=status)

    def form_kwargs(self):
        return {"instance": selectors.evidence_policy()}

    def perform(self, form):
        data = form.cleaned_data
        return services.evidence_policy_update(
            min_citations=data["min_citations"], min_participants=data["min_participants"],
            max_evidence_age_months=data["max_evidence_age_months"], segment_attribute=data["segment_attribute"],
            records_visible_to_all=data["records_visible_to_all"], instruction_experiment=data["instruction_experiment"],
            exercise_names_visible=data["exercise_names_visible"], by=self.request.user,
        )

    def success_message(self, policy) -> str:
        restored = policy.restored_personas
        if not restored:
            return "Evidence policy saved; published personas were re-checked."
        names = ", ".join(f"“{p.name}”" for p in restored[:5]) + (" and others" if len(restored) > 5 else "")
        return (f"Evidence policy saved. Every claim now meets it, so {names} "
                f"{'is' if len(restored) == 1 else 'are'} published again.")

    def success_url(self, policy) -> str:
        return reverse("evidence_policy", args=[self.organization.slug])


class FourEyesView(ServiceFormView):
    """Admins switch four-eyes review of messages on or off (audited); the form sits on the policy page."""

    read_permission = write_permission = Perm.MANAGE_ORG
    form_class = FourEyesForm
    http_method_names = ["post"]

    def get(self, request, form=None, status=200):
        return redirect("evidence_policy", org_slug=self.organization.slug)

    def perform(self, form):
        return services.four_eyes_set(enabled=form.cleaned_data["four_eyes_review"], by=self.request.user)

    def success_message(self, policy) -> str:
        return ("Four-eyes review is on: someone other than the author approves each message." if policy.four_eyes_review
                else "Four-eyes review is off: authors may approve their own messages.")

    def success_url(self, policy) -> str:
        return reverse("evidence_policy", args=[self.organization.slug])
