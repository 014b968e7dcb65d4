"""Web UI for participants: the list with search and the add form, one participant's page and edit form."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse

from empathy_site.tenancy.lookups import resolve_one
from empathy_site.tenancy.roles import Perm
from empathy_site.tenancy.web import ServiceFormView

from .. import selectors, services
from ..forms import ParticipantForm
from ..models import Interview, Participant


def _participant_fields(form) -> dict:
    return {name: form.cleaned_data[name] for name in services.PARTICIPANT_FIELDS}


class ParticipantListView(ServiceFormView):
    form_class = ParticipantForm

    def get(self, request, form=None, status=200):
        query = request.GET.get("q", "").strip()
        personal_data = self.can(Perm.PERSONAL_DATA)
        participants = selectors.participant_list(query=query, personal_data=personal_data)
        page = Paginator(participants, 50).get_page(request.GET.get("page"))
        return render(
            request, "interviews/participant_list.html",
            {"page": page, "form": form or ParticipantForm(), "query": query, "can_edit": self.can(Perm.RESEARCH),
             "search_names": personal_data},
            status=status,
        )

    def perform(self, form):
        return services.participant_create(by=self.request.user, **_participant_fields(form))

    def success_message(self, participant):
        return f"Participant {participant.pseudonym} added."

    def success_url(self, participant):
        return reverse("participant_list", args=[self.organization.slug])


class ParticipantDetailView(ServiceFormView):
    form_class = ParticipantForm

    def get(self, request, participant_id, form=None, status=200):
        participant = resolve_one(Participant, participant_id)
        interviews = Interview.objects.filter(attendances__participant=participant).select_related("study").distinct()
        return render(
            request, "interviews/participant_detail.html",
            {"participant": participant, "interviews": interviews, "form": form or ParticipantForm(instance=participant),
             "can_edit": self.can(Perm.RESEARCH) and not participant.erased_at, "is_admin": self.can(Perm.MANAGE_ORG)},
            status=status,
        )

    def form_kwargs(self, participant_id):
        return {"instance": resolve_one(Participant, participant_id)}

    def perform(self, form, participant_id):
        fields = _participant_fields(form)
        # The form edits the whole map and the service merges per system: a system taken out of the form is unlinked.
        fields["external_ids"] = {**dict.fromkeys(form.initial.get("external_ids") or {}), **(fields["external_ids"] or {})}
        return services.participant_update(participant=form.instance, by=self.request.user, **fields)

    def success_url(self, participant, participant_id):
        return reverse("participant_detail", args=[self.organization.slug, participant_id])
