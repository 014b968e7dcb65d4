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


def navigate(page, locator):
    """Click something that loads a new page, and wait until that page has run its scripts.

    Typing into a page before its deferred scripts ran loses the input (the
    handlers aren't bound yet), so every navigation in these tests waits.
    """
    with page.expect_navigation(wait_until="load"):
        locator.click()


def sign_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    navigate(page, page.get_by_role("button", name="Sign in"))


def test_demo_researcher_signs_in_and_reaches_the_dashboard(page, live_server, screenshot):
    call_command("seed_demo")
    page.goto(f"{live_server.url}/accounts/login/")
    screenshot(page, "login")
    sign_in(page, live_server, "researcher@demo.example")
    page.wait_for_url(f"{live_server.url}/o/demo/")
    assert page.get_by_role("heading", level=1).inner_text() == "Northwind Research"
    assert page.get_by_text("Interviews ready").is_visible()
    screenshot(page, "dashboard")


def test_marketer_searches_evidence_and_reads_patterns(page, live_server, screenshot):
    call_command("seed_demo")
    sign_in(page, live_server, "marketer@demo.example")
    page.wait_for_url(f"{live_server.url}/o/demo/")
    navigate(page, page.get_by_role("link", name="Search evidence"))
    page.get_by_label("Search evidence").first.fill("spreadsheet*")
    navigate(page, page.get_by_role("button", name="Search"))
    assert page.locator("mark").first.inner_text().lower().startswith("spreadsheet")
    screenshot(page, "search")
    page.get_by_label("Participant attribute").fill("role=finance")
    navigate(page, page.get_by_role("button", name="Search"))
    assert page.get_by_text("without the attribute filter").is_visible()
    navigate(page, page.get_by_role("link", name="Patterns"))
    assert page.locator("table.heatmap tbody tr").count() >= 3
    screenshot(page, "patterns")
    navigate(page, page.get_by_role("link", name="Codebook"))
    navigate(page, page.get_by_role("link", name="Audit & compliance"))
    assert page.get_by_text("The audit trail matters more than speed").is_visible()
    screenshot(page, "tag")


def test_researcher_uploads_a_transcript_and_finds_a_phrase(page, live_server, screenshot, tmp_path):
    call_command("seed_demo")
    sign_in(page, live_server, "researcher@demo.example")
    page.wait_for_url(f"{live_server.url}/o/demo/")
    navigate(page, page.get_by_role("link", name="Interviews", exact=True))
    transcript = tmp_path / "dana-call.vtt"
    transcript.write_text(VTT)
    page.set_input_files("#id_files", str(transcript))
    assert "dana-call.vtt" in page.locator("[data-file-list]").inner_text()
    navigate(page, page.get_by_role("button", name="Upload"))
    row = page.locator("tr", has_text="dana call")
    row.get_by_text("Ready").wait_for()
    screenshot(page, "interviews")
    navigate(page, row.get_by_role("link", name="dana call"))
    assert page.locator("#u-0").get_by_text("We compare three vendors").is_visible()
    page.get_by_label("Find in transcript").fill("failed us")
    assert page.locator("[data-find-count]").inner_text() == "1 of 3 utterances"
    assert page.locator("mark").inner_text() == "failed us"
    screenshot(page, "transcript")


def _upload_dana_call(page, live_server, tmp_path):
    navigate(page, page.get_by_role("link", name="Interviews", exact=True))
    transcript = tmp_path / "dana-call.vtt"
    transcript.write_text(VTT)
    page.set_input_files("#id_files", str(transcript))
    navigate(page, page.get_by_role("button", name="Upload"))
    row = page.locator("tr", has_text="dana call")
    row.get_by_text("Ready").wait_for()
    navigate(page, row.get_by_role("link", name="dana call"))


