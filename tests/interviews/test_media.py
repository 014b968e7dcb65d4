"""Recordings beside transcripts: upload and probe, playable copies, signed expiring URLs with Range, clips and
reels cut with ffmpeg (lengths checked with ffprobe), erasure and redaction reaching the files."""

import subprocess
import time
from pathlib import Path

import pytest
from django.core import signing
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.services import api_key_create
from interviews import services
from interviews.models import Clip, Media, RedactionFinding, Reel, Utterance
from interviews.services import Span
from interviews.tasks import media_process_task
from tests.api_assertions import assert_error

from . import media_fixtures
from .media_fixtures import attach, make_timed_interview, probe_codecs, probe_duration_ms, upload_of

recordings = media_fixtures.recordings


@pytest.fixture(autouse=True)
def clean_media_storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "media": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}


def key_client(org, scopes=("read", "write")):
    _, raw = api_key_create(organization=org, name="media", scopes=list(scopes))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def stored_path(name: str) -> Path:
    return Path(storages["media"].path(name))


def highlight_over(org, interview, first: int, last: int):
    with tenant_scope(org):
        end_text = Utterance.objects.get(interview=interview, position=last).text
        return services.highlight_create(interview=interview, span=Span(first, 0, last, len(end_text)))


def fetch(url: str, **headers):
    """GET a signed URL as a stranger: no session, no key."""
    return APIClient().get(url, **headers)


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- upload and probe -------------------------------------------------------------------------------------------

def test_upload_probes_a_wav_and_serves_it_through_a_signed_url_with_range(org_a, recordings,
                                                                          django_capture_on_commit_callbacks):
    interview, _ = make_timed_interview(org_a)
    client = key_client(org_a)
    detail = f"/api/v1/interviews/{interview.public_id}/"
    assert client.get(detail).json()["media"] is None
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{detail}media/", {"file": upload_of(recordings["wav"])}, format="multipart")
    assert response.status_code == 202
    assert response.json()["media"]["status"] == "queued"
    media = client.get(detail).json()["media"]
    assert set(media) == {"status", "error", "duration_ms", "content_type", "url"}
    assert media["status"] == "ready" and media["error"] is None
    assert abs(media["duration_ms"] - 8000) < 50
    assert media["content_type"] == "audio/wav"
    assert media["url"].startswith("http://testserver/files/")

    whole = fetch(media["url"])
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    data = body_of(whole)
    assert data == recordings["wav"].read_bytes()
    part = fetch(media["url"], HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-199/{len(data)}"
    assert body_of(part) == data[100:200]
    tail = fetch(media["url"], HTTP_RANGE="bytes=-10")
    assert tail.status_code == 206 and body_of(tail) == data[-10:]
    assert fetch(media["url"], HTTP_RANGE=f"bytes={len(data)}-").status_code == 416


def test_quicktime_gets_a_playable_webm_copy_and_keeps_the_original(org_a, recordings, django_capture_on_commit_callbacks):
    interview, _ = make_timed_interview(org_a)
    attach(org_a, interview, recordings["mov"], django_capture_on_commit_callbacks)
    with tenant_scope(org_a):
        media = Media.objects.get(interview=interview)
    assert media.status == "ready", media.error
    assert media.has_video and media.content_type == "video/webm"
    assert media.file_name != media.original_name
    assert probe_codecs(stored_path(media.file_name)) == ["vp8", "opus"]
    assert stored_path(media.original_name).read_bytes() == recordings["mov"].read_bytes()
    assert abs(media.duration_ms - 8000) < 100


def test_an_mp3_plays_as_it_is(org_a, recordings, django_capture_on_commit_callbacks):
    interview, _ = make_timed_interview(org_a)
    attach(org_a, interview, recordings["mp3"], django_capture_on_commit_callbacks)
    with tenant_scope(org_a):
        media = Media.objects.get(interview=interview)
    assert (media.status, media.content_type, media.codecs) == ("ready", "audio/mpeg", ["mp3"])
    assert media.file_name == media.original_name


def test_bad_uploads_answer_4xx_or_fail_with_a_sentence(org_a, recordings, settings, django_capture_on_commit_callbacks):
    interview, _ = make_timed_interview(org_a)
    client = key_client(org_a)
    url = f"/api/v1/interviews/{interview.public_id}/media/"
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(url, {"file": SimpleUploadedFile("notes.txt", b"hello")}, format="multipart")
    assert_error(response, 415, "unsupported_file")
    response = client.post(url, {"file": SimpleUploadedFile("empty.mp3", b"")}, format="multipart")
    assert_error(response, 415, "unsupported_file")
    assert_error(client.post(url, {}, format="multipart"), 400, "invalid")
    settings.MEDIA_UPLOAD_MAX_BYTES = 1024
    assert_error(client.post(url, {"file": upload_of(recordings["wav"])}, format="multipart"), 413, "too_large")
    settings.MEDIA_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"file": SimpleUploadedFile("fake.mp3", b"this is not audio at all" * 50)},
                               format="multipart")
    assert response.status_code == 202
    media = client.get(f"/api/v1/interviews/{interview.public_id}/").json()["media"]
    assert media["status"] == "failed" and media["url"] is None
    assert "not an audio or video recording" in media["error"]
    with tenant_scope(org_a):
        assert Media.objects.filter(interview=interview).count() == 1


