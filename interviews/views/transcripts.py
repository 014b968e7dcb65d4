"""Web UI for interviews: the list and upload, one interview's transcript, reprocess, delete, speaker mapping."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django_htmx.http import HttpResponseClientRefresh

from empathy_site.tenancy.lookups import resolve_one
from empathy_site.tenancy.models import User
from empathy_site.tenancy.roles import Perm
from empathy_site.tenancy.web import OrgView, ServiceFormView

from .. import parsers, selectors, services
from ..forms import SPEAKER_NEW_PARTICIPANT, InterviewForm, UploadForm
from ..models import Interview, Participant, SpeakerMapping


class InterviewListView(OrgView):
    def get(self, request, form=None, status=200):
        page = Paginator(selectors.interview_list(status=request.GET.get("status")), 30).get_page(request.GET.get("page"))
        context = {"page": page, "form": form or UploadForm(), "can_upload": self.can(Perm.RESEARCH)}
        return render(request, "interviews/interview_list.html", context, status=status)

    def post(self, request):
        # Not a ServiceFormView: several files, each accepted or refused on its own.
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.get(request, form=form, status=400)
        files = form.cleaned_data["files"]
        if len(files) > settings.UPLOAD_MAX_FILES:
            form.add_error("files", f"Upload at most {settings.UPLOAD_MAX_FILES} files at once.")
            return self.get(request, form=form, status=400)
        study, recording = form.cleaned_data["study"], form.cleaned_data["recording"]
        accepted = 0
        for uploaded in files:
            try:
                services.interview_upload(upload=services.upload_from_file(uploaded), study=study,
                                          recording=recording, by=request.user)
                accepted += 1
            except services.MediaRefused as refused:
                form.add_error("recording", refused.message)
                return self.get(request, form=form, status=400)
            except parsers.UnsupportedFile as error:
                messages.error(request, f"{uploaded.name}: {error.message}")
            except services.DuplicateInterview as error:
                messages.warning(request, f"{uploaded.name}: {error.messages[0]}")
        if accepted:
            messages.success(request, f"{accepted} transcript{'s' if accepted != 1 else ''} "
                                      f"{'and its recording ' if recording else ''}uploaded; processing now.")
            return redirect("interview_list", org_slug=self.organization.slug)
        return self.get(request, form=UploadForm(), status=400)


class InterviewRowView(OrgView):
    """One row of the list; polled by HTMX until the interview is ready or failed."""

    def get(self, request, interview_id):
        interview = resolve_one(selectors.interview_list(), interview_id)
        return render(request, "interviews/_interview_row.html", {"interview": interview})


class InterviewDetailView(OrgView):
    def get(self, request, interview_id):
        interview = resolve_one(Interview.objects.select_related("study"), interview_id)
        stalled = selectors.interview_stalled(interview=interview)
        if request.htmx and (interview.status not in (Interview.Status.QUEUED, Interview.Status.PROCESSING) or stalled):
            # The progress poll swaps only its own line, so the page's messages ("Processing again…") stay in
            # view; once processing ends, the whole page loads again to show the transcript and its actions.
            return HttpResponseClientRefresh()
        speakers = selectors.interview_speakers(interview=interview)
        utterances = selectors.interview_transcript(interview=interview)
        selectors.label_speakers([*speakers, *(u.speaker for u in utterances)], personal_data=self.can(Perm.PERSONAL_DATA))
        highlights = selectors.interview_highlights(interview=interview, viewer=request.user)
        selectors.utterance_segments(utterances, highlights)
        media = selectors.media_of(interview)
        times = {u.position: (u.start_ms, u.end_ms) for u in utterances}
        for highlight in highlights:  # a highlight's play button plays exactly its span
            start, end = times.get(highlight.start_position, (None, None))[0], times.get(highlight.end_position, (None, None))[1]
            highlight.span_ms = (start, end) if start is not None and end is not None and end > start else None
        context = {
            "interview": interview,
            "utterances": utterances,
            "highlights": highlights,
            "tags": selectors.tag_tree(),
            "focused_highlight": request.GET.get("h", ""),
            "blind": interview.assignments.exists(),
            "findings": selectors.pending_findings(interview=interview, utterances=utterances),
            "speakers": speakers,
            "unmapped_speakers": [s for s in speakers if not s.participant_id and not s.team_member_id],
            "new_participant": SPEAKER_NEW_PARTICIPANT,
            "participants": list(Participant.objects.order_by("pseudonym")),
            "team": list(User.objects.filter(memberships__organization=self.organization).order_by("email")),
            "can_edit": self.can(Perm.RESEARCH),
            "stalled": stalled,
            "media": media,
            "media_url": selectors.signed_file_path(media),
            "length_warning": selectors.transcript_length_warning(media),
            "media_limit": settings.MEDIA_UPLOAD_MAX_BYTES,
            # Chunks stay under the API's request body limit (refused above it).
            "media_chunk_bytes": min(4 * 1024 * 1024, settings.DATA_UPLOAD_MAX_MEMORY_SIZE - 64 * 1024),
        }
        return render(request, "interviews/interview_detail.html", context)


class InterviewEditView(ServiceFormView):
    """Title, study, date and language, changed after upload."""

    read_permission = write_permission = Perm.RESEARCH
    form_class = InterviewForm

    def get(self, request, interview_id, form=None, status=200):
        interview = resolve_one(Interview.objects.select_related("study"), interview_id)
        return render(request, "interviews/interview_edit.html", {
            "interview": interview, "form": form or InterviewForm(instance=interview),
        }, status=status)

    def form_kwargs(self, interview_id):
        return {"instance": resolve_one(Interview, interview_id)}

    def perform(self, form, interview_id):
        data = form.cleaned_data
        return services.interview_update(interview=form.instance, title=data["title"], study=data["study"],
                                         conducted_at=data["conducted_at"], language=data["language"], by=self.request.user)

    def success_message(self, interview) -> str:
        return f"“{interview.title}” saved."

    def success_url(self, interview, interview_id) -> str:
        return reverse("interview_detail", args=[self.organization.slug, interview.public_id])


class InterviewReprocessView(OrgView):
    http_method_names = ["post"]

    def post(self, request, interview_id):
        interview = resolve_one(Interview, interview_id)
        try:
            services.interview_reprocess(interview=interview, by=request.user)
            messages.success(request, "Processing again from the original file.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("interview_detail", org_slug=self.organization.slug, interview_id=interview.public_id)


class InterviewDeleteView(OrgView):
    http_method_names = ["post"]

    def post(self, request, interview_id):
        interview = resolve_one(Interview, interview_id)
        services.interview_delete(interview=interview, by=request.user)
        messages.success(request, f"“{interview.title}” and its transcript were deleted.")
        return redirect("interview_list", org_slug=self.organization.slug)


class SpeakerMapView(OrgView):
    """Map a speaker to a participant ("p:<id>"), a team member ("u:<id>"), nobody (""), or a new participant
    ("new")."""

    http_method_names = ["post"]

    def post(self, request, interview_id, speaker_id):
        speaker = resolve_one(SpeakerMapping.objects.filter(interview__public_id=interview_id), speaker_id)
        who = request.POST.get("who", "")
        if who == SPEAKER_NEW_PARTICIPANT:
            # "Create participant from this speaker", or "New participant…" in the list.
            try:
                participant = services.speaker_create_participant(speaker=speaker, by=request.user)
                messages.success(request, f"Participant {participant.pseudonym} created from this speaker and mapped; "
                                          "add their details and consent on the participant's page.")
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            return redirect("interview_detail", org_slug=self.organization.slug, interview_id=interview_id)
        participant = team_member = None
        try:
            if who.startswith("p:"):
                participant = resolve_one(Participant, who[2:], field="who")
            elif who.startswith("u:"):
                team_member = resolve_one(User, who[2:], field="who")
        except ValidationError:
            pass  # not found: answered below like any choice that is not from the list
        if who and participant is None and team_member is None:
            messages.error(request, "Choose a participant or a team member from the list.")
        else:
            try:
                services.speaker_map(speaker=speaker, participant=participant, team_member=team_member, by=request.user)
                messages.success(request, f"“{speaker.label}” mapped.")
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
        return redirect("interview_detail", org_slug=self.organization.slug, interview_id=interview_id)
