from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from empathy_site.tenancy.roles import Perm
from empathy_site.tenancy.web import OrgView, add_service_errors
from interviews.models import Highlight
from interviews.search import search_highlights

from . import selectors, services
from .forms import CitationForm, ClaimForm, EvidencePolicyForm, PersonaForm
from .models import Citation, Claim, Persona


class PersonaGalleryView(OrgView):
    def get(self, request, form=None, status=200):
        segment = request.GET.get("segment", "")
        key, _, value = segment.partition("=")
        personas = selectors.persona_gallery(status=request.GET.get("status", ""), segment_key=key if value else "",
                                             segment_value=value)
        return render(request, "personas/gallery.html", {
            "personas": personas, "form": form or PersonaForm(), "segments": selectors.persona_segment_keys(),
            "statuses": Persona.Status.choices, "current_status": request.GET.get("status", ""),
            "current_segment": segment, "can_edit": self.can(Perm.RESEARCH),
        }, status=status)

    def post(self, request):
        form = PersonaForm(request.POST)
        if form.is_valid():
            try:
                persona = services.persona_create(by=request.user, **form.cleaned_data)
                return redirect("persona_edit", org_slug=self.organization.slug, persona_id=persona.public_id)
            except ValidationError as error:
                add_service_errors(form, error)
        return self.get(request, form=form, status=400)


class PersonaDetailView(OrgView):
    template_name = "personas/detail.html"

    def get(self, request, persona_id):
        persona = get_object_or_404(Persona.objects.select_related("owner"), public_id=persona_id)
        policy, claims = selectors.persona_detail(persona=persona)
        kinds = dict(Claim.Kind.choices)
        groups = []
        for claim in claims:
            if not groups or groups[-1][0] != claim.kind:
                groups.append((claim.kind, kinds[claim.kind], []))
            groups[-1][2].append(claim)
        return render(request, self.template_name, {
            "persona": persona, "claims": claims, "groups": groups, "policy": policy,
            "versions": list(selectors.persona_versions(persona=persona)[:10]),
            "can_edit": self.can(Perm.RESEARCH),
        })


class PersonaPrintView(PersonaDetailView):
    template_name = "personas/print.html"


class PersonaEditView(OrgView):
    """The researcher's editor: persona fields, claims, and evidence found and cited in place."""

    read_permission = write_permission = Perm.RESEARCH

    def get(self, request, persona_id, form=None, claim_form=None, status=200):
        persona = get_object_or_404(Persona, public_id=persona_id)
        policy, claims = selectors.persona_detail(persona=persona)
        return render(request, "personas/edit.html", {
            "persona": persona, "claims": claims, "policy": policy,
            "form": form or PersonaForm(instance=persona), "claim_form": claim_form or ClaimForm(),
            "kinds": Claim.Kind.choices,
        }, status=status)

    def post(self, request, persona_id):
        persona = get_object_or_404(Persona, public_id=persona_id)
        form = PersonaForm(request.POST, instance=persona)
        if form.is_valid():
            try:
                services.persona_update(persona=persona, by=request.user, **form.cleaned_data)
                messages.success(request, "Saved.")
                return redirect("persona_edit", org_slug=self.organization.slug, persona_id=persona_id)
            except ValidationError as error:
                add_service_errors(form, error)
        return self.get(request, persona_id, form=form, status=400)


class ClaimCreateView(OrgView):
    http_method_names = ["post"]

    def post(self, request, persona_id):
        persona = get_object_or_404(Persona, public_id=persona_id)
        form = ClaimForm(request.POST)
        if form.is_valid():
            claim = services.claim_create(persona=persona, by=request.user, **form.cleaned_data)
            return redirect(reverse("persona_edit", args=[self.organization.slug, persona_id]) + f"#claim-{claim.public_id}")
        messages.error(request, "Write the claim and choose its kind.")
        return redirect("persona_edit", org_slug=self.organization.slug, persona_id=persona_id)


class ClaimEditView(OrgView):
    http_method_names = ["post"]

    def post(self, request, claim_id):
        claim = get_object_or_404(Claim.objects.select_related("persona"), public_id=claim_id)
        back = reverse("persona_edit", args=[self.organization.slug, claim.persona.public_id])
        if request.POST.get("delete"):
            services.claim_delete(claim=claim, by=request.user)
            messages.success(request, "Claim removed.")
            return redirect(back)
        form = ClaimForm(request.POST)
        if form.is_valid():
            services.claim_update(claim=claim, by=request.user, **form.cleaned_data)
            messages.success(request, "Claim saved.")
        else:
            messages.error(request, "Write the claim and choose its kind.")
        return redirect(f"{back}#claim-{claim.public_id}")