def test_a_new_upload_replaces_the_recording_and_its_clips(org_a, recordings, django_capture_on_commit_callbacks):
    interview, _ = make_timed_interview(org_a)
    attach(org_a, interview, recordings["wav"], django_capture_on_commit_callbacks)
    highlight = highlight_over(org_a, interview, 0, 0)
    with django_capture_on_commit_callbacks(execute=True), tenant_scope(org_a):
        clip = services.clip_request(highlight=highlight)
    with tenant_scope(org_a):
        clip.refresh_from_db()
        old_names = [Media.objects.get(interview=interview).original_name, clip.file_name]
    attach(org_a, interview, recordings["mp3"], django_capture_on_commit_callbacks)
    with tenant_scope(org_a):
        assert Media.objects.get(interview=interview).content_type == "audio/mpeg"
        assert not Clip.objects.filter(interview=interview).exists()
    assert not any(stored_path(name).exists() for name in old_names)


def test_transcript_far_past_the_recording_shows_a_warning(org_a, alice, recordings, django_capture_on_commit_callbacks):
    interview, _ = make_timed_interview(org_a, last_end="00:01:30.000")
    attach(org_a, interview, recordings["wav"], django_capture_on_commit_callbacks)
    client = APIClient()
    client.force_login(alice.user)
    page = client.get(f"/o/{org_a.slug}/interviews/{interview.public_id}/")
    assert "The transcript runs to 1:30 but the recording is only 0:08 long" in page.content.decode()
    fitting, _ = make_timed_interview(org_a, title="Fits", pseudonym="P-Fits")
    attach(org_a, fitting, recordings["wav"], django_capture_on_commit_callbacks)
    assert "runs to" not in client.get(f"/o/{org_a.slug}/interviews/{fitting.public_id}/").content.decode()


# --- signed URLs ------------------------------------------------------------------------------------------------

def test_signed_urls_expire_and_open_nothing_of_another_org(org_a, org_b, recordings, settings,
                                                            django_capture_on_commit_callbacks):
    interview, _ = make_timed_interview(org_a)
    attach(org_a, interview, recordings["wav"], django_capture_on_commit_callbacks)
    b_interview, _ = make_timed_interview(org_b, title="B call", pseudonym="P-B")
    attach(org_b, b_interview, recordings["mp3"], django_capture_on_commit_callbacks)
    with tenant_scope(org_b):
        b_media = Media.objects.get(interview=b_interview)
    settings.MEDIA_URL_MAX_AGE_SECONDS = 1
    url = key_client(org_a).get(f"/api/v1/interviews/{interview.public_id}/").json()["media"]["url"]
    assert fetch(url).status_code == 200
    # A token signed for org A naming org B's recording opens nothing: the token fixes the organisation.
    forged = signing.dumps([org_a.pk, "media", b_media.public_id.hex], salt="interviews.media-file")
    assert fetch(f"/files/{forged}").status_code == 404
    assert fetch(url[:-3] + "abc").status_code == 404  # tampered
    time.sleep(2.1)
    expired = fetch(url)
    assert expired.status_code == 403 and b"expired" in expired.content


