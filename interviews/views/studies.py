"""Web UI for studies: the list and the create form, one study with its interviews."""

from django.shortcuts import render
from django.urls import reverse

from empathy_site.tenancy.lookups import resolve_one
from empathy_site.tenancy.roles import Perm
from empathy_site.tenancy.web import OrgView, ServiceFormView

from .. import selectors, services
from ..forms import StudyForm
from ..models import Study


class StudyListView(ServiceFormView):
    form_class = StudyForm

    def get(self, request, form=None, status=200):
        return render(
            request, "interviews/study_list.html",
            {"studies": selectors.study_list(), "form": form or StudyForm(), "can_edit": self.can(Perm.RESEARCH)},
            status=status,
        )

    def perform(self, form):
        return services.study_create(by=self.request.user, **{name: form.cleaned_data[name] for name in services.STUDY_FIELDS})

    def success_message(self, study):
        return f"Study “{study.name}” created."

    def success_url(self, study):
        return reverse("study_detail", args=[self.organization.slug, study.public_id])


class StudyDetailView(OrgView):
    def get(self, request, study_id):
        study = resolve_one(Study, study_id)
        return render(
            request, "interviews/study_detail.html",
            {"study": study, "interviews": selectors.interview_list(study=study)},
        )
