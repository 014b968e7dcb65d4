"""Layout in a real browser: no page is wider than the window, on a desktop and on a phone.

Every UI route is walked for every role with long-text fixtures (a 2,000-character note
without spaces, a 100-character pseudonym, long tag names and titles). Each page is
screenshotted to LAYOUT_SHOTS (a tmp dir) so a person can look at them.
"""

import os
import tempfile
from pathlib import Path

import pytest
from django.core.management import call_command

from empathy_site.demo import DEMO_ORG_SLUG, DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("LAYOUT_SHOTS") or Path(tempfile.gettempdir()) / "layout-shots")
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
ROLES = ["admin", "researcher", "marketer", "viewer"]


def unbroken(word: str, length: int) -> str:
    return (word * (length // len(word) + 1))[:length]


NOTE = unbroken("Unbrokennote", 2000)
PSEUDONYM = unbroken("Pseudonym", 100)
TAG = unbroken("Longtagname", 100)
TITLE = unbroken("Longinterviewtitle", 300)
STUDY = unbroken("Longstudyname", 200)
PERSONA = unbroken("Longpersonaname", 120)
MESSAGE_TITLE = unbroken("Longmessagetitle", 200)
ORG_NAME = unbroken("Longorganisationname", 200)


def long_text_demo() -> dict[str, list[tuple[str, str]]]:
    """Seed the demo organisation, stretch its text, and answer the UI routes to walk: name -> path."""
    from empathy_site.sync.models import WebhookEndpoint
    from empathy_site.tenancy.context import tenant_scope
    from empathy_site.tenancy.models import Organization, User
    from empathy_site.tenancy.services import api_key_create
    from interviews.models import Highlight, Interview, Participant, ParticipantExternalId, Study, Tag, Utterance
    from personas.models import Citation, Claim, Exercise, Message, MessageRevision, Persona

    call_command("seed_demo")
    org = Organization.objects.get(slug=DEMO_ORG_SLUG)
    Organization.objects.filter(pk=org.pk).update(name=ORG_NAME)
    User.objects.filter(email="researcher@demo.example").update(full_name=unbroken("Researchername", 120))
    with tenant_scope(org):
        participant = Participant.objects.get(pseudonym="P01")
        Participant.objects.filter(pk=participant.pk).update(
            pseudonym=PSEUDONYM, attributes={**participant.attributes, "role": unbroken("Procurementrole", 150)},
        )
        ParticipantExternalId.objects.create(participant=participant, system="hubspot", external_id=unbroken("crm", 200))
        study = Study.objects.first()
        Study.objects.filter(pk=study.pk).update(name=STUDY, goal=NOTE)
        highlight = Highlight.objects.filter(start_utterance__speaker__participant=participant).first()
        interview = highlight.interview
        Interview.objects.filter(pk=interview.pk).update(title=TITLE, original_filename=unbroken("file", 250) + ".vtt")
        Highlight.objects.filter(pk=highlight.pk).update(note=NOTE)
        last = Utterance.objects.filter(interview=interview).order_by("-position").first()
        Utterance.objects.filter(pk=last.pk).update(text=last.text + " " + unbroken("Unbrokenwords", 400))
        tag = Tag.objects.filter(highlight_links__highlight=highlight).first() or Tag.objects.first()
        Tag.objects.filter(pk=tag.pk).update(name=TAG, description=NOTE)
        persona = Persona.objects.first()
        Persona.objects.filter(pk=persona.pk).update(name=PERSONA, summary=unbroken("Longsummary", 300))
        claim = Claim.objects.filter(persona=persona).first()
        Claim.objects.filter(pk=claim.pk).update(statement=NOTE)
        Citation.objects.filter(claim=claim).update(note=NOTE)
        message = Message.objects.first()
        exercise = Exercise.objects.first()
        Message.objects.filter(pk=message.pk).update(title=MESSAGE_TITLE)
        MessageRevision.objects.filter(message=message).update(body=NOTE)
        webhook = WebhookEndpoint.objects.create(
            url="https://crm.example/" + unbroken("hook", 450), description=unbroken("Webhookdescription", 200),
            events=[], secret="s" * 40,
        )
        api_key_create(organization=org, name=unbroken("Keyname", 100), scopes=["read"])
        from collaboration import services as collaboration_services

        researcher = User.objects.get(email="researcher@demo.example")
        thread = collaboration_services.comment_create(target_type="persona", target=persona, body=NOTE, by=researcher)
        collaboration_services.comment_create(target_type="persona", target=persona, parent=thread, by=researcher,
                                              body="@marketer@demo.example " + NOTE)
        collaboration_services.comment_create(target_type="highlight", target=highlight, body=NOTE, by=researcher)
        collaboration_services.memo_create(target_type="study", target=study, title=unbroken("Memotitle", 200), body=NOTE,
                                           by=researcher)
        # Two coders, both done: the coding page shows colours, agreement and disagreements side by side.
        from django.utils import timezone

        from interviews.models import Assignment

        for email in ("researcher@demo.example", "admin@demo.example"):
            Assignment.objects.create(interview=interview, coder=User.objects.get(email=email), done_at=timezone.now())

    o = f"/o/{DEMO_ORG_SLUG}"
    return [
        ("dashboard", f"{o}/"),
        ("notifications", f"{o}/notifications/"),
        ("interviews", f"{o}/interviews/"),
        ("interview", f"{o}/interviews/{interview.public_id}/"),
        ("interview-focused", f"{o}/interviews/{interview.public_id}/?h={highlight.public_id}"),
        ("interview-coding", f"{o}/interviews/{interview.public_id}/coding/"),
        ("codebook", f"{o}/tags/"),
        ("tag", f"{o}/tags/{tag.public_id}/"),
        ("tag-delete", f"{o}/tags/{tag.public_id}/delete/"),
        ("search", f"{o}/search/?q=Unbrokennote"),
        ("search-quotes", f"{o}/search/?q=spreadsheet"),
        ("patterns", f"{o}/patterns/"),
        ("participants", f"{o}/participants/"),
        ("participant", f"{o}/participants/{participant.public_id}/"),
        ("participant-erase", f"{o}/participants/{participant.public_id}/erase/"),
        ("studies", f"{o}/studies/"),
        ("study", f"{o}/studies/{study.public_id}/"),
        ("study-agreement", f"{o}/studies/{study.public_id}/agreement/"),
        ("study-tag-disagreements", f"{o}/studies/{study.public_id}/agreement/tags/{tag.public_id}/"),
        ("personas", f"{o}/personas/"),
        ("persona", f"{o}/personas/{persona.public_id}/"),
        ("persona-edit", f"{o}/personas/{persona.public_id}/edit/"),
        ("persona-versions", f"{o}/personas/{persona.public_id}/versions/"),
        ("persona-print", f"{o}/personas/{persona.public_id}/print/"),
        ("messages", f"{o}/messages/"),
        ("message-new", f"{o}/messages/new/"),
        ("message", f"{o}/messages/{message.public_id}/"),
        ("message-revise", f"{o}/messages/{message.public_id}/revise/"),
        ("insights", f"{o}/messages/insights/"),
        ("outcome-import", f"{o}/messages/outcomes/import/"),
        ("exercises", f"{o}/exercises/"),
        ("exercise-new", f"{o}/exercises/new/"),
        *([("exercise", f"{o}/exercises/{exercise.public_id}/")] if exercise else []),
        ("members", f"{o}/settings/members/"),
        ("evidence-policy", f"{o}/settings/evidence-policy/"),
        ("privacy", f"{o}/settings/privacy/"),
        ("api-keys", f"{o}/settings/api-keys/"),
        ("webhooks", f"{o}/settings/webhooks/"),
        ("webhook", f"{o}/settings/webhooks/{webhook.public_id}/"),
        ("audit", f"{o}/settings/audit/"),
        ("highlight-discussion", f"{o}/highlights/{highlight.public_id}/discussion/"),
        ("claim-discussion", f"{o}/claims/{claim.public_id}/discussion/"),
        ("account", "/accounts/"),
        ("password-change", "/accounts/password_change/"),
        ("imports", f"{o}/imports/"),
        ("not-found", f"{o}/interviews/00000000-0000-0000-0000-000000000000/"),
    ]


# Anything wider than the window, and any card whose content pokes out of it.
OVERFLOW_JS = """() => {
  const vw = window.innerWidth, problems = [];
  const name = el => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string'
      ? '.' + el.className.trim().split(/\\s+/).join('.') : '') + ' "' + (el.textContent || '').trim().slice(0, 40) + '"';
  if (document.documentElement.scrollWidth > vw) {
    problems.push('page is ' + document.documentElement.scrollWidth + 'px wide in a ' + vw + 'px window');
    const culprits = [...document.querySelectorAll('body *')].filter(el => {
      const r = el.getBoundingClientRect();
      return r.width && r.right > vw + 1 && ![...el.children].some(c => c.getBoundingClientRect().right > vw + 1);
    });
    culprits.slice(0, 4).forEach(el => problems.push('  sticks out: ' + name(el)));
  }
  // A card that scrolls sideways (a wide table on a phone) is fine; one whose content pokes out is not.
  document.querySelectorAll('.card, .stat, .flash, .main, .sidebar, .print-sheet').forEach(el => {
    if (getComputedStyle(el).overflowX !== 'visible') return;
    if (el.scrollWidth > el.clientWidth + 1) problems.push('content wider than ' + name(el));
  });
  // Long words may break anywhere, but text squeezed into a sliver (a letter per line) is a layout fault too.
  document.querySelectorAll('main *, .sidebar *').forEach(el => {
    const text = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent.trim()).join('');
    const r = el.getBoundingClientRect();
    if (text.length >= 12 && r.width > 0 && r.width < 48 && getComputedStyle(el).position !== 'absolute')
      problems.push('text squeezed to ' + Math.round(r.width) + 'px: ' + name(el));
  });
  return problems;
}"""


def new_page(browser, viewport, errors):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and r.request.resource_type != "document" else None)
    return context, page


def sign_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Sign in").click()


def walk(page, live_server, routes, label):
    problems = []
    for name, path in routes:
        page.goto(live_server.url + path, wait_until="load")
        try:
            page.wait_for_load_state("networkidle", timeout=3000)
        except Exception:  # noqa: BLE001, S110 - a page that keeps polling is still measured
            pass
        problems += [f"{label} {name} ({path}): {p}" for p in page.evaluate(OVERFLOW_JS)]
        page.screenshot(path=str(SHOTS / f"{label}-{name}.png"), full_page=True)
    return problems


@pytest.mark.parametrize("role", ROLES)
def test_no_page_is_wider_than_the_window(browser, live_server, role):
    SHOTS.mkdir(parents=True, exist_ok=True)
    routes = long_text_demo()
    problems, errors = [], []
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context, page = new_page(browser, viewport, errors)
        if role == "admin":
            problems += walk(page, live_server, [("login", "/accounts/login/"), ("password-reset", "/accounts/password_reset/")],
                             f"{size}-anonymous")
        sign_in(page, live_server, f"{role}@demo.example")
        problems += walk(page, live_server, routes, f"{size}-{role}")
        context.close()
    assert not problems, "\n".join(problems)
    assert not errors, f"The pages logged errors: {errors}"


def test_phone_navigation_is_behind_a_menu_button(browser, live_server):
    long_text_demo()
    errors = []
    context, page = new_page(browser, PHONE, errors)
    sign_in(page, live_server, "admin@demo.example")
    button = page.get_by_role("button", name="Menu")
    nav = page.locator("#" + button.get_attribute("aria-controls"))
    assert button.get_attribute("aria-expanded") == "false"
    assert not nav.is_visible()
    # The page's own heading is in the first screen, not below the whole navigation.
    assert page.get_by_role("heading", level=1).bounding_box()["y"] < PHONE["height"] / 2

    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    assert nav.get_by_role("link", name="Interviews").is_visible()
    page.screenshot(path=str(SHOTS / "phone-menu-open.png"))
    page.keyboard.press("Escape")
    assert button.get_attribute("aria-expanded") == "false"
    assert not nav.is_visible()

    button.focus()
    page.keyboard.press("Enter")
    assert button.get_attribute("aria-expanded") == "true"
    with page.expect_navigation(wait_until="load"):
        nav.get_by_role("link", name="Interviews").click()
    assert page.get_by_role("button", name="Menu").get_attribute("aria-expanded") == "false"
    context.close()
    assert not errors, errors


def test_desktop_sidebar_fits_and_reaches_the_bottom(browser, live_server):
    routes = dict(long_text_demo())
    errors = []
    context, page = new_page(browser, DESKTOP, errors)
    sign_in(page, live_server, "admin@demo.example")
    # The menu button is for phones only.
    assert not page.get_by_role("button", name="Menu").is_visible()
    sign_out = page.get_by_role("button", name="Sign out").bounding_box()
    assert sign_out["y"] + sign_out["height"] <= DESKTOP["height"] - 24, sign_out

    # A long page: the dark sidebar column still runs down to the bottom of the page.
    page.goto(live_server.url + routes["tag"])
    height = page.evaluate("document.documentElement.scrollHeight")
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    colour = page.evaluate("""() => {
      const el = document.elementFromPoint(20, window.innerHeight - 5);
      let node = el;
      while (node && getComputedStyle(node).backgroundColor === 'rgba(0, 0, 0, 0)') node = node.parentElement;
      return node ? getComputedStyle(node).backgroundColor : null;
    }""")
    assert height > DESKTOP["height"]
    assert colour == "rgb(20, 24, 51)", colour
    context.close()
    assert not errors, errors


def test_the_print_view_and_the_403_page(browser, live_server):
    from empathy_site.tenancy.context import tenant_scope
    from empathy_site.tenancy.models import Organization
    from personas.models import Persona

    long_text_demo()
    with tenant_scope(Organization.objects.get(slug=DEMO_ORG_SLUG)):
        persona = Persona.objects.first()
    errors = []
    context, page = new_page(browser, DESKTOP, errors)
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    sign_in(page, live_server, "viewer@demo.example")
    page.goto(f"{live_server.url}/o/{DEMO_ORG_SLUG}/personas/{persona.public_id}/print/", wait_until="load")
    assert not any(url.endswith("/favicon.ico") for url in requested), requested

    response = page.goto(f"{live_server.url}/o/{DEMO_ORG_SLUG}/settings/members/")
    assert response.status == 403
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("main").get_by_role("link", name="Back to the overview").click()
    assert page.url == f"{live_server.url}/o/{DEMO_ORG_SLUG}/"
    context.close()
    assert not errors, errors
