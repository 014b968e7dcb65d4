"""Chunked, resumable recording uploads: a session, chunks in order with Content-Range, completion attaching the
recording (then probed), the size limit before any byte, isolation, concurrent chunks on real connections, and
the sweep of abandoned sessions."""

import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from empathy_site.tenancy.context import tenant_scope
from interviews import services
from interviews.models import Media, MediaUpload
from interviews.services.media_uploads import upload_part_path
from interviews.tasks import media_uploads_sweep_task
from tests.api_assertions import assert_error
from tests.test_concurrency import api_key, client_with, concurrently

from . import media_fixtures
from .media_fixtures import make_timed_interview
from .test_media import key_client

recordings = media_fixtures.recordings


@pytest.fixture(autouse=True)
def clean_areas(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "media": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "media")}}}
    settings.MEDIA_UPLOAD_DIR = tmp_path / "uploads"


def start(client, interview, data: bytes, filename="tone.wav"):
    return client.post(f"/api/v1/interviews/{interview.public_id}/media/uploads/",
                       {"filename": filename, "size": len(data)}, format="json")


def put_chunk(client, upload_id, data: bytes, first: int, total: int | str, **headers):
    return client.put(f"/api/v1/media-uploads/{upload_id}/", data, content_type="application/octet-stream",
                      HTTP_CONTENT_RANGE=f"bytes {first}-{first + len(data) - 1}/{total}", **headers)


def send_in_chunks(client, upload_id, data: bytes, size: int) -> list[int]:
    offsets = []
    for first in range(0, len(data), size):
        response = put_chunk(client, upload_id, data[first:first + size], first, len(data))
        assert response.status_code == 200, response.content
        offsets.append(response.json()["offset"])
    return offsets


def test_a_recording_sent_in_chunks_is_attached_and_probed(org_a, recordings, django_capture_on_commit_callbacks):
    interview, _ = make_timed_interview(org_a)
    client = key_client(org_a)
    data = recordings["wav"].read_bytes()
    created = start(client, interview, data)
    assert created.status_code == 201, created.content
    session = created.json()
    assert session["offset"] == 0 and session["size"] == len(data) and session["status"] == "open"
    assert session["interview"] == str(interview.public_id)

    chunk = 256 * 1024
    offsets = send_in_chunks(client, session["id"], data, chunk)
    assert offsets == [min(first + chunk, len(data)) for first in range(0, len(data), chunk)]
    read = client.get(f"/api/v1/media-uploads/{session['id']}/")
    assert read.json()["offset"] == len(data) and read.headers["ETag"]

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(f"/api/v1/media-uploads/{session['id']}/complete/")
    assert done.status_code == 202, done.content
    assert done.json()["id"] == str(interview.public_id) and done.json()["media"]["status"] == "queued"
    media = client.get(f"/api/v1/interviews/{interview.public_id}/").json()["media"]
    assert media["status"] == "ready" and abs(media["duration_ms"] - 8000) < 50
    served = client.get(media["url"])
    assert b"".join(served.streaming_content) == data  # the bytes as sent, in order
    with tenant_scope(org_a):
        upload = MediaUpload.objects.get(public_id=session["id"])
        assert upload.status == "completed"
        assert not upload_part_path(upload).exists()  # the waiting copy is gone once attached
    # Completing again attaches nothing twice.
    assert_error(client.post(f"/api/v1/media-uploads/{session['id']}/complete/"), 409, "conflict")


