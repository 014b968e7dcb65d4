"""Web UI for the organisation's evidence policy (admins only)."""

from django.shortcuts import render
from django.urls import reverse

from empathy_site.tenancy.roles import Perm
from empathy_site.tenancy.web import ServiceFormView

from .. import selectors, services
from ..forms import EvidencePolicyForm


class EvidencePolicyView(ServiceFormView):
    read_permission = write_permission = Perm.MANAGE_ORG
    form_class = EvidencePolicyForm

    def get(self, request, form=None, status=200):
        return render(request, "personas/policy.html", {"form": form or EvidencePolicyForm(instance=selectors.evidence_policy())},
                      status=status)

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
