"""In a real browser: exports download from the codebook, a transcript and a persona; the import page takes a
file and lists it; an admin downloads the backup."""

import io
import zipfile

import docx
import openpyxl
import pytest
from django.core.management import call_command

from empathy_site.demo import DEMO_PASSWORD
from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.models import Organization
from interop.models import ImportJob
from personas.models import Persona

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Sign in").click()


def download(page, menu_text, link_text):
    page.locator("details.export-menu > summary", has_text=menu_text).first.click()
    with page.expect_download() as info:
        page.get_by_role("link", name=link_text).first.click()
    return info.value


def test_a_researcher_downloads_exports_and_imports_a_codebook(browser, live_server, tmp_path):
    call_command("seed_demo")
    context = browser.new_context(viewport={"width": 1360, "height": 900}, accept_downloads=True)
    page = context.new_page()
    sign_in(page, live_server, "researcher@demo.example")
    page.goto(f"{live_server.url}/o/demo/tags/")
    spreadsheet = download(page, "Export", "Excel (.xlsx)")
    assert spreadsheet.suggested_filename.startswith("codebook-") and spreadsheet.suggested_filename.endswith(".xlsx")
    path = tmp_path / "codebook.xlsx"
    spreadsheet.save_as(path)
    sheet = openpyxl.load_workbook(path)["Codebook"]
    assert [c.value for c in sheet[1]][:2] == ["Name", "Path"] and sheet.max_row > 2
    qdc_path = tmp_path / "codebook.qdc"
    qdc_path.write_bytes(b'<?xml version="1.0"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
                         b'<Code guid="44444444-4444-4444-8444-000000000001" name="From QualCoder" isCodable="true"/>'
                         b'</Codes></CodeBook>')
    page.screenshot(path=str(tmp_path / "codebook.png"))

    org = Organization.objects.get(slug="demo")
    with tenant_scope(org):
        persona = Persona.objects.order_by("pk").first()
    page.goto(f"{live_server.url}/o/demo/personas/{persona.public_id}/")
    with page.expect_download() as info:
        page.get_by_role("link", name="Export (.docx)").click()
    persona_path = tmp_path / "persona.docx"
    info.value.save_as(persona_path)
    assert persona.name in [p.text for p in docx.Document(persona_path).paragraphs]

    page.goto(f"{live_server.url}/o/demo/imports/")
    page.get_by_label("File").set_input_files(str(qdc_path))
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Import").click()
    assert page.get_by_text("is being imported").is_visible()
    assert page.get_by_role("link", name="codebook.qdc").is_visible()
    with tenant_scope(org):
        assert ImportJob.objects.filter(filename="codebook.qdc").exists()
    context.close()


def test_an_admin_downloads_the_backup(browser, live_server, tmp_path):
    call_command("seed_demo")
    context = browser.new_context(viewport={"width": 1360, "height": 900}, accept_downloads=True)
    page = context.new_page()
    sign_in(page, live_server, "admin@demo.example")
    page.goto(f"{live_server.url}/o/demo/imports/")
    with page.expect_download() as info:
        page.get_by_role("link", name="Full backup (.zip)").click()
    data = info.value.path().read_bytes()
    assert sorted(zipfile.ZipFile(io.BytesIO(data)).namelist()) == ["bundle.json", "project.qdpx"]
    page.screenshot(path="/tmp/interop-imports-admin.png", full_page=True)
    context.close()
    # A researcher has no such link, and the URL answers 403.
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_server, "researcher@demo.example")
    response = page.goto(f"{live_server.url}/o/demo/exports/backup/")
    assert response.status == 403
    context.close()


def test_a_large_project_export_is_built_in_the_background_then_downloaded(browser, live_server, tmp_path, settings):
    settings.EXPORT_BACKGROUND_UTTERANCES = 0  # every project is "large" here; the task runs in-process (eager)
    call_command("seed_demo")
    context = browser.new_context(viewport={"width": 1360, "height": 900}, accept_downloads=True)
    page = context.new_page()
    sign_in(page, live_server, "admin@demo.example")
    page.goto(f"{live_server.url}/o/demo/imports/")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name="Whole project (.qdpx)").click()
    assert page.get_by_text("is being built in the background").is_visible()
    link = page.locator("[data-export-download]").first
    link.wait_for(state="visible", timeout=60_000)  # polled while the job is queued or processing
    page.screenshot(path="/tmp/interop-export-job.png", full_page=True)
    with page.expect_download() as info:
        link.click()
    assert info.value.suggested_filename.endswith(".qdpx")
    members = zipfile.ZipFile(io.BytesIO(info.value.path().read_bytes())).namelist()
    assert "project.qde" in members and any(name.startswith("sources/") for name in members)
    context.close()