def test_an_interrupted_upload_resumes_at_the_offset_the_server_reports(org_a, recordings):
    interview, _ = make_timed_interview(org_a)
    client = key_client(org_a)
    data = recordings["mp3"].read_bytes()
    upload_id = start(client, interview, data, "tone.mp3").json()["id"]
    half = len(data) // 2
    assert put_chunk(client, upload_id, data[:half], 0, len(data)).status_code == 200
    # The client lost the answer and sends the same chunk again: refused, nothing written twice.
    again = put_chunk(client, upload_id, data[:half], 0, len(data))
    assert_error(again, 409, "conflict")
    assert f"byte {half}" in again.json()["error"]["message"]
    # A chunk from beyond the offset (out of order) is refused the same way.
    assert_error(put_chunk(client, upload_id, data[half + 10:], half + 10, len(data)), 409, "conflict")
    # Completion before the end says how far it got.
    early = client.post(f"/api/v1/media-uploads/{upload_id}/complete/")
    assert_error(early, 409, "conflict")
    offset = client.get(f"/api/v1/media-uploads/{upload_id}/").json()["offset"]
    assert offset == half
    assert put_chunk(client, upload_id, data[offset:], offset, "*").status_code == 200
    assert client.post(f"/api/v1/media-uploads/{upload_id}/complete/").status_code == 202
    with tenant_scope(org_a):
        media = Media.objects.get(interview=interview)
        assert media.original_filename == "tone.mp3" and media.file_size == len(data)


@pytest.mark.ffmpeg  # the probe that refuses the file at the end
def test_bad_chunks_and_sessions_are_refused_with_reasons(org_a, settings, django_capture_on_commit_callbacks):
    interview, _ = make_timed_interview(org_a)
    client = key_client(org_a)
    settings.MEDIA_UPLOAD_MAX_BYTES = 1024 * 1024
    too_big = client.post(f"/api/v1/interviews/{interview.public_id}/media/uploads/",
                          {"filename": "long.mp4", "size": 1024 * 1024 + 1}, format="json")
    assert_error(too_big, 413, "too_large")
    assert "MEDIA_UPLOAD_MAX_BYTES" in too_big.json()["error"]["details"]["size"][0]
    wrong_kind = client.post(f"/api/v1/interviews/{interview.public_id}/media/uploads/",
                             {"filename": "notes.pdf", "size": 10}, format="json")
    assert_error(wrong_kind, 415, "unsupported_file")
    assert_error(client.post(f"/api/v1/interviews/{interview.public_id}/media/uploads/",
                             {"filename": "a.wav", "size": 0}, format="json"), 400, "invalid")

    data = b"RIFF" + os.urandom(96)
    upload_id = start(client, interview, data).json()["id"]
    url = f"/api/v1/media-uploads/{upload_id}/"
    no_range = client.put(url, data, content_type="application/octet-stream")
    assert_error(no_range, 400, "invalid")
    assert "Content-Range" in no_range.json()["error"]["details"]
    assert_error(put_chunk(client, upload_id, data, 0, 999), 400, "invalid")  # another size than declared
    lying = client.put(url, data, content_type="application/octet-stream", HTTP_CONTENT_RANGE="bytes 0-9/100")
    assert_error(lying, 400, "invalid")
    assert_error(client.put(url, b'{"a": 1}', content_type="application/json",
                            HTTP_CONTENT_RANGE="bytes 0-7/100"), 415, "unsupported_media_type")
    too_long = client.put(url, data + b"x", content_type="application/octet-stream",
                          HTTP_CONTENT_RANGE=f"bytes 0-{len(data)}/{len(data)}")
    assert_error(too_long, 400, "invalid")
    assert client.get(url).json()["offset"] == 0  # nothing taken from the refused chunks

    # Complete with a file ffmpeg cannot read: attached, then the probe fails with a sentence, nothing lost.
    assert put_chunk(client, upload_id, data, 0, len(data)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"{url}complete/").status_code == 202
    with tenant_scope(org_a):
        media = Media.objects.get(interview=interview)
        assert media.status == "failed" and "not an audio or video recording" in media.error


def test_abandoning_an_upload_deletes_its_chunks(org_a, django_capture_on_commit_callbacks):
    interview, _ = make_timed_interview(org_a)
    client = key_client(org_a)
    data = os.urandom(2000)
    upload_id = start(client, interview, data).json()["id"]
    put_chunk(client, upload_id, data[:1000], 0, len(data))
    with tenant_scope(org_a):
        path = upload_part_path(MediaUpload.objects.get(public_id=upload_id))
    assert path.read_bytes() == data[:1000]
    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(f"/api/v1/media-uploads/{upload_id}/").status_code == 204
    assert not path.exists()
    assert_error(client.get(f"/api/v1/media-uploads/{upload_id}/"), 404, "not_found")