def test_another_orgs_clip_and_reel_are_404(org_a, org_b, recordings, django_capture_on_commit_callbacks):
    b_interview, _ = make_timed_interview(org_b, title="B call", pseudonym="P-B")
    attach(org_b, b_interview, recordings["wav"], django_capture_on_commit_callbacks)
    b_highlight = highlight_over(org_b, b_interview, 0, 0)
    with django_capture_on_commit_callbacks(execute=True), tenant_scope(org_b):
        clip = services.clip_request(highlight=b_highlight)
        reel = services.reel_create(title="B reel", highlights=[b_highlight])
    client = key_client(org_a)
    assert_error(client.get(f"/api/v1/clips/{clip.public_id}/"), 404, "not_found")
    assert_error(client.get(f"/api/v1/reels/{reel.public_id}/"), 404, "not_found")
    assert_error(client.post("/api/v1/clips/", {"highlight": str(b_highlight.public_id)}), 400, "invalid")
    assert_error(client.post(f"/api/v1/interviews/{b_interview.public_id}/media/",
                             {"file": upload_of(recordings["wav"])}, format="multipart"), 404, "not_found")


# --- clips and reels --------------------------------------------------------------------------------------------

def test_a_clip_lasts_its_highlights_span_and_is_cut_once(org_a, recordings, django_capture_on_commit_callbacks):
    interview, _ = make_timed_interview(org_a)
    attach(org_a, interview, recordings["wav"], django_capture_on_commit_callbacks)
    highlight = highlight_over(org_a, interview, 1, 2)  # 2.0 s to 7.0 s
    client = key_client(org_a)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post("/api/v1/clips/", {"highlight": str(highlight.public_id)})
    assert first.status_code == 202
    clip = client.get(f"/api/v1/clips/{first.json()['id']}/").json()
    assert set(clip) == {"id", "highlight", "status", "error", "duration_ms", "url"}
    assert clip["status"] == "ready", clip["error"]
    with tenant_scope(org_a):
        stored = Clip.objects.get(public_id=clip["id"])
    measured = probe_duration_ms(stored_path(stored.file_name))
    assert abs(measured - 5000) <= 100
    assert abs(clip["duration_ms"] - 5000) <= 100
    assert abs(clip["duration_ms"] - measured) <= 30  # ffmpeg's own report of what it wrote is the file's length
    assert fetch(clip["url"]).status_code == 200
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = client.post("/api/v1/clips/", {"highlight": str(highlight.public_id)})
    assert again.status_code == 202 and again.json()["id"] == clip["id"] and again.json()["status"] == "ready"
    assert not callbacks  # cached: nothing cut again
    with tenant_scope(org_a):
        assert Clip.objects.get(pk=stored.pk).file_name == stored.file_name


def test_a_clip_without_media_is_409_no_media(org_a):
    interview, _ = make_timed_interview(org_a)
    highlight = highlight_over(org_a, interview, 0, 0)
    client = key_client(org_a)
    assert_error(client.post("/api/v1/clips/", {"highlight": str(highlight.public_id)}), 409, "no_media")
    assert_error(client.post("/api/v1/reels/", {"title": "R", "highlights": [str(highlight.public_id)]}), 409, "no_media")
    assert_error(client.post("/api/v1/clips/", {}), 400, "invalid")
    assert_error(client.post("/api/v1/reels/", {"title": "R", "highlights": []}), 400, "invalid")


def test_a_clip_asked_before_the_recording_is_ready_is_cut_when_it_is(org_a, recordings,
                                                                        django_capture_on_commit_callbacks):
    interview, _ = make_timed_interview(org_a)
    highlight = highlight_over(org_a, interview, 0, 0)
    with django_capture_on_commit_callbacks(execute=False), tenant_scope(org_a):
        services.media_attach(interview=interview, uploaded_file=upload_of(recordings["wav"]))  # probe not run
    with django_capture_on_commit_callbacks(execute=False) as queued, tenant_scope(org_a):
        clip = services.clip_request(highlight=highlight)
    assert clip.status == "queued" and not queued
    with tenant_scope(org_a):
        media = Media.objects.get(interview=interview)
    with django_capture_on_commit_callbacks(execute=True):
        media_process_task(org_a.pk, media.pk)  # the probe, as the worker runs it
    with tenant_scope(org_a):
        clip.refresh_from_db()
    assert clip.status == "ready"


