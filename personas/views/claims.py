"""Web UI for a persona's claims and their citations, edited in place from the persona editor."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse

from empathy_site.tenancy.lookups import resolve_one
from empathy_site.tenancy.roles import Perm
from empathy_site.tenancy.web import OrgView
from interviews.models import Highlight
from interviews.selectors import search_highlights

from .. import services
from ..forms import CitationForm, ClaimForm
from ..models import Citation, Claim, Persona


class ClaimCreateView(OrgView):
    http_method_names = ["post"]

    def post(self, request, persona_id):
        persona = resolve_one(Persona, persona_id)
        form = ClaimForm(request.POST)
        if form.is_valid():
            claim = services.claim_create(persona=persona, kind=form.cleaned_data["kind"],
                                          statement=form.cleaned_data["statement"], by=request.user)
            messages.success(request, "Claim added. Find evidence for it and cite it, so it meets the evidence policy.")
            return redirect(reverse("persona_edit", args=[self.organization.slug, persona_id]) + f"#claim-{claim.public_id}")
        messages.error(request, "Write the claim and choose its kind.")
        return redirect("persona_edit", org_slug=self.organization.slug, persona_id=persona_id)


class ClaimEditView(OrgView):
    http_method_names = ["post"]

    def post(self, request, claim_id):
        claim = resolve_one(Claim.objects.select_related("persona"), claim_id)
        back = reverse("persona_edit", args=[self.organization.slug, claim.persona.public_id])
        if request.POST.get("delete"):
            services.claim_delete(claim=claim, by=request.user)
            messages.success(request, "Claim removed.")
            return redirect(back)
        form = ClaimForm(request.POST)
        if form.is_valid():
            services.claim_update(claim=claim, kind=form.cleaned_data["kind"], statement=form.cleaned_data["statement"],
                                  by=request.user)
            messages.success(request, "Claim saved.")
        else:
            messages.error(request, "Write the claim and choose its kind.")
        return redirect(f"{back}#claim-{claim.public_id}")


class ClaimEvidenceView(OrgView):
    """HTMX: search highlights for a claim without leaving the editor."""

    read_permission = Perm.RESEARCH

    def get(self, request, claim_id):
        claim = resolve_one(Claim, claim_id)
        query = request.GET.get("q", "").strip()
        results = search_highlights(query=query, limit=8, viewer=request.user, citable=True) if query else []
        cited = set(claim.citations.values_list("highlight_id", flat=True))
        return render(request, "personas/_evidence_results.html", {
            "claim": claim, "results": results, "query": query, "cited": cited,
        })


class CitationCreateView(OrgView):
    http_method_names = ["post"]

    def post(self, request, claim_id):
        claim = resolve_one(Claim.objects.select_related("persona"), claim_id)
        form = CitationForm(request.POST)
        back = reverse("persona_edit", args=[self.organization.slug, claim.persona.public_id]) + f"#claim-{claim.public_id}"
        highlight = Highlight.objects.filter(public_id=form.data.get("highlight")).first() if form.is_valid() else None
        if highlight is None:
            messages.error(request, "That highlight does not exist.")
            return redirect(back)
        try:
            services.citation_create(claim=claim, highlight=highlight, stance=form.cleaned_data["stance"], by=request.user)
            messages.success(request, "Cited as evidence against the claim." if form.cleaned_data["stance"] == Citation.Stance.CONTRADICTS
                             else "Cited as evidence for the claim.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect(back)


class CitationDeleteView(OrgView):
    http_method_names = ["post"]

    def post(self, request, citation_id):
        citation = resolve_one(Citation.objects.select_related("claim__persona"), citation_id)
        persona, claim = citation.claim.persona, citation.claim
        services.citation_delete(citation=citation, by=request.user)
        messages.success(request, "Citation removed.")
        return redirect(reverse("persona_edit", args=[self.organization.slug, persona.public_id]) + f"#claim-{claim.public_id}")
