"""Recordings, clips and reels in an S3-compatible object store: a moto server on 127.0.0.1 stands in for it.
The bucket stays private; files reach players only through the app's signed URLs."""

import socket

import boto3
import pytest
from moto.server import ThreadedMotoServer
from rest_framework.test import APIClient

from empathy_site.tenancy.context import tenant_scope
from interviews import services
from interviews.models import Clip, Media

from . import media_fixtures
from .media_fixtures import make_timed_interview, probe_duration_ms, upload_of
from .test_media import body_of, fetch, highlight_over, key_client

recordings = media_fixtures.recordings
BUCKET = "groundwork-media-test"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(settings, s3_endpoint, monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {**settings.STORAGES, "media": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": BUCKET, "endpoint_url": s3_endpoint, "region_name": "us-east-1", "access_key": "testing",
        "secret_key": "testing", "default_acl": None, "querystring_auth": True, "file_overwrite": False,
    }}}
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client) -> set[str]:
    return {item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def test_recordings_and_clips_live_in_the_bucket_and_play_through_signed_urls(
        org_a, s3, recordings, tmp_path, django_capture_on_commit_callbacks):
    interview, dana = make_timed_interview(org_a)
    client = key_client(org_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/interviews/{interview.public_id}/media/",
                               {"file": upload_of(recordings["mov"])}, format="multipart")
    assert response.status_code == 202
    media_json = client.get(f"/api/v1/interviews/{interview.public_id}/").json()["media"]
    assert media_json["status"] == "ready", media_json["error"]
    assert media_json["content_type"] == "video/webm"
    with tenant_scope(org_a):
        media = Media.objects.get(interview=interview)
    assert {media.original_name, media.file_name} <= keys(s3)
    # Private: the bucket grants nobody but its owner, and the object's own URL answers 403 without a signature.
    grants = s3.get_object_acl(Bucket=BUCKET, Key=media.file_name)["Grants"]
    assert all(grant["Grantee"].get("Type") == "CanonicalUser" for grant in grants)
    stored = s3.get_object(Bucket=BUCKET, Key=media.file_name)["Body"].read()
    assert body_of(fetch(media_json["url"])) == stored
    part = fetch(media_json["url"], HTTP_RANGE="bytes=10-29")
    assert part.status_code == 206 and body_of(part) == stored[10:30]

    highlight = highlight_over(org_a, interview, 1, 1)  # 2.0 s to 4.5 s
    with django_capture_on_commit_callbacks(execute=True):
        clip_json = client.post("/api/v1/clips/", {"highlight": str(highlight.public_id)}).json()
    clip_json = client.get(f"/api/v1/clips/{clip_json['id']}/").json()
    assert clip_json["status"] == "ready", clip_json["error"]
    downloaded = tmp_path / "clip.webm"
    downloaded.write_bytes(body_of(fetch(clip_json["url"])))
    assert abs(probe_duration_ms(downloaded) - 2500) <= 100
    with tenant_scope(org_a):
        clip_key = Clip.objects.get(public_id=clip_json["id"]).file_name
    assert clip_key in keys(s3)

    with django_capture_on_commit_callbacks(execute=True), tenant_scope(org_a):
        services.participant_erase(participant=dana)
    assert not keys(s3) & {media.original_name, media.file_name, clip_key}
    assert APIClient().get(clip_json["url"]).status_code == 404
