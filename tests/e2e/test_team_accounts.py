"""Invitation and password reset, end to end in the browser, with a real SMTP server receiving the mail."""

import pytest

from tests.factories import PASSWORD
from tests.smtp import Mailbox

from .test_journeys import navigate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, email, password=PASSWORD):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    navigate(page, page.get_by_role("button", name="Sign in"))


def mailed_link(mailbox, address, count=1) -> str:
    message = mailbox.wait_for(address, count)[count - 1]
    return next(line for line in Mailbox.body(message).splitlines() if "/accounts/" in line).strip()


def test_an_admin_invites_by_email_and_the_invited_person_joins(browser, page, live_server, alice, smtp_server, screenshot):
    sign_in(page, live_server, alice.user.email)
    page.goto(f"{live_server.url}/o/{alice.org.slug}/settings/members/")
    page.get_by_label("Email").fill("newcomer@example.test")
    page.get_by_label("Role", exact=True).select_option("researcher")
    navigate(page, page.get_by_role("button", name="Send invitation"))
    assert page.get_by_text("Invitation sent").is_visible()
    row = page.locator('tr[data-invitation="newcomer@example.test"]')
    assert row.get_by_text("Pending").is_visible()
    screenshot(page, "team-members-invitations")

    link = mailed_link(smtp_server, "newcomer@example.test")
    assert link.startswith(live_server.url)
    guest = browser.new_context(viewport={"width": 1360, "height": 900})
    invited = guest.new_page()
    invited.goto(link)
    invited.get_by_label("Your name").fill("Nia Newcomer")
    invited.get_by_label("Password", exact=True).fill("A long new passphrase 7")
    invited.get_by_label("Password, again").fill("A long new passphrase 7")
    with invited.expect_navigation(wait_until="load"):
        invited.get_by_role("button", name="Create account and join").click()
    assert invited.url == f"{live_server.url}/o/{alice.org.slug}/"
    assert invited.get_by_text("Welcome to Org A").is_visible()
    guest.close()

    page.reload()
    assert page.locator('tr[data-invitation="newcomer@example.test"]').get_by_text("Accepted").is_visible()


def test_a_member_resets_a_forgotten_password_by_email(page, live_server, bob, smtp_server, screenshot):
    page.goto(f"{live_server.url}/accounts/login/")
    navigate(page, page.get_by_role("link", name="Forgot your password?"))
    page.get_by_label("Email").fill(bob.user.email)
    navigate(page, page.get_by_role("button", name="Send the reset link"))
    assert page.get_by_role("heading", name="Check your email").is_visible()
    screenshot(page, "team-password-reset-sent")

    page.goto(mailed_link(smtp_server, bob.user.email))
    page.wait_for_load_state("load")
    page.get_by_label("New password", exact=True).fill("Brand new secret 42!")
    page.get_by_label("New password confirmation").fill("Brand new secret 42!")
    navigate(page, page.get_by_role("button", name="Save the new password"))
    assert page.get_by_role("heading", name="Your new password is saved").is_visible()

    sign_in(page, live_server, bob.user.email, "Brand new secret 42!")
    assert page.url == f"{live_server.url}/o/{bob.org.slug}/"
    assert page.locator("[data-bell]").is_visible()