def test_a_video_reel_lasts_its_clips_plus_two_second_title_cards(org_a, recordings, django_capture_on_commit_callbacks):
    first, _ = make_timed_interview(org_a, title="Video call one")
    second, _ = make_timed_interview(org_a, title="Video call two", pseudonym="P-Ines")
    attach(org_a, first, recordings["mov"], django_capture_on_commit_callbacks)
    attach(org_a, second, recordings["webm"], django_capture_on_commit_callbacks)
    highlights = [highlight_over(org_a, first, 0, 0), highlight_over(org_a, second, 1, 1)]  # 2.0 s and 2.5 s
    client = key_client(org_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/reels/", {"title": "Why vendors", "highlights": [str(h.public_id) for h in highlights]})
    assert response.status_code == 202
    reel = client.get(f"/api/v1/reels/{response.json()['id']}/").json()
    assert reel["status"] == "ready", reel["error"]
    assert reel["highlights"] == [str(h.public_id) for h in highlights]
    with tenant_scope(org_a):
        clips = [Clip.objects.get(highlight=h) for h in highlights]
        stored = Reel.objects.get(public_id=reel["id"])
    clip_ms = sum(probe_duration_ms(stored_path(c.file_name)) for c in clips)
    measured = probe_duration_ms(stored_path(stored.file_name))
    assert abs(measured - (clip_ms + 2 * 2000)) <= 150
    assert probe_codecs(stored_path(stored.file_name)) == ["vp8", "opus"]
    assert fetch(reel["url"] + "?download=1")["Content-Disposition"].startswith("attachment")


def test_an_audio_reel_has_one_second_of_silence_between_clips(org_a, recordings, django_capture_on_commit_callbacks):
    interview, _ = make_timed_interview(org_a)
    attach(org_a, interview, recordings["wav"], django_capture_on_commit_callbacks)
    highlights = [highlight_over(org_a, interview, 2, 2), highlight_over(org_a, interview, 0, 0),
                  highlight_over(org_a, interview, 1, 1)]
    with django_capture_on_commit_callbacks(execute=True), tenant_scope(org_a):
        reel = services.reel_create(title="Audio", highlights=highlights)
    with tenant_scope(org_a):
        reel.refresh_from_db()
        assert reel.status == "ready", reel.error
        clips = [Clip.objects.get(highlight=h) for h in highlights]
    clip_ms = sum(probe_duration_ms(stored_path(c.file_name)) for c in clips)
    assert abs(probe_duration_ms(stored_path(reel.file_name)) - (clip_ms + 2 * 1000)) <= 150
    assert reel.content_type == "audio/ogg"


# --- erasure and redaction --------------------------------------------------------------------------------------

def test_erasing_a_participant_deletes_their_clips_reels_and_recordings(org_a, recordings,
                                                                        django_capture_on_commit_callbacks):
    interview, dana = make_timed_interview(org_a)
    other, _ = make_timed_interview(org_a, title="Someone else", pseudonym="P-Other")
    attach(org_a, interview, recordings["wav"], django_capture_on_commit_callbacks)
    attach(org_a, other, recordings["mp3"], django_capture_on_commit_callbacks)
    hers = highlight_over(org_a, interview, 0, 0)
    theirs = highlight_over(org_a, other, 1, 1)  # Sam speaks: not Dana's words, in an interview she is not in
    with django_capture_on_commit_callbacks(execute=True), tenant_scope(org_a):
        her_clip = services.clip_request(highlight=hers)
        kept_clip = services.clip_request(highlight=theirs)
        mixed = services.reel_create(title="Mixed", highlights=[theirs, hers])
        kept = services.reel_create(title="Kept", highlights=[theirs])
    with tenant_scope(org_a):
        files = [Clip.objects.get(pk=her_clip.pk).file_name, Reel.objects.get(pk=mixed.pk).file_name,
                 Media.objects.get(interview=interview).original_name]
    assert all(stored_path(name).exists() for name in files)
    with django_capture_on_commit_callbacks(execute=True), tenant_scope(org_a):
        counts = services.participant_erase(participant=dana)
    assert counts["clips"] == 1 and counts["reels"] == 1 and counts["media"] == 1
    with tenant_scope(org_a):
        assert not Clip.objects.filter(pk=her_clip.pk).exists()
        assert not Reel.objects.filter(pk=mixed.pk).exists()
        assert not Media.objects.filter(interview=interview).exists()
        assert Clip.objects.filter(pk=kept_clip.pk).exists() and Reel.objects.filter(pk=kept.pk).exists()
        assert Media.objects.filter(interview=other).exists()
    assert not any(stored_path(name).exists() for name in files)


def _mean_volume_db(path: Path, start: float, duration: float) -> float:
    out = subprocess.run(["ffmpeg", "-nostdin", "-v", "info", "-ss", str(start), "-t", str(duration), "-i", str(path),
                          "-af", "volumedetect", "-f", "null", "-"], capture_output=True, text=True).stderr
    line = next(line for line in out.splitlines() if "mean_volume" in line)
    return float(line.split("mean_volume:")[1].split("dB")[0])


def test_redaction_marks_the_recording_and_silencing_bleeps_that_span(org_a, alice, recordings,
                                                                     django_capture_on_commit_callbacks):
    interview, _ = make_timed_interview(org_a)
    attach(org_a, interview, recordings["wav"], django_capture_on_commit_callbacks)
    with tenant_scope(org_a):
        utterance = Utterance.objects.get(interview=interview, position=2)  # 4.5 s to 7.0 s
        finding = RedactionFinding.objects.create(
            interview=interview, utterance=utterance, start=0, end=7, kind="name", placeholder="[NAME]")
        services.redaction_apply(findings=[finding])
        media = Media.objects.get(interview=interview)
    assert media.needs_review and "redacted" in media.review_reason
    client = APIClient()
    client.force_login(alice.user)
    page = client.get(f"/o/{org_a.slug}/interviews/{interview.public_id}/").content.decode()
    assert "still has the original words" in page
    playable_before = media.file_name
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(f"/o/{org_a.slug}/interviews/{interview.public_id}/media/silence/")
    assert response.status_code == 302
    with tenant_scope(org_a):
        media = Media.objects.get(interview=interview)
    # The request only asked: ffmpeg runs in the worker, and the page says it is under way.
    assert media.silencing == "queued" and media.file_name == playable_before and media.needs_review
    assert "Silencing the redacted passages" in client.get(
        f"/o/{org_a.slug}/interviews/{interview.public_id}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        for callback in queued:
            callback()
    with tenant_scope(org_a):
        media = Media.objects.get(interview=interview)
    assert not media.needs_review and media.silencing == "" and media.file_name != playable_before
    assert not stored_path(playable_before).exists()
    silenced = stored_path(media.file_name)
    assert _mean_volume_db(silenced, 5.0, 1.5) < -80  # inside the redacted utterance: silent
    assert _mean_volume_db(silenced, 1.0, 1.5) > -30  # elsewhere: the tone
    assert abs(probe_duration_ms(silenced) - 8000) < 100


def test_silencing_that_fails_says_why_and_keeps_the_recording_playable(org_a, alice, recordings, settings,
                                                                        django_capture_on_commit_callbacks):
    interview, _ = make_timed_interview(org_a)
    attach(org_a, interview, recordings["wav"], django_capture_on_commit_callbacks)
    with tenant_scope(org_a):
        utterance = Utterance.objects.get(interview=interview, position=2)
        finding = RedactionFinding.objects.create(
            interview=interview, utterance=utterance, start=0, end=7, kind="name", placeholder="[NAME]")
        services.redaction_apply(findings=[finding])
        playable = Media.objects.get(interview=interview).file_name
    settings.FFMPEG_BINARY = "/nonexistent/ffmpeg"
    client = APIClient()
    client.force_login(alice.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/o/{org_a.slug}/interviews/{interview.public_id}/media/silence/")
    with tenant_scope(org_a):
        media = Media.objects.get(interview=interview)
    assert media.silencing == "failed" and "ffmpeg is not installed" in media.silencing_error
    assert media.file_name == playable and stored_path(playable).exists() and media.needs_review
    page = client.get(f"/o/{org_a.slug}/interviews/{interview.public_id}/").content.decode()
    assert "could not be silenced" in page and "Silence redacted passages" in page  # and it can be asked again
    settings.FFMPEG_BINARY = "ffmpeg"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/o/{org_a.slug}/interviews/{interview.public_id}/media/silence/")
    with tenant_scope(org_a):
        assert Media.objects.get(interview=interview).silencing == ""


# --- reels in the app --------------------------------------------------------------------------------------------

def test_a_reel_is_built_from_highlights_chosen_by_tag_or_handed_over_by_a_claim(
        org_a, alice, recordings, django_capture_on_commit_callbacks):
    interview, _ = make_timed_interview(org_a)
    attach(org_a, interview, recordings["wav"], django_capture_on_commit_callbacks)
    with tenant_scope(org_a):
        tag = services.tag_create(name="Vendors")
        tagged = services.highlight_create(interview=interview, span=Span(0, 0, 0, 10), tags=[tag])
    untagged = highlight_over(org_a, interview, 2, 2)
    client = Client()  # a browser's form posts
    client.force_login(alice.user)
    url = f"/o/{org_a.slug}/reels/"
    page = client.get(url, {"tag": str(tag.public_id)}).content.decode()
    assert str(tagged.public_id) in page and str(untagged.public_id) not in page
    handed = client.get(url, {"highlights": f"{untagged.public_id},{tagged.public_id}"}).content.decode()
    assert handed.index(str(untagged.public_id)) < handed.index(str(tagged.public_id))  # the claim's order
    assert client.post(url, {"title": "", "highlights": [str(tagged.public_id)]}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"title": "Vendors", "highlights": [str(untagged.public_id), str(tagged.public_id)]})
    assert response.status_code == 302, response.content.decode().split('flash-error')[-1][:300]
    with tenant_scope(org_a):
        reel = Reel.objects.get(title="Vendors")
        assert reel.status == "ready", reel.error
        assert [item.highlight_id for item in reel.items.all()] == [untagged.pk, tagged.pk]
    listing = client.get(url).content.decode()
    assert "<audio" in listing and "download=1" in listing


# --- a transcript and its recording in one go ------------------------------------------------------------------

def test_a_new_interview_takes_its_recording_in_the_same_request(org_a, recordings, django_capture_on_commit_callbacks):
    client = key_client(org_a)
    transcript = media_fixtures.timed_vtt(note="one go")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/interviews/", {
            "file": SimpleUploadedFile("call.vtt", transcript), "title": "Call with recording",
            "recording": upload_of(recordings["mp3"])}, format="multipart")
    assert response.status_code == 202, response.content
    assert response.json()["media"]["status"] == "queued"
    detail = client.get(f"/api/v1/interviews/{response.json()['id']}/").json()
    assert detail["status"] == "ready" and detail["utterance_count"] == 3
    assert detail["media"]["status"] == "ready" and abs(detail["media"]["duration_ms"] - 8000) < 100


