import pytest
from django.core.management import call_command

from empathy_site.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VTT = """WEBVTT

00:00:01.000 --> 00:00:04.000
<v Dana>We compare three vendors before we sign anything.

00:00:04.500 --> 00:00:06.000
<v Sam>Why three?

00:00:06.500 --> 00:00:09.000
<v Dana>Because the last time we picked one, it failed us.
"""


def sign_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_demo_researcher_signs_in_and_reaches_the_dashboard(page, live_server, screenshot):
    call_command("seed_demo")
    page.goto(f"{live_server.url}/accounts/login/")
    screenshot(page, "login")
    sign_in(page, live_server, "researcher@demo.example")
    page.wait_for_url(f"{live_server.url}/o/demo/")
    assert page.get_by_role("heading", level=1).inner_text() == "Northwind Research"
    assert page.get_by_text("Interviews ready").is_visible()
    screenshot(page, "dashboard")


def test_researcher_uploads_a_transcript_and_finds_a_phrase(page, live_server, screenshot, tmp_path):
    call_command("seed_demo")
    sign_in(page, live_server, "researcher@demo.example")
    page.wait_for_url(f"{live_server.url}/o/demo/")
    page.get_by_role("link", name="Interviews").click()
    transcript = tmp_path / "dana-call.vtt"
    transcript.write_text(VTT)
    page.set_input_files("#id_files", str(transcript))
    assert "dana-call.vtt" in page.locator("[data-file-list]").inner_text()
    page.get_by_role("button", name="Upload").click()
    row = page.locator("tr", has_text="dana call")
    row.get_by_text("Ready").wait_for()
    screenshot(page, "interviews")
    row.get_by_role("link", name="dana call").click()
    assert page.locator("#u-0").get_by_text("We compare three vendors").is_visible()
    page.get_by_label("Find in transcript").fill("failed us")
    assert page.locator("[data-find-count]").inner_text() == "1 of 3 utterances"
    assert page.locator("mark").inner_text() == "failed us"
    screenshot(page, "transcript")