class ClaimEvidenceView(OrgView):
    """HTMX: search highlights for a claim without leaving the editor."""

    read_permission = Perm.RESEARCH

    def get(self, request, claim_id):
        claim = get_object_or_404(Claim, public_id=claim_id)
        query = request.GET.get("q", "").strip()
        results = search_highlights(query=query, limit=8) if query else []
        cited = set(claim.citations.values_list("highlight_id", flat=True))
        return render(request, "personas/_evidence_results.html", {
            "claim": claim, "results": results, "query": query, "cited": cited,
        })


class CitationCreateView(OrgView):
    http_method_names = ["post"]

    def post(self, request, claim_id):
        claim = get_object_or_404(Claim.objects.select_related("persona"), public_id=claim_id)
        form = CitationForm(request.POST)
        back = reverse("persona_edit", args=[self.organization.slug, claim.persona.public_id]) + f"#claim-{claim.public_id}"
        highlight = Highlight.objects.filter(public_id=form.data.get("highlight")).first() if form.is_valid() else None
        if highlight is None:
            messages.error(request, "That highlight does not exist.")
            return redirect(back)
        try:
            services.citation_create(claim=claim, highlight=highlight, stance=form.cleaned_data["stance"], by=request.user)
            messages.success(request, "Cited.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect(back)


class CitationDeleteView(OrgView):
    http_method_names = ["post"]

    def post(self, request, citation_id):
        citation = get_object_or_404(Citation.objects.select_related("claim__persona"), public_id=citation_id)
        persona, claim = citation.claim.persona, citation.claim
        services.citation_delete(citation=citation, by=request.user)
        messages.success(request, "Citation removed.")
        return redirect(reverse("persona_edit", args=[self.organization.slug, persona.public_id]) + f"#claim-{claim.public_id}")


class PersonaPublishView(OrgView):
    http_method_names = ["post"]

    def post(self, request, persona_id):
        persona = get_object_or_404(Persona, public_id=persona_id)
        try:
            version = services.persona_publish(persona=persona, by=request.user)
            messages.success(request, f"Published as version {version.number}.")
        except services.PolicyNotMet as refused:
            for shortfall in refused.report:
                messages.error(request, f"“{shortfall.claim.statement[:80]}”: {'; '.join(shortfall.reasons)}.")
            messages.warning(request, "Not published: every claim must meet the evidence policy.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("persona_detail", org_slug=self.organization.slug, persona_id=persona_id)


class PersonaArchiveView(OrgView):
    http_method_names = ["post"]

    def post(self, request, persona_id):
        persona = get_object_or_404(Persona, public_id=persona_id)
        if request.POST.get("restore"):
            services.persona_unpublish(persona=persona, by=request.user)
            messages.success(request, "Restored as a draft.")
        else:
            services.persona_archive(persona=persona, by=request.user)
            messages.success(request, "Archived.")
        return redirect("persona_detail", org_slug=self.organization.slug, persona_id=persona_id)


class PersonaVersionsView(OrgView):
    def get(self, request, persona_id):
        persona = get_object_or_404(Persona, public_id=persona_id)
        versions = list(selectors.persona_versions(persona=persona))
        by_number = {v.number: v for v in versions}
        diff = older = newer = None
        try:
            a, b = int(request.GET.get("a", 0)), int(request.GET.get("b", 0))
        except ValueError:
            a = b = 0
        if a in by_number and b in by_number and a != b:
            older, newer = by_number[min(a, b)], by_number[max(a, b)]
            diff = selectors.version_diff(older, newer)
        return render(request, "personas/versions.html", {
            "persona": persona, "versions": versions, "diff": diff, "older": older, "newer": newer,
        })


class EvidencePolicyView(OrgView):
    read_permission = write_permission = Perm.MANAGE_ORG

    def get(self, request, form=None, status=200):
        return render(request, "personas/policy.html", {"form": form or EvidencePolicyForm(instance=selectors.evidence_policy())},
                      status=status)

    def post(self, request):
        form = EvidencePolicyForm(request.POST, instance=selectors.evidence_policy())
        if form.is_valid():
            try:
                services.evidence_policy_update(by=request.user, request=request, **form.cleaned_data)
                messages.success(request, "Evidence policy saved; published personas were re-checked.")
                return redirect("evidence_policy", org_slug=self.organization.slug)
            except ValidationError as error:
                add_service_errors(form, error)
        return self.get(request, form=form, status=400)
