"""Web UI for personas: the gallery, the persona page and its print view, the editor, publishing, archiving, versions."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse

from empathy_site.tenancy.lookups import resolve_one
from empathy_site.tenancy.roles import Perm
from empathy_site.tenancy.web import OrgView, ServiceFormView

from .. import selectors, services
from ..forms import ClaimForm, PersonaForm
from ..models import Claim, Persona


class PersonaGalleryView(ServiceFormView):
    form_class = PersonaForm

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

    def perform(self, form):
        data = form.cleaned_data
        return services.persona_create(name=data["name"], summary=data["summary"], segment=data["segment"],
                                       avatar_colour=data["avatar_colour"], by=self.request.user)

    def success_message(self, persona) -> str:
        return ""  # the editor it opens on says enough

    def success_url(self, persona) -> str:
        return reverse("persona_edit", args=[self.organization.slug, persona.public_id])


class PersonaDetailView(OrgView):
    template_name = "personas/detail.html"

    def get(self, request, persona_id):
        persona = resolve_one(Persona.objects.select_related("owner"), persona_id)
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
            "unchanged_since_publish": selectors.persona_unchanged_since_publish(persona=persona, claims=claims),
        })


class PersonaPrintView(PersonaDetailView):
    template_name = "personas/print.html"


class PersonaEditView(ServiceFormView):
    """The researcher's editor: persona fields, claims, and evidence found and cited in place."""

    read_permission = write_permission = Perm.RESEARCH
    form_class = PersonaForm

    def get(self, request, persona_id, form=None, claim_form=None, status=200):
        persona = resolve_one(Persona, persona_id)
        policy, claims = selectors.persona_detail(persona=persona)
        return render(request, "personas/edit.html", {
            "persona": persona, "claims": claims, "policy": policy,
            "form": form or PersonaForm(instance=persona), "claim_form": claim_form or ClaimForm(),
            "kinds": Claim.Kind.choices,
        }, status=status)

    def form_kwargs(self, persona_id):
        return {"instance": resolve_one(Persona, persona_id)}

    def perform(self, form, persona_id):
        data = form.cleaned_data
        return services.persona_update(persona=form.instance, name=data["name"], summary=data["summary"],
                                       segment=data["segment"], avatar_colour=data["avatar_colour"], by=self.request.user)

    def success_url(self, persona, persona_id) -> str:
        return reverse("persona_edit", args=[self.organization.slug, persona_id])


class PersonaPublishView(OrgView):
    http_method_names = ["post"]

    def post(self, request, persona_id):
        persona = resolve_one(Persona, persona_id)
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
        persona = resolve_one(Persona, persona_id)
        if request.POST.get("restore"):
            services.persona_unpublish(persona=persona, by=request.user)
            messages.success(request, "Restored as a draft.")
        else:
            services.persona_archive(persona=persona, by=request.user)
            messages.success(request, "Archived.")
        return redirect("persona_detail", org_slug=self.organization.slug, persona_id=persona_id)


class PersonaVersionsView(OrgView):
    def get(self, request, persona_id):
        persona = resolve_one(Persona, persona_id)
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
