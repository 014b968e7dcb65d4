"""The dashboard as the place the day starts, search over names as well as words, and the insights CSV by name."""

import csv
import io

import pytest
from django.urls import reverse

from empathy_site.tenancy.context import tenant_scope
from interviews import services as interview_services
from interviews.services import Span
from personas import services
from personas.models import Persona
from tests.interviews.factories import ParticipantFactory
from tests.personas import fixtures as persona_fixtures
from tests.personas.fixtures import cite

# The persona tests' hand-countable evidence (fixtures).
evidence, persona = persona_fixtures.evidence, persona_fixtures.persona

def url(name, org, *args):
    return reverse(name, args=[org.slug, *args])


def check(basis="preference", **extra):
    return services.CheckAnswers(basis=basis, own_taste=4, predicted_reaction=3, **extra)


@pytest.fixture
def day(evidence, persona, bob):
    """A tagged highlight, a persona that needs review, a message in review and an ungrounded draft."""
    org = evidence["org"]
    with tenant_scope(org):
        tag = interview_services.tag_create(name="Spreadsheet pain")
        highlight = interview_services.highlight_create(
            interview=evidence["interviews"]["ben"], span=Span(0, 0, 0, 20), tags=[tag], by=bob.user
        )
        claim = services.claim_create(persona=persona, kind="goal", statement="Defends every choice")
        cite(claim, evidence["h"]["ana1"], evidence["h"]["ben"])
        Persona.objects.filter(pk=persona.pk).update(
            status=Persona.Status.NEEDS_REVIEW, review_reason="A cited highlight was deleted"
        )
        in_review = services.message_create(title="Quarterly vendor email", channel="email", body="b",
                                            target_personas=[persona], check=check("insight", claims=[claim]),
                                            by=bob.user)
        services.message_update(message=in_review, status="in_review", by=bob.user)
        draft = services.message_create(title="Gut-feel landing page", channel="landing_page", body="b",
                                        target_personas=[persona], check=check(), by=bob.user)
    return {"org": org, "tag": tag, "highlight": highlight, "persona": persona, "in_review": in_review, "draft": draft}


def test_dashboard_links_every_figure_and_recent_interview(client, day, bob):
    org = day["org"]
    client.force_login(bob.user)
    page = client.get(url("dashboard", org)).content.decode()
    assert f'href="{url("interview_list", org)}?status=ready"' in page
    assert f'href="{url("participant_list", org)}"' in page
    assert f'href="{url("evidence_search", org)}"' in page
    assert f'href="{url("study_list", org)}"' in page
    ben = day["highlight"].interview
    assert f'href="{url("interview_detail", org, ben.public_id)}"' in page


def test_dashboard_shows_what_is_new_what_needs_review_and_what_waits_for_evidence(client, day, bob):
    org = day["org"]
    client.force_login(bob.user)
    page = client.get(url("dashboard", org)).content.decode()
    # New: the latest highlight, linked to its place in the transcript, with its tag.
    highlight = day["highlight"]
    assert f"?h={highlight.public_id}#u-{highlight.start_position}" in page
    assert f'href="{url("tag_detail", org, day["tag"].public_id)}"' in page
    # Needs review: the persona (with why) and the message submitted for approval.
    assert f'href="{url("persona_detail", org, day["persona"].public_id)}"' in page
    assert "A cited highlight was deleted" in page
    assert f'href="{url("message_detail", org, day["in_review"].public_id)}"' in page
    assert "Message in review" in page
    # Waiting for evidence: the draft resting on the team's taste.
    waiting = page.split('id="waiting-evidence"')[1]
    assert "Gut-feel landing page" in waiting and "Ungrounded" in waiting
    assert "Quarterly vendor email" not in waiting  # grounded in two voices


def test_dashboard_with_nothing_pending_says_so(client, alice):
    client.force_login(alice.user)
    page = client.get(url("dashboard", alice.org)).content.decode()
    assert "Nothing needs review" in page and "Every active message is grounded" in page
    assert "No interviews yet." in page and "No highlights yet." in page


@pytest.mark.parametrize(
    ("role", "upload", "write"),
    [("admin", True, True), ("researcher", True, True), ("marketer", False, True), ("viewer", False, False)],
)
def test_dashboard_offers_only_what_the_role_may_do(client, member_factory, org_a, role, upload, write):
    member = member_factory(org_a, role)
    client.force_login(member.user)
    response = client.get(url("dashboard", org_a))
    assert response.status_code == 200
    page = response.content.decode()
    assert (">Upload interviews<" in page) is upload
    assert (f'href="{url("interview_list", org_a)}#upload"' in page) is upload
    assert (f'href="{url("message_create", org_a)}"' in page) is write
    assert f'href="{url("evidence_search", org_a)}"' in page