def test_researcher_highlights_by_selecting_text_with_mouse_and_keyboard(page, live_server, screenshot, tmp_path):
    from empathy_site.tenancy.context import tenant_scope
    from empathy_site.tenancy.models import Organization
    from interviews.models import Highlight

    call_command("seed_demo")
    sign_in(page, live_server, "researcher@demo.example")
    page.wait_for_url(f"{live_server.url}/o/demo/")
    _upload_dana_call(page, live_server, tmp_path)

    # Mouse: drag across "three vendors" in the first utterance.
    text = page.locator("#u-0 [data-text]")
    box = text.bounding_box()
    page.evaluate(
        """() => {
            const p = document.querySelector('#u-0 [data-text]');
            const node = p.firstChild, start = node.textContent.indexOf('three vendors');
            const range = document.createRange();
            range.setStart(node, start); range.setEnd(node, start + 'three vendors'.length);
            const rect = range.getBoundingClientRect();
            window.__drag = {x1: rect.left + 1, x2: rect.right - 1, y: rect.top + rect.height / 2};
        }"""
    )
    drag = page.evaluate("window.__drag")
    assert box is not None
    page.mouse.move(drag["x1"], drag["y"])
    page.mouse.down()
    page.mouse.move(drag["x2"], drag["y"], steps=8)
    page.mouse.up()
    page.get_by_role("button", name="Highlight").click()
    popover = page.locator("[data-highlight-popover]")
    assert "three vendors" in popover.locator("[data-popover-quote]").inner_text()
    popover.get_by_label("Find or create a tag").fill("Comparison")
    screenshot(page, "highlight-popover")
    navigate(page, popover.get_by_role("button", name="Save highlight"))
    page.locator("#u-0 mark", has_text="three vendors").wait_for()

    # Keyboard: select "failed us" with the selection API, press H, pick the existing tag by name, Enter.
    page.evaluate(
        """() => {
            const p = document.querySelector('#u-2 [data-text]');
            const node = p.firstChild, start = node.textContent.indexOf('failed us');
            window.getSelection().setBaseAndExtent(node, start, node, start + 'failed us'.length);
        }"""
    )
    page.keyboard.press("h")
    page.locator("[data-highlight-popover]").wait_for(state="visible")
    tag_input = page.get_by_label("Find or create a tag")
    assert tag_input.evaluate("el => el === document.activeElement")
    tag_input.type("comparison")
    tag_input.press("Enter")  # ticks the existing tag instead of creating a duplicate
    assert page.locator("[data-highlight-popover] input[name=tags]:checked").count() == 1
    tag_input.press("Enter")  # empty field: submits
    page.locator("#u-2 mark", has_text="failed us").wait_for()
    screenshot(page, "transcript-highlighted")

    with tenant_scope(Organization.objects.get(slug="demo")):
        made = Highlight.objects.filter(interview__title="dana call")
        quotes = sorted(made.values_list("quote", flat=True))
        tags = set(made.values_list("tags__name", flat=True))
    assert quotes == ["failed us", "three vendors"] and tags == {"Comparison"}
    assert page.locator(".highlight-item").count() == 2


def test_researcher_builds_and_publishes_a_persona(page, live_server, screenshot):
    call_command("seed_demo")
    sign_in(page, live_server, "researcher@demo.example")
    page.wait_for_url(f"{live_server.url}/o/demo/")
    navigate(page, page.get_by_role("link", name="Personas"))
    page.get_by_label("Name").fill("Risk-Averse Approver")
    page.get_by_label("Summary").fill("Compares vendors carefully and needs to defend the choice.")
    page.get_by_role("textbox", name="Segment").fill("role: procurement")
    navigate(page, page.get_by_role("button", name="Create and add claims"))
    page.get_by_label("Kind").select_option("behaviour")
    page.get_by_label("Statement").fill("Compares several vendors side by side in a spreadsheet before signing")
    navigate(page, page.get_by_role("button", name="Add claim"))

    finder = page.get_by_label("Find evidence for this claim")
    finder.fill("compare*")
    results = page.locator(".finder-results li")
    results.first.wait_for()
    assert results.count() >= 2
    navigate(page, results.nth(0).get_by_role("button", name="Cite", exact=True))
    page.get_by_label("Find evidence for this claim").fill("compare*")
    page.locator(".finder-results li", has=page.get_by_role("button", name="Cite", exact=True)).first.wait_for()
    uncited = page.locator(".finder-results li", has=page.get_by_role("button", name="Cite", exact=True)).first
    navigate(page, uncited.get_by_role("button", name="Cite", exact=True))
    assert page.locator(".citation-list li").count() == 2
    screenshot(page, "persona-editor")

    navigate(page, page.get_by_role("link", name="Done"))
    navigate(page, page.get_by_role("button", name="Publish"))
    assert page.get_by_text("Published as version 1").is_visible()
    page.locator("details.claim summary").first.click()
    assert page.locator("details.claim[open] .evidence").count() == 2
    screenshot(page, "persona")


