"""Large exports: past EXPORT_BACKGROUND_UTTERANCES the whole-project QDPX (and the backup) is built by a background
job into storage and downloaded through a signed, expiring link; below it the file streams at once."""

import io
import time
import zipfile

from django.test import Client

from empathy_site.tenancy.context import tenant_scope
from interop.models import ExportJob
from interviews.models import Interview

from .helpers import api_client, body, project_schema, qdpx_members


def _poll(client, url: str) -> dict:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        data = client.get(url).json()
        if data["status"] in ("done", "failed"):
            return data
        time.sleep(0.3)
    raise AssertionError(f"the export job did not finish: {data}")


def _path(url: str) -> str:
    return url.removeprefix("http://testserver")


def test_a_large_project_export_is_built_by_the_worker_and_downloaded_through_a_signed_link(
        celery_worker, corpus, org_b, settings):
    settings.EXPORT_BACKGROUND_UTTERANCES = 2  # the corpus has 6 utterances
    client = api_client(corpus["org"])
    response = client.get("/api/v1/exports/project.qdpx")
    assert response.status_code == 202, response.content
    job = response.json()
    assert set(job) >= {"id", "status", "url"} and job["status"] == "queued" and job["url"] is None
    assert response["Location"].endswith(f"/api/v1/exports/jobs/{job['id']}/")
    assert client.get("/api/v1/exports/project.qdpx").json()["id"] == job["id"]  # asking again starts nothing new

    done = _poll(client, f"/api/v1/exports/jobs/{job['id']}/")
    assert done["status"] == "done" and done["error"] is None and done["progress"] == 100, done
    assert done["filename"].endswith(".qdpx") and done["file_size"] > 0
    download = Client().get(_path(done["url"]))  # no credentials: the link is the credential
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment") and done["filename"] in download["Content-Disposition"]
    members = qdpx_members(body(download))
    project_schema().validate(members["project.qde"].decode())
    with tenant_scope(corpus["org"]):
        titles = set(Interview.objects.values_list("title", flat=True))
    assert titles and all(f'name="{title}"'.encode() in members["project.qde"] for title in titles)

    # Another organisation sees no such job; a tampered link opens nothing; an expired one says so.
    assert api_client(org_b).get(f"/api/v1/exports/jobs/{job['id']}/").status_code == 404
    assert Client().get(_path(done["url"])[:-3] + "abc").status_code == 404
    settings.MEDIA_URL_MAX_AGE_SECONDS = 1
    time.sleep(2.1)
    assert Client().get(_path(done["url"])).status_code == 403


def test_below_the_threshold_the_file_streams_at_once(corpus, settings):
    settings.EXPORT_BACKGROUND_UTTERANCES = 6
    response = api_client(corpus["org"]).get("/api/v1/exports/project.qdpx")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "project.qde" in qdpx_members(body(response))
    with tenant_scope(corpus["org"]):
        assert not ExportJob.objects.exists()


def test_a_job_with_personal_data_is_seen_only_by_those_who_may_read_it(corpus, settings, django_capture_on_commit_callbacks):
    settings.EXPORT_BACKGROUND_UTTERANCES = 0
    with django_capture_on_commit_callbacks(execute=True):  # the task runs eagerly here
        job = api_client(corpus["org"]).get(f"/api/v1/exports/project.qdpx?study={corpus['study'].public_id}").json()
    reader = api_client(corpus["org"], scopes=("read",))
    assert reader.get(f"/api/v1/exports/jobs/{job['id']}/").status_code == 404
    assert reader.get("/api/v1/exports/jobs/").json()["results"] == []
    with django_capture_on_commit_callbacks(execute=True):
        own = reader.get("/api/v1/exports/project.qdpx").json()
    seen = reader.get(f"/api/v1/exports/jobs/{own['id']}/").json()
    assert seen["status"] == "done" and seen["study"] is None
    with tenant_scope(corpus["org"]):
        assert ExportJob.objects.get(public_id=job["id"]).study == corpus["study"]
        assert ExportJob.objects.get(public_id=own["id"]).personal_data is False


def test_the_admin_backup_is_built_in_the_background_and_linked_from_the_page(corpus, alice, bob, settings,
                                                                             django_capture_on_commit_callbacks):
    settings.EXPORT_BACKGROUND_UTTERANCES = 0
    client = Client()
    client.force_login(alice.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get("/o/org-a/exports/backup/")
    assert response.status_code == 302 and response["Location"].startswith("/o/org-a/imports/#export-")
    page = client.get("/o/org-a/imports/")
    html = page.content.decode()
    assert "background" in html and "data-export-download" in html
    with tenant_scope(corpus["org"]):
        job = ExportJob.objects.get()
        assert (job.kind, job.status) == ("backup", "done")
    href = html.split('data-export-download')[0].rsplit('href="', 1)[1].split('"', 1)[0]
    download = Client().get(href)
    assert download.status_code == 200
    with zipfile.ZipFile(io.BytesIO(body(download))) as archive:
        assert set(archive.namelist()) == {"project.qdpx", "bundle.json"}
    # A researcher does not see the admin's backup (its link would open everything).
    researcher = Client()
    researcher.force_login(bob.user)
    assert "data-export-download" not in researcher.get("/o/org-a/imports/").content.decode()
