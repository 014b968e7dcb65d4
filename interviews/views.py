from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render

from empathy_site.ids import parse_uuid
from empathy_site.tenancy.models import User
from empathy_site.tenancy.roles import Perm
from empathy_site.tenancy.web import OrgView, add_service_errors

from . import parsers, selectors, services
from .forms import ParticipantForm, StudyForm, UploadForm
from .models import Interview, Participant, SpeakerMapping, Study


class InterviewListView(OrgView):
    def get(self, request, form=None, status=200):
        page = Paginator(selectors.interview_list(status=request.GET.get("status")), 30).get_page(request.GET.get("page"))
        context = {"page": page, "form": form or UploadForm(), "can_upload": self.can(Perm.RESEARCH)}
        return render(request, "interviews/interview_list.html", context, status=status)

    def post(self, request):
        form = UploadForm(request.POST, request.FILES)
        files = request.FILES.getlist("files")
        if not form.is_valid() and not files:
            return self.get(request, form=form, status=400)
        from django.conf import settings

        if len(files) > settings.UPLOAD_MAX_FILES:
            form.add_error("files", f"Upload at most {settings.UPLOAD_MAX_FILES} files at once.")
            return self.get(request, form=form, status=400)
        study = form.cleaned_data.get("study") if form.is_valid() else None
        accepted = 0
        for uploaded in files:
            try:
                services.interview_upload(upload=services.upload_from_file(uploaded), study=study, by=request.user)
                accepted += 1
            except parsers.UnsupportedFile as error:
                messages.error(request, f"{uploaded.name}: {error.message}")
            except services.DuplicateInterview as error:
                messages.warning(request, f"{uploaded.name}: {error.messages[0]}")
        if accepted:
            messages.success(request, f"{accepted} transcript{'s' if accepted != 1 else ''} uploaded; processing now.")
            return redirect("interview_list", org_slug=self.organization.slug)
        return self.get(request, form=UploadForm(), status=400)


class InterviewRowView(OrgView):
    """One row of the list; polled by HTMX until the interview is ready or failed."""

    def get(self, request, interview_id):
        interview = get_object_or_404(selectors.interview_list(), public_id=interview_id)
        return render(request, "interviews/_interview_row.html", {"interview": interview})


class InterviewDetailView(OrgView):
    def get(self, request, interview_id):
        interview = get_object_or_404(Interview.objects.select_related("study"), public_id=interview_id)
        speakers = selectors.interview_speakers(interview=interview)
        utterances = selectors.interview_transcript(interview=interview)
        selectors.label_speakers([*speakers, *(u.speaker for u in utterances)], personal_data=self.can(Perm.PERSONAL_DATA))
        highlights = selectors.interview_highlights(interview=interview)
        selectors.utterance_segments(utterances, highlights)
        context = {
            "interview": interview,
            "utterances": utterances,
            "highlights": highlights,
            "tags": selectors.tag_tree(),
            "focused_highlight": request.GET.get("h", ""),
            "findings": selectors.pending_findings(interview=interview, utterances=utterances),
            "speakers": speakers,
            "participants": list(Participant.objects.order_by("pseudonym")),
            "team": list(User.objects.filter(memberships__organization=self.organization).order_by("email")),
            "can_edit": self.can(Perm.RESEARCH),
            "stalled": services.interview_stalled(interview),
        }
        return render(request, "interviews/interview_detail.html", context)


class InterviewReprocessView(OrgView):
    http_method_names = ["post"]

    def post(self, request, interview_id):
        interview = get_object_or_404(Interview, public_id=interview_id)
        try:
            services.interview_reprocess(interview=interview, by=request.user)
            messages.success(request, "Processing again from the original file.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("interview_detail", org_slug=self.organization.slug, interview_id=interview.public_id)


class InterviewDeleteView(OrgView):
    http_method_names = ["post"]

    def post(self, request, interview_id):
        interview = get_object_or_404(Interview, public_id=interview_id)
        services.interview_delete(interview=interview, by=request.user, request=request)
        messages.success(request, f"“{interview.title}” and its transcript were deleted.")
        return redirect("interview_list", org_slug=self.organization.slug)


class SpeakerMapView(OrgView):
    http_method_names = ["post"]

    def post(self, request, interview_id, speaker_id):
        speaker = get_object_or_404(SpeakerMapping, interview__public_id=interview_id, public_id=speaker_id)
        who = request.POST.get("who", "")
        participant = team_member = None
        if who.startswith("p:"):
            participant = Participant.objects.filter(public_id=parse_uuid(who[2:])).first()
        elif who.startswith("u:"):
            team_member = User.objects.filter(
                public_id=parse_uuid(who[2:]), memberships__organization=self.organization
            ).first()
        if who and participant is None and team_member is None:
            messages.error(request, "Choose a participant or a team member from the list.")
        else:
            try:
                services.speaker_map(speaker=speaker, participant=participant, team_member=team_member, by=request.user)
                messages.success(request, f"“{speaker.label}” mapped.")
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
        return redirect("interview_detail", org_slug=self.organization.slug, interview_id=interview_id)



class ParticipantListView(OrgView):
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

    def post(self, request):
        form = ParticipantForm(request.POST)
        if form.is_valid():
            try:
                participant = services.participant_create(by=request.user, **form.cleaned_data)
                messages.success(request, f"Participant {participant.pseudonym} added.")
                return redirect("participant_list", org_slug=self.organization.slug)
            except ValidationError as error:
                add_service_errors(form, error)
        return self.get(request, form=form, status=400)


class ParticipantDetailView(OrgView):
    def get(self, request, participant_id, form=None, status=200):
        participant = get_object_or_404(Participant, public_id=participant_id)
        interviews = Interview.objects.filter(attendances__participant=participant).select_related("study").distinct()
        return render(
            request, "interviews/participant_detail.html",
            {"participant": participant, "interviews": interviews, "form": form or ParticipantForm(instance=participant),
             "can_edit": self.can(Perm.RESEARCH) and not participant.erased_at, "is_admin": self.can(Perm.MANAGE_ORG)},
            status=status,
        )

    def post(self, request, participant_id):
        participant = get_object_or_404(Participant, public_id=participant_id)
        form = ParticipantForm(request.POST, instance=participant)
        if form.is_valid():
            try:
                services.participant_update(participant=participant, by=request.user, **form.cleaned_data)
                messages.success(request, "Saved.")
                return redirect("participant_detail", org_slug=self.organization.slug, participant_id=participant_id)
            except ValidationError as error:
                add_service_errors(form, error)
        return self.get(request, participant_id, form=form, status=400)


class StudyListView(OrgView):
    def get(self, request, form=None, status=200):
        return render(
            request, "interviews/study_list.html",
            {"studies": selectors.study_list(), "form": form or StudyForm(), "can_edit": self.can(Perm.RESEARCH)},
            status=status,
        )

    def post(self, request):
        form = StudyForm(request.POST)
        if form.is_valid():
            try:
                study = services.study_create(by=request.user, **form.cleaned_data)
                messages.success(request, f"Study “{study.name}” created.")
                return redirect("study_detail", org_slug=self.organization.slug, study_id=study.public_id)
            except ValidationError as error:
                add_service_errors(form, error)
        return self.get(request, form=form, status=400)


class StudyDetailView(OrgView):
    def get(self, request, study_id):
        study = get_object_or_404(Study, public_id=study_id)
        return render(
            request, "interviews/study_detail.html",
            {"study": study, "interviews": selectors.interview_list(study=study)},
        )
