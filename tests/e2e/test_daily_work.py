"""Issue 16: a day's work per role in a real browser, through the flows that used to lose data or say nothing.

Built on the persona tests' small evidence (Ana, Ben, Cy; four interviews), not the demo seed: every step is
about one thing the test made, and the whole file stays well under a minute.
"""

import pytest

from empathy_site.tenancy.context import tenant_scope
from interviews import services as interview_services
from personas import services
from personas.models import Persona
from tests.factories import PASSWORD
from tests.personas import fixtures as persona_fixtures
from tests.personas.fixtures import cite

from .test_journeys import VTT, navigate

# The persona tests' hand-countable evidence (fixtures).
evidence, persona = persona_fixtures.evidence, persona_fixtures.persona

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, user):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    navigate(page, page.get_by_role("button", name="Sign in"))


def flash(page):
    return page.locator(".flash").first.inner_text()


def test_researcher_uploads_edits_cites_and_deletes(page, live_server, screenshot, evidence, persona, bob, tmp_path):
    org = evidence["org"]
    with tenant_scope(org):
        interview_services.study_create(name="Renewals 2026")
        claim = services.claim_create(persona=persona, kind="behaviour", statement="Compares vendors side by side")
    sign_in(page, live_server, bob.user)
    page.wait_for_url(f"{live_server.url}/o/{org.slug}/")
    screenshot(page, "daily-researcher-dashboard")

    # The dashboard's upload button leads to the upload form; the chosen study is kept.
    navigate(page, page.get_by_role("link", name="Upload interviews"))
    transcript = tmp_path / "dana-call.vtt"
    transcript.write_text(VTT)
    page.set_input_files("#id_files", str(transcript))
    page.get_by_label("Study").select_option(label="Renewals 2026")
    navigate(page, page.get_by_role("button", name="Upload"))
    row = page.locator("tr", has_text="dana call")
    row.get_by_text("Ready").wait_for()
    assert "Renewals 2026" in row.inner_text()

    # The interview's details can be changed after upload.
    navigate(page, row.get_by_role("link", name="dana call"))
    navigate(page, page.get_by_role("link", name="Edit details"))
    page.get_by_label("Title").fill("Dana, vendor choice")
    navigate(page, page.get_by_role("button", name="Save"))
    assert page.get_by_role("heading", level=1).inner_text() == "Dana, vendor choice"

    # Citing evidence for a claim says so.
    page.goto(f"{live_server.url}/o/{org.slug}/personas/{persona.public_id}/edit/")
    page.locator(f"#find-{claim.public_id}").fill("compare*")
    cite_button = page.locator(".finder-results li").first.get_by_role("button", name="Cite", exact=True)
    cite_button.wait_for()
    navigate(page, cite_button)
    assert "Cited as evidence for the claim." in flash(page)
    screenshot(page, "daily-researcher-cited")

    # Deleting a highlight asks first, then says what happened.
    interview = evidence["interviews"]["cy"]
    page.goto(f"{live_server.url}/o/{org.slug}/interviews/{interview.public_id}/")
    item = page.locator(".highlight-item").first
    item.locator("summary", has_text="Edit").click()
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    navigate(page, item.get_by_role("button", name="Delete highlight"))
    assert asked and asked[0].startswith("Delete this highlight?")
    assert "Highlight deleted." in flash(page)
    assert page.locator(".highlight-item").count() == 0


def test_marketer_revises_a_message_title(page, live_server, screenshot, evidence, persona, member_factory):
    org = evidence["org"]
    marketer = member_factory(org, "marketer")
    with tenant_scope(org):
        message = services.message_create(
            title="Spring", channel="email", body="Compare vendors in one place.", target_personas=[persona],
            check=services.CheckAnswers(basis="preference", own_taste=4, predicted_reaction=3), by=marketer.user,
        )
    sign_in(page, live_server, marketer.user)
    page.wait_for_url(f"{live_server.url}/o/{org.slug}/")
    assert page.get_by_role("link", name="Upload interviews").count() == 0
    # The ungrounded draft waits for evidence on the dashboard, one click from its page.
    navigate(page, page.locator("#waiting-evidence ~ ul").get_by_role("link", name="Spring"))
    navigate(page, page.get_by_role("link", name="Revise"))
    page.get_by_label("Title").fill("Spring launch: one place for every vendor")
    page.get_by_label("Team preference").check()
    page.locator("fieldset", has_text="Would you, personally").get_by_role("radio", name="3").check()
    page.locator("fieldset", has_text="How do you predict").get_by_role("radio", name="3").check()
    navigate(page, page.get_by_role("button", name="Save"))
    assert page.get_by_role("heading", level=1).inner_text() == "Spring launch: one place for every vendor"
    with tenant_scope(org):
        message.refresh_from_db()
        assert message.revision_count == 2
    screenshot(page, "daily-marketer-message")


def test_admin_loosens_the_policy_and_the_persona_leaves_needs_review(page, live_server, screenshot, evidence, persona,
                                                                       alice):
    org = evidence["org"]
    with tenant_scope(org):
        claim = services.claim_create(persona=persona, kind="behaviour", statement="Compares vendors")
        cite(claim, evidence["h"]["ana1"], evidence["h"]["ben"])
        services.persona_publish(persona=persona)
    sign_in(page, live_server, alice.user)
    page.wait_for_url(f"{live_server.url}/o/{org.slug}/")

    def save_policy(citations, participants):
        navigate(page, page.get_by_role("link", name="Evidence policy", exact=True))
        page.get_by_label("Supporting citations per claim").fill(str(citations))
        page.get_by_label("Different participants per claim").fill(str(participants))
        navigate(page, page.get_by_role("button", name="Save policy"))

    save_policy(3, 3)
    navigate(page, page.get_by_role("link", name="Overview"))
    review = page.locator("#needs-review ~ ul")
    assert review.get_by_role("link", name="Careful Buyer").is_visible()
    screenshot(page, "daily-admin-needs-review")

    save_policy(2, 2)
    assert "“Careful Buyer” is published again" in flash(page)
    with tenant_scope(org):
        assert Persona.objects.get(pk=persona.pk).status == Persona.Status.PUBLISHED
    navigate(page, page.get_by_role("link", name="Overview"))
    assert page.get_by_text("Nothing needs review").is_visible()
    navigate(page, page.get_by_role("link", name="Personas", exact=True))
    assert page.locator(".persona-card", has_text="Careful Buyer").get_by_text("Needs review").count() == 0


def test_viewer_reaches_the_dashboard_and_search(page, live_server, screenshot, evidence, member_factory):
    org = evidence["org"]
    viewer = member_factory(org, "viewer")
    with tenant_scope(org):
        interview_services.tag_create(name="Vendor comparison")
    sign_in(page, live_server, viewer.user)
    page.wait_for_url(f"{live_server.url}/o/{org.slug}/")
    assert page.get_by_role("link", name="Upload interviews").count() == 0
    assert page.get_by_role("link", name="Write a message").count() == 0
    navigate(page, page.get_by_role("link", name="Utterances searchable"))
    page.get_by_label("Search evidence").first.fill("vendor*")
    navigate(page, page.get_by_role("button", name="Search"))
    names = page.locator("#name-matches ~ ul")
    assert names.get_by_role("link", name="Vendor comparison").is_visible()
    assert page.locator("mark").first.inner_text().lower().startswith("vendor")
    screenshot(page, "daily-viewer-search")
    page.set_viewport_size({"width": 390, "height": 844})
    navigate(page, page.locator(".brand"))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "daily-viewer-dashboard-phone")
