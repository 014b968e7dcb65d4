"""Words on the page: plurals, cut text with an ellipsis, quotes without a stray space, names not emails."""

import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.template import Context, Template
from django.utils.safestring import mark_safe

from empathy_site.demo import DEMO_ORG_SLUG
from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.models import Notification, Organization, User
from empathy_site.text import plural, quoted, shorten

from .personas.fixtures import cite, evidence, persona  # noqa: F401 (fixtures)


@pytest.mark.parametrize(("count", "words", "expected"), [
    (0, ("claim",), "0 claims"), (1, ("claim",), "1 claim"), (2, ("claim",), "2 claims"),
    (1, ("original file",), "1 original file"), (3, ("original file",), "3 original files"),
    (1, ("person", "people"), "1 person"), (2, ("person", "people"), "2 people"),
])
def test_plural(count, words, expected):
    assert plural(count, *words) == expected


def test_shorten_cuts_at_a_word_with_an_ellipsis_and_no_trailing_space():
    statement = "Compares several vendors side by side in a spreadsheet before signing anything"
    cut = shorten(statement, 60)
    assert len(cut) <= 60 and cut.endswith("…") and not cut.endswith(" …")
    assert cut == "Compares several vendors side by side in a spreadsheet…"
    assert shorten("short enough ", 60) == "short enough"
    assert shorten("  spaced\n out  ", 60) == "spaced out"
    # One unbroken word is cut where it must be.
    assert shorten("x" * 100, 10) == "x" * 9 + "…"
    # A cut right after a comma leaves neither the comma nor a space before the ellipsis.
    assert shorten("one, two three four five six", 6) == "one…"


def test_quoted_trims_inside_the_marks():
    assert quoted("compare three vendors ") == "“compare three vendors”"
    assert quoted(" compare three vendors side by side", 16) == "“compare three…”"
    assert quoted(None) == "“”"


def render(source, **context):
    return Template("{% load tenancy %}" + source).render(Context(context))


def test_template_filters():
    assert render('{{ n|counted:"claim" }}', n=1) == "1 claim"
    assert render('{{ n|counted:"claim" }}', n=4) == "4 claims"
    assert render('{{ n|counted:"person,people" }}', n=2) == "2 people"
    assert render("{{ s|shorten:16 }}", s="compare three vendors") == "compare three…"
    # Quotes are escaped, trimmed and optionally shortened ...
    assert render("{{ q|quoted }}", q="<b>bold</b> ") == "“&lt;b&gt;bold&lt;/b&gt;”"
    assert render("{{ q|quoted:16 }}", q="compare three vendors ") == "“compare three…”"
    # ... and a safe search snippet keeps its <mark>s, trimmed but never cut.
    snippet = mark_safe("…we <mark>compare</mark> three vendors ")  # noqa: S308
    assert render("{{ q|quoted:5 }}", q=snippet) == "“…we <mark>compare</mark> three vendors”"


@pytest.mark.django_db
def test_one_claim_falling_short_is_told_in_the_singular_with_the_cut_statement_ending_in_an_ellipsis(evidence, persona):  # noqa: F811
    from interviews import services as interview_services
    from personas import services

    long_statement = "Compares several vendors side by side in a spreadsheet before signing anything at all"
    with tenant_scope(evidence["org"]):
        claim = services.claim_create(persona=persona, kind="behaviour", statement=long_statement)
        cite(claim, evidence["h"]["ana1"], evidence["h"]["ben"])
        services.persona_publish(persona=persona)
        interview_services.highlight_delete(highlight=evidence["h"]["ben"])
        persona.refresh_from_db()
        notice = Notification.objects.filter(user=evidence["owner"], kind="persona_needs_review").get()
    assert "1 claim now falls short." in notice.message
    assert "“Compares several vendors side by side in a spreadsheet…”" in persona.review_reason
    assert " ”" not in persona.review_reason and " …" not in persona.review_reason


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo")  # transcripts are parsed when their upload commits
    return Organization.objects.get(slug=DEMO_ORG_SLUG)


def login(client, email):
    client.force_login(User.objects.get(email=email))


def test_quotes_on_pages_have_no_space_before_the_closing_mark(client, demo):
    from interviews.models import Highlight
    from personas.models import Citation, Persona

    with tenant_scope(demo):
        citation = Citation.objects.select_related("highlight").first()
        Highlight.objects.filter(pk=citation.highlight_id).update(quote=citation.highlight.quote + " \n")
        persona = Persona.objects.get()
    login(client, "marketer@demo.example")
    page = client.get(f"/o/{DEMO_ORG_SLUG}/personas/{persona.public_id}/").content.decode()
    assert f"“{citation.highlight.quote}”" in page
    assert " ”" not in page and "\n”" not in page


def test_insights_name_authors_as_everywhere_else(client, demo):
    login(client, "admin@demo.example")
    page = client.get(f"/o/{DEMO_ORG_SLUG}/messages/insights/").content.decode()
    assert "Max Marketer" in page
    assert "marketer@demo.example" not in page


def test_the_crm_ids_box_does_not_suggest_segments(client, demo):
    from interviews.models import Participant

    with tenant_scope(demo):
        participant = Participant.objects.get(pseudonym="P01")
    login(client, "researcher@demo.example")
    page = client.get(f"/o/{DEMO_ORG_SLUG}/participants/{participant.public_id}/").content.decode()
    crm_box = page[page.index('<textarea name="external_ids"'):]
    crm_box = crm_box[:crm_box.index("</textarea>")]
    assert "role: procurement" not in crm_box and "company_size" not in crm_box
    assert "hubspot: 1234" in crm_box


def test_erasing_says_one_original_file(client, demo):
    from interviews.models import Participant

    with tenant_scope(demo):
        participant = Participant.objects.get(pseudonym="P02")
    login(client, "admin@demo.example")
    response = client.post(f"/o/{DEMO_ORG_SLUG}/participants/{participant.public_id}/erase/", {"confirm": "P02"})
    said = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert "1 original file." in said and "original files" not in said