def test_dashboard_upload_button_lands_on_the_upload_form(client, bob):
    client.force_login(bob.user)
    page = client.get(url("interview_list", bob.org)).content.decode()
    assert 'id="upload"' in page and 'name="files"' in page


def test_dashboard_shows_only_its_own_organisation(client, day, charlie):
    client.force_login(charlie.user)
    page = client.get(url("dashboard", charlie.org)).content.decode()
    assert "Gut-feel landing page" not in page and "Careful Buyer" not in page and "Spreadsheet pain" not in page


def test_search_finds_tags_interviews_and_participants_by_name(client, day, bob):
    org = day["org"]
    client.force_login(bob.user)
    tag_page = client.get(url("evidence_search", org), {"q": "spreadsheet pain"}).content.decode()
    assert f'href="{url("tag_detail", org, day["tag"].public_id)}"' in tag_page and ">Tag<" in tag_page
    ana1 = day["highlight"].interview  # "Ben"
    interview_page = client.get(url("evidence_search", org), {"q": "Ben"}).content.decode()
    assert f'href="{url("interview_detail", org, ana1.public_id)}"' in interview_page and ">Interview<" in interview_page
    ben = day["highlight"].participant
    assert f'href="{url("participant_detail", org, ben.public_id)}"' in interview_page and ">Participant<" in interview_page
    # A prefix term matches names as it matches words.
    prefix_page = client.get(url("evidence_search", org), {"q": "spread*"}).content.decode()
    assert "Spreadsheet pain" in prefix_page


def test_search_with_only_a_name_match_is_not_empty(client, day, bob):
    org = day["org"]
    with tenant_scope(org):
        quiet = ParticipantFactory(organization=org, pseudonym="Zephyrine")
    client.force_login(bob.user)
    page = client.get(url("evidence_search", org), {"q": "zephyr*"}).content.decode()
    assert "Nothing matched" not in page and "Nothing said matched" in page
    assert f'href="{url("participant_detail", org, quiet.public_id)}"' in page


def test_search_by_real_name_only_for_roles_with_personal_data(client, day, bob, member_factory):
    org = day["org"]
    with tenant_scope(org):
        person = ParticipantFactory(organization=org, pseudonym="P-Quill", name="Henrietta Quillfeather")
    client.force_login(bob.user)  # researcher: personal_data
    page = client.get(url("evidence_search", org), {"q": "Henrietta"}).content.decode()
    assert f'href="{url("participant_detail", org, person.public_id)}"' in page and "Henrietta Quillfeather" in page
    for role in ("marketer", "viewer"):
        client.force_login(member_factory(org, role).user)
        by_name = client.get(url("evidence_search", org), {"q": "Henrietta"}).content.decode()
        results = by_name.split('role="search"')[1].split("</form>", 1)[1]
        assert "P-Quill" not in by_name and "Henrietta" not in results
        by_pseudonym = client.get(url("evidence_search", org), {"q": "quill"}).content.decode()
        assert f'href="{url("participant_detail", org, person.public_id)}"' in by_pseudonym
        assert "Henrietta" not in by_pseudonym


def test_search_names_stay_inside_the_organisation(client, day, charlie):
    client.force_login(charlie.user)
    page = client.get(url("evidence_search", charlie.org), {"q": "spreadsheet"}).content.decode()
    assert "Spreadsheet pain" not in page and "Nothing matched" in page


def test_search_study_filter_narrows_interview_titles(client, day, bob):
    org = day["org"]
    with tenant_scope(org):
        study = interview_services.study_create(name="Renewals")
    client.force_login(bob.user)
    page = client.get(url("evidence_search", org), {"q": "Ben", "study": str(study.public_id)}).content.decode()
    assert ">Interview<" not in page


def test_insights_csv_names_authors_as_the_page_does(client, day, bob):
    org = day["org"]
    client.force_login(bob.user)
    page = client.get(url("message_insights", org)).content.decode()
    name = bob.user.display_name
    assert name in page
    rows = list(csv.reader(io.StringIO(client.get(url("message_insights_csv", org)).content.decode())))
    gap_header = rows.index(["author", "mean_own_taste", "mean_predicted_reaction", "gap", "revisions", "projection_risks"])
    authors = [row[1] for row in rows[:gap_header] if row and row[0] == "author"]
    gaps = [row[0] for row in rows[gap_header + 1:]]
    assert set(authors) == {name} and gaps == [name]
    assert "bob@example.test" not in "\n".join(",".join(row) for row in rows)