def test_a_refused_recording_refuses_the_whole_upload_and_keeps_nothing(org_a, recordings, settings):
    client = key_client(org_a)
    transcript = media_fixtures.timed_vtt(note="refused")
    before = set(Path(settings.MEDIA_ROOT).rglob("*"))
    wrong = client.post("/api/v1/interviews/", {
        "file": SimpleUploadedFile("call.vtt", transcript),
        "recording": SimpleUploadedFile("notes.pdf", b"%PDF-1.4")}, format="multipart")
    assert_error(wrong, 415, "unsupported_file")
    assert "recording" in wrong.json()["error"]["details"]
    settings.MEDIA_UPLOAD_MAX_BYTES = 1024
    big = client.post("/api/v1/interviews/", {
        "file": SimpleUploadedFile("call.vtt", transcript), "recording": upload_of(recordings["wav"])},
        format="multipart")
    assert_error(big, 413, "too_large")
    assert client.get("/api/v1/interviews/").json()["results"] == []
    assert {path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()} <= before


def test_the_upload_form_takes_a_transcript_with_its_recording(org_a, alice, recordings,
                                                                django_capture_on_commit_callbacks):
    client = Client()
    client.force_login(alice.user)
    url = f"/o/{org_a.slug}/interviews/"
    assert 'name="recording"' in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"files": [SimpleUploadedFile("call.vtt", media_fixtures.timed_vtt(note="form"))],
                                     "recording": upload_of(recordings["wav"])})
    assert response.status_code == 302
    with tenant_scope(org_a):
        media = Media.objects.select_related("interview").get()
        assert media.status == "ready" and media.interview.original_filename == "call.vtt"
    two = client.post(url, {"files": [SimpleUploadedFile("a.vtt", media_fixtures.timed_vtt(note="a")),
                                       SimpleUploadedFile("b.vtt", media_fixtures.timed_vtt(note="b"))],
                            "recording": upload_of(recordings["wav"])})
    assert two.status_code == 400 and "A recording goes with one transcript" in two.content.decode()
    bad = client.post(url, {"files": [SimpleUploadedFile("c.vtt", media_fixtures.timed_vtt(note="c"))],
                            "recording": SimpleUploadedFile("c.txt", b"not a recording")})
    assert bad.status_code == 400 and "is not a recording this app takes" in bad.content.decode()
    with tenant_scope(org_a):
        assert Media.objects.count() == 1