def test_marketer_writes_a_message_answers_the_check_and_sees_the_dashboard_change(page, live_server, screenshot):
    call_command("seed_demo")
    sign_in(page, live_server, "marketer@demo.example")
    page.wait_for_url(f"{live_server.url}/o/demo/")
    navigate(page, page.get_by_role("link", name="Messages", exact=True))
    navigate(page, page.get_by_role("link", name="Insights"))
    before = int(page.locator(".stat-value").first.inner_text())
    navigate(page, page.get_by_role("link", name="Messages", exact=True))
    navigate(page, page.get_by_role("link", name="Write a message"))
    page.get_by_label("Title").fill("Audit-ready onboarding")
    page.get_by_label("Channel").select_option("email")
    target = page.get_by_role("checkbox", name="Cautious Procurement Lead", exact=True)
    target.check()
    # The debiasing panel loads the targeted persona's evidence.
    claim = page.get_by_label("Needs an audit trail", exact=False)
    claim.wait_for()
    page.get_by_label("Message", exact=True).fill("Show finance who approved every supplier, and why, in one click.")
    navigate(page, page.get_by_role("button", name="Save"))
    assert page.get_by_text("This field is required.").first.is_visible()  # no save without the check
    assert page.get_by_role("checkbox", name="Cautious Procurement Lead", exact=True).is_checked()  # kept on re-render
    page.get_by_label("Needs an audit trail", exact=False).check()
    page.get_by_label("Customer insight").check()
    page.locator("fieldset", has_text="Would you, personally").get_by_role("radio", name="4").check()
    page.locator("fieldset", has_text="How do you predict").get_by_role("radio", name="4").check()
    page.get_by_label("In their words, what would the customer say?").fill("Finally, something I can show the auditor.")
    screenshot(page, "message-check")
    navigate(page, page.get_by_role("button", name="Save"))
    assert page.get_by_text("Grounded", exact=True).first.is_visible()
    screenshot(page, "message")
    navigate(page, page.get_by_role("link", name="← Messages"))
    navigate(page, page.get_by_role("link", name="Insights"))
    assert int(page.locator(".stat-value").first.inner_text()) == before + 1
    screenshot(page, "insights")


def test_admin_manages_privacy_webhooks_and_reads_the_audit_log(page, live_server, screenshot, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    call_command("seed_demo")
    sign_in(page, live_server, "admin@demo.example")
    page.wait_for_url(f"{live_server.url}/o/demo/")
    navigate(page, page.get_by_role("link", name="Privacy"))
    page.get_by_label("Redact personal details").select_option("suggest")
    page.get_by_label("Keep interviews for (months)").fill("24")
    navigate(page, page.get_by_role("button", name="Save"))
    assert page.get_by_text("Privacy settings saved.").is_visible()
    navigate(page, page.get_by_role("button", name="Preview retention"))
    assert page.get_by_text("would be deleted").is_visible()
    screenshot(page, "privacy")
    navigate(page, page.get_by_role("link", name="Webhooks"))
    page.get_by_label("Endpoint URL").fill("http://127.0.0.1:9/hook")
    page.get_by_label("persona.published").check()
    navigate(page, page.get_by_role("button", name="Add endpoint"))
    assert page.locator("#new-secret").inner_text().startswith("whsec_")
    screenshot(page, "webhooks")
    navigate(page, page.get_by_role("link", name="Audit log"))
    assert page.get_by_text("Webhook created").is_visible() and page.get_by_text("Privacy policy changed").is_visible()
    screenshot(page, "audit")
