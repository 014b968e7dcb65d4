"""Serving recordings, clips and reels through signed, expiring links (players and API clients need no session),
and the researcher's media actions on the transcript page."""

import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from empathy_site.ids import parse_uuid
from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.lookups import resolve_many, resolve_one
from empathy_site.tenancy.roles import Perm
from empathy_site.tenancy.web import OrgView

from .. import selectors, services
from ..forms import MediaUploadForm
from ..models import Highlight, Interview, Media, MediaStatus, Tag

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_CHUNK = 256 * 1024


def _chunks(handle, remaining: int):
    try:
        while remaining > 0:
            data = handle.read(min(_CHUNK, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data
    finally:
        handle.close()


@require_safe
def media_file(request, token: str):
    """The file a signed token names, with HTTP Range (players seek with it). 404 for a token of no such
    object (or of another organisation's: the token fixes the organisation, so it opens nothing else);
    403 once it has expired."""
    try:
        org_id, kind, public_id = selectors.signed_file_read(token)
    except selectors.SignedFileRefused as refused:
        if refused.expired:
            return HttpResponse(refused.message, status=403, content_type="text/plain; charset=utf-8")
        raise Http404(refused.message) from None
    entry = selectors.SIGNED_KINDS[kind]
    with tenant_scope(org_id):
        instance = entry.model.objects.filter(public_id=public_id).first()
    signed = entry.file(instance) if instance is not None else None
    if signed is None:
        raise Http404("No such file.")
    storage = storages[entry.storage]
    try:
        size = storage.size(signed.name)
        handle = storage.open(signed.name, "rb")
    except FileNotFoundError:
        raise Http404("No such file.") from None
    content_type = signed.content_type
    match = _RANGE.match(request.headers.get("Range", "").strip())
    if match and (match[1] or match[2]):
        if match[1]:
            start = int(match[1])
            end = min(int(match[2]), size - 1) if match[2] else size - 1
        else:  # the last N bytes
            start, end = max(size - int(match[2]), 0), size - 1
        if start >= size or end < start:
            handle.close()
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        handle.seek(start)
        response = StreamingHttpResponse(_chunks(handle, end - start + 1), status=206, content_type=content_type)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    else:
        response = FileResponse(handle, content_type=content_type)
        response["Content-Length"] = str(size)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, max-age=60"
    if signed.download_name:
        response["Content-Disposition"] = content_disposition_header(True, signed.download_name)
    elif request.GET.get("download"):
        extension = signed.name.rsplit(".", 1)[-1]
        response["Content-Disposition"] = f'attachment; filename="{kind}-{public_id[:8]}.{extension}"'
    return response


class MediaUploadView(OrgView):
    """Attach (or replace) an interview's recording from the transcript page."""


    def post(self, request, interview_id):
        interview = resolve_one(Interview, interview_id)
        form = MediaUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, " ".join(form.errors.get("file", ["Choose a recording to upload."])))
        else:
            try:
                services.media_attach(interview=interview, uploaded_file=form.cleaned_data["file"], by=request.user)
                messages.success(request, "Recording uploaded; it plays here once it has been checked.")
            except services.MediaRefused as refused:
                messages.error(request, refused.message)
        return redirect(reverse("interview_detail", kwargs={"org_slug": request.organization.slug,
                                                             "interview_id": interview.public_id}))


class MediaSilenceView(OrgView):
    """Silence (bleep) the redacted passages of an interview's recording."""


    def post(self, request, interview_id):
        interview = resolve_one(Interview, interview_id)
        media = Media.objects.filter(interview=interview).first()
        if media is None:
            raise Http404("No recording.")
        try:
            services.media_silence_request(media=media, by=request.user)
            messages.success(request, "Silencing the redacted passages; the recording is replaced when it is done.")
        except services.MediaRefused as refused:
            messages.error(request, refused.message)
        return redirect(reverse("interview_detail", kwargs={"org_slug": request.organization.slug,
                                                             "interview_id": interview.public_id}))


class ReelsView(OrgView):
    """Highlight reels: the ones made (play, download) and a new one from highlights chosen by tag, by search
    words, or handed over by a persona claim (?highlights=id,id...)."""

    def get(self, request, status=200, error=None):
        tag = resolve_one(Tag, request.GET["tag"]) if request.GET.get("tag") else None
        query = request.GET.get("q", "").strip()[:200]
        ids = [parse_uuid(value) for value in request.GET.get("highlights", "").split(",") if value.strip()]
        candidates = selectors.reel_candidates(
            tag=tag, query=query, highlight_ids=[i for i in ids if i] if ids else None)
        reels = selectors.reels_recent()
        for reel in reels:
            reel.url = selectors.signed_file_path(reel)
        context = {
            "reels": reels, "candidates": candidates, "tags": Tag.objects.order_by("name"), "tag": tag, "query": query,
            "chosen_by_id": bool(ids), "error": error,
            "title": (request.GET.get("title", "") or (tag.name if tag else query))[:200],
            "can_edit": self.can(Perm.RESEARCH),
            "pending": any(reel.status in (MediaStatus.QUEUED, MediaStatus.PROCESSING) for reel in reels),
        }
        return render(request, "interviews/reels.html", context, status=status)

    def post(self, request):
        ids = request.POST.getlist("highlights")
        try:
            highlights = resolve_many(Highlight, ids, field="highlights") if ids else []
            services.reel_create(title=request.POST.get("title", ""), highlights=highlights, by=request.user)
        except services.MediaRefused as refused:
            return self.get(request, status=400, error=refused.message)
        except ValidationError as invalid:
            return self.get(request, status=400, error=" ".join(invalid.messages))
        messages.success(request, "The reel is being put together; it plays here when it is ready.")
        return redirect(reverse("reel_list", kwargs={"org_slug": request.organization.slug}))