def test_another_organisation_cannot_see_or_feed_an_upload(org_a, org_b):
    interview, _ = make_timed_interview(org_a)
    data = os.urandom(100)
    upload_id = start(key_client(org_a), interview, data).json()["id"]
    stranger = key_client(org_b)
    assert_error(stranger.get(f"/api/v1/media-uploads/{upload_id}/"), 404, "not_found")
    assert_error(put_chunk(stranger, upload_id, data, 0, len(data)), 404, "not_found")
    assert_error(stranger.post(f"/api/v1/media-uploads/{upload_id}/complete/"), 404, "not_found")
    assert_error(stranger.delete(f"/api/v1/media-uploads/{upload_id}/"), 404, "not_found")
    assert_error(start(stranger, interview, data), 404, "not_found")
    assert key_client(org_a).get(f"/api/v1/media-uploads/{upload_id}/").json()["offset"] == 0
    # A read-only key reads but cannot write.
    reader = key_client(org_a, scopes=("read",))
    assert reader.get(f"/api/v1/media-uploads/{upload_id}/").status_code == 200
    assert_error(put_chunk(reader, upload_id, data, 0, len(data)), 403, "permission_denied")


def test_the_sweep_removes_abandoned_sessions_and_orphaned_chunks(org_a, org_b, django_capture_on_commit_callbacks):
    interview, _ = make_timed_interview(org_a)
    other, _ = make_timed_interview(org_b)
    with tenant_scope(org_a):
        stale = services.media_upload_start(interview=interview, filename="old.wav", size=10)
        fresh = services.media_upload_start(interview=interview, filename="new.wav", size=10)
        MediaUpload.objects.filter(pk=stale.pk).update(updated_at=timezone.now() - timedelta(hours=25))
        orphan = upload_part_path(stale).with_name("0" * 32 + ".part")  # its session went with its interview
        orphan.write_bytes(b"x")
        day_ago = time.time() - 25 * 3600
        os.utime(orphan, (day_ago, day_ago))
        stale_path, fresh_path = upload_part_path(stale), upload_part_path(fresh)
    with tenant_scope(org_b):
        kept = services.media_upload_start(interview=other, filename="b.wav", size=10)
        MediaUpload.objects.filter(pk=kept.pk).update(updated_at=timezone.now() - timedelta(hours=1))
        kept_path = upload_part_path(kept)
    with django_capture_on_commit_callbacks(execute=True):
        media_uploads_sweep_task.delay()
    with tenant_scope(org_a):
        assert list(MediaUpload.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not stale_path.exists() and not orphan.exists()
    assert fresh_path.exists() and kept_path.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_chunks_of_one_session_do_not_corrupt_the_file(org_a, tmp_path):
    interview, _ = make_timed_interview(org_a)
    raw = api_key(org_a)
    data = os.urandom(3 * 512 * 1024)
    upload_id = start(client_with(raw), interview, data).json()["id"]
    first, second = data[:len(data) // 2], data[len(data) // 2:]
    # The same first chunk twice at once (a retry racing the original), and the second chunk alongside.
    outcomes = concurrently([
        lambda: put_chunk(client_with(raw), upload_id, first, 0, len(data)).status_code,
        lambda: put_chunk(client_with(raw), upload_id, first, 0, len(data)).status_code,
        lambda: put_chunk(client_with(raw), upload_id, second, len(first), len(data)).status_code,
    ])
    statuses = [value for kind, value in outcomes if kind == "ok"]
    assert len(statuses) == 3, outcomes
    assert statuses[:2].count(200) == 1 and statuses[:2].count(409) == 1  # one copy of the first chunk taken
    client = client_with(raw)
    offset = client.get(f"/api/v1/media-uploads/{upload_id}/").json()["offset"]
    if offset == len(first):  # the second chunk came before the first: it was refused, so send it now
        assert statuses[2] == 409
        assert put_chunk(client, upload_id, second, len(first), len(data)).status_code == 200
    with tenant_scope(org_a):
        path = upload_part_path(MediaUpload.objects.get(public_id=upload_id))
    assert Path(path).read_bytes() == data
