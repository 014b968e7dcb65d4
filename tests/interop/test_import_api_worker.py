"""The import contract from outside, through Redis and a real Celery worker under row-level security."""

import time

from django.core.files.uploadedfile import SimpleUploadedFile

from empathy_site.tenancy.context import tenant_scope
from interviews.models import Tag

from .helpers import api_client

QDC = (b'<?xml version="1.0"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
       b'<Code guid="33333333-3333-4333-8333-000000000001" name="Price" isCodable="true"/></Codes></CodeBook>')


def test_post_answers_202_queued_and_the_worker_finishes_it_with_a_report(celery_worker, org_a):
    client = api_client(org_a)
    response = client.post("/api/v1/imports/", {"file": SimpleUploadedFile("book.qdc", QDC)}, format="multipart")
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "queued" and response.json()["id"]
    url = f"/api/v1/imports/{response.json()['id']}/"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        data = client.get(url).json()
        if data["status"] in ("done", "failed"):
            break
        time.sleep(0.3)
    assert data["status"] == "done", data
    assert data["error"] is None
    assert data["report"]["tags_created"] == 1 and data["report"]["skipped"] == []
    with tenant_scope(org_a):
        assert list(Tag.objects.values_list("name", flat=True)) == ["Price"]
