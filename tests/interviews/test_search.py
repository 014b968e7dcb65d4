"""Evidence search: words, phrases, prefixes, every filter, and ranking; on both databases."""

from datetime import date

import pytest

from empathy_site.tenancy.context import tenant_scope
from interviews import services
from interviews.selectors.search import SearchFilters, parse_query, search_highlights, search_utterances
from interviews.services import Span


def texts(rows):
    return sorted(r.text if hasattr(r, "text") else r.quote for r in rows)


def test_query_parsing():
    terms = parse_query('"audit finding" onboard* vendors')
    assert [(t.words, t.prefix) for t in terms] == [(("audit", "finding"), False), (("onboard",), True), (("vendors",), False)]
    assert parse_query("  ") == [] and parse_query("!!! &&& |") == []


def test_finds_by_word(corpus):
    with tenant_scope(corpus["org"]):
        found = texts(search_utterances(query="spreadsheet"))
    assert found == ["Is the spreadsheet shared?", "Our procurement team keeps a spreadsheet of every supplier."]


def test_all_words_must_match(corpus):
    with tenant_scope(corpus["org"]):
        assert texts(search_utterances(query="spreadsheet supplier")) == [
            "Our procurement team keeps a spreadsheet of every supplier."
        ]


def test_finds_a_phrase_not_just_the_words(corpus):
    with tenant_scope(corpus["org"]):
        assert texts(search_utterances(query='"audit finding"')) == [
            "Because onboarding a bad supplier cost us an audit finding."
        ]
        assert search_utterances(query='"finding audit"') == []


def test_finds_by_prefix(corpus):
    with tenant_scope(corpus["org"]):
        found = texts(search_utterances(query="onboard*"))
    assert found == [
        "Because onboarding a bad supplier cost us an audit finding.",
        "Onboarding takes weeks because legal reviews every contract.",
    ]


def test_snippets_mark_matches_and_escape_html(corpus, org_a):
    from .evidence_fixtures import make_interview

    make_interview(org_a, [("Eve", "Slow & clunky: 3 < 4.")], title="Escaping")
    with tenant_scope(org_a):
        rows = search_utterances(query="clunky")
    snippet = str(rows[0].snippet)
    assert "<mark>clunky</mark>" in snippet.lower() and "&amp;" in snippet


def test_marking_escapes_everything_but_the_marks():
    from interviews.selectors.search import MARK_END, MARK_START, _marked

    assert _marked(f"<b>x</b> {MARK_START}hit{MARK_END}") == "&lt;b&gt;x&lt;/b&gt; <mark>hit</mark>"


@pytest.mark.parametrize(
    "filters,expected",
    [
        (lambda c: SearchFilters(study=c["study"]), ["Because onboarding a bad supplier cost us an audit finding."]),
        (lambda c: SearchFilters(attribute_key="role", attribute_value="legal"),
         ["Onboarding takes weeks because legal reviews every contract."]),
        (lambda c: SearchFilters(speaker_kind="team"), []),
        (lambda c: SearchFilters(date_from=date(2026, 6, 1)), ["Onboarding takes weeks because legal reviews every contract."]),
        (lambda c: SearchFilters(date_to=date(2026, 6, 1)), ["Because onboarding a bad supplier cost us an audit finding."]),
    ],
)
def test_each_filter_narrows_utterances(corpus, filters, expected):
    with tenant_scope(corpus["org"]):
        assert texts(search_utterances(query="onboard*", filters=filters(corpus))) == expected


def test_speaker_kind_filter(corpus):
    with tenant_scope(corpus["org"]):
        assert texts(search_utterances(query="three", filters=SearchFilters(speaker_kind="team"))) == ["Why three vendors?"]
        assert texts(search_utterances(query="three", filters=SearchFilters(speaker_kind="participant"))) == [
            "We compare three vendors before we sign anything."
        ]


def test_tag_filter_keeps_utterances_under_a_tagged_highlight(corpus):
    with tenant_scope(corpus["org"]):
        risk = services.tag_create(name="Risk")
        services.highlight_create(interview=corpus["call1"], span=Span(2, 0, 2, 20), tags=[risk])
        found = texts(search_utterances(query="onboard*", filters=SearchFilters(tag=risk)))
        assert found == ["Because onboarding a bad supplier cost us an audit finding."]
        highlights = search_highlights(query="onboard*", filters=SearchFilters(tag=risk))
        assert [h.quote for h in highlights] == ["Because onboarding a"]


def test_highlights_are_searched_by_quote_and_note(corpus):
    with tenant_scope(corpus["org"]):
        services.highlight_create(interview=corpus["call2"], span=Span(0, 0, 0, 15), note="gatekeeper persona")
        assert [h.quote for h in search_highlights(query="gatekeeper")] == ["Our procurement"]
        assert [h.quote for h in search_highlights(query="procurement")] == ["Our procurement"]


def test_other_orgs_never_appear(corpus, org_b):
    from .evidence_fixtures import CALL_2, make_interview

    make_interview(org_b, CALL_2, title="B's call")
    with tenant_scope(corpus["org"]):
        assert len(search_utterances(query="spreadsheet")) == 2


@pytest.mark.postgres
def test_ranking_prefers_denser_matches(corpus, org_a):
    from .evidence_fixtures import make_interview

    make_interview(org_a, [("Kim", "Vendors, vendors, vendors: all day I compare vendors.")], title="Dense")
    with tenant_scope(org_a):
        rows = search_utterances(query="vendors")
    assert rows[0].text.startswith("Vendors, vendors") and rows[0].rank >= rows[-1].rank


def test_pages_follow_the_ranking_without_gaps_or_repeats(corpus, org_a):
    from .evidence_fixtures import make_interview

    # The densest first, so the best-ranked rows are the oldest: ranking, not insertion order, makes each page.
    lines = [("Kim" if n % 2 else "Lee", f"Note {n}: {'supplier ' * n}again.") for n in range(7, 0, -1)]
    make_interview(org_a, lines, title="Suppliers")
    with tenant_scope(org_a):
        everything = search_utterances(query="supplier", limit=50)
        pages = [search_utterances(query="supplier", limit=3, offset=offset) for offset in (0, 3, 6, 9)]
    assert len(everything) == 9
    assert pages[0][0].text == f"Note 7: {'supplier ' * 7}again."
    assert [r.pk for page in pages for r in page] == [r.pk for r in everything]
    assert all(a.rank >= b.rank for a, b in zip(everything, everything[1:], strict=False))


@pytest.mark.postgres
def test_a_search_page_is_one_statement_whatever_it_finds(corpus, org_a, django_assert_num_queries):
    from .evidence_fixtures import make_interview

    with tenant_scope(org_a), django_assert_num_queries(1):
        few = search_utterances(query="spreadsheet")
        assert all(r.interview.title and r.speaker.label and r.snippet for r in few)
    for n in range(3):
        make_interview(org_a, [("Kim", f"A spreadsheet again ({n})."), ("Lee", "Another spreadsheet.")], title=f"More {n}")
    with tenant_scope(org_a), django_assert_num_queries(1):
        many = search_utterances(query="spreadsheet")
        assert all(r.interview.title and r.speaker.label and "<mark>" in r.snippet for r in many)
    assert len(few) == 2 and len(many) == 8


def test_a_filter_that_keeps_everything_pages_as_no_filter(corpus, org_a):
    from .evidence_fixtures import make_interview

    # Unfiltered, the page comes ranked from the index scan (utterance_ranked_ids); filtered, it is ranked after the
    # filters. Both must page through the same order.
    # Ranks tie in pairs: within a tie the newer row comes first on either path.
    lines = [("Kim" if n % 2 else "Lee", f"Note {n}: {'supplier ' * (n // 2 + 1)}again.") for n in range(1, 8)]
    make_interview(org_a, lines, title="Suppliers")
    keeps_everything = SearchFilters(date_from=date(2000, 1, 1))
    with tenant_scope(org_a):
        for offset in (0, 3, 6, 9):
            plain = search_utterances(query="supplier", limit=3, offset=offset)
            filtered = search_utterances(query="supplier", limit=3, offset=offset, filters=keeps_everything)
            assert [(r.pk, round(r.rank, 6)) for r in plain] == [(r.pk, round(r.rank, 6)) for r in filtered]
            assert len(plain) == (3 if offset < 9 else 0)


@pytest.mark.postgres
def test_the_ranked_page_function_returns_the_active_organisations_ids_only(corpus, org_b):
    from django.db import connection

    from interviews.models import Utterance

    from .evidence_fixtures import CALL_1, make_interview

    make_interview(org_b, CALL_1, title="B's call")

    def page(limit=10, offset=0):
        with connection.cursor() as cursor:
            cursor.execute("SELECT utterance_ranked_ids(to_tsquery('english', 'onboard:*'), %s, %s)", [limit, offset])
            return [row[0] for row in cursor.fetchall()]

    for org in (corpus["org"], org_b):
        with tenant_scope(org):
            found = page()
            expected = Utterance.objects.filter(text__icontains="onboard")
            assert sorted(found) == sorted(expected.values_list("pk", flat=True)) and found
            assert page(limit=1) + page(limit=1, offset=1) == found[:2]


@pytest.mark.postgres
def test_a_long_utterance_is_marked_where_its_words_are(org_a):
    from django.db import connection

    from .evidence_fixtures import make_interview

    filler = "We talked about the weather for quite a while. " * 700  # 32,900 characters before and after
    make_interview(org_a, [
        ("Kim", filler + "Then the migrations to the new ledger went badly. " + filler),
        ("Lee", filler + "Nobody was happy with it. " + filler),  # the stem 'happi' starts no word of the text
    ], title="Monologues")
    with tenant_scope(org_a):
        [ledger] = search_utterances(query="migration ledger")
        [happy] = search_utterances(query="happy")
    for row, marked in ((ledger, ["migrations", "ledger"]), (happy, ["happy"])):
        snippet = str(row.snippet)
        assert all(f"<mark>{word}</mark>" in snippet for word in marked), snippet
    # Only a window around the match is parsed, cut between words: with room for a thousand words the headline shows
    # the whole window, whose first and last words are whole.
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_headline(%s, to_tsquery('english', 'ledger'), 'MaxWords=1000, MinWords=900')",
                       [ledger.text])
        [headline] = cursor.fetchone()
    words = headline.split()
    assert "<b>ledger</b>" in words and 300 < len(words) < 1000
    assert set(words) - {"<b>ledger</b>"} <= set(ledger.text.split())


@pytest.mark.postgres
@pytest.mark.parametrize("role", ["researcher", "marketer"])
def test_search_pages_cost_the_same_statements_for_one_hit_or_many(corpus, org_a, alice, member_factory, client, role):
    """Speakers, their people and interviews come with the search statement: nothing is read per hit (a column
    left out of the statement would be fetched row by row), and naming unmapped speakers ("Speaker 2") reads
    nothing either."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from rest_framework.test import APIClient

    from empathy_site.tenancy.roles import Role

    from .evidence_fixtures import make_interview

    for n in range(3):  # speakers mapped to a participant and to a team member, and speakers mapped to nobody
        make_interview(org_a, [("Sam", f"Which spreadsheet ({n})?"), ("Dana", "The supplier spreadsheet.")],
                       title=f"Mapped {n}", participant=corpus["dana"], team_member=alice.user)
        make_interview(org_a, [("Zephyrine", f"Procurement keeps a spreadsheet too ({n})."), ("Orlanth", "Which spreadsheet?")],
                       title=f"Unmapped {n}")
    member = member_factory(org_a, Role(role))  # a marketer may not see raw speaker labels
    client.force_login(member.user)
    api = APIClient()
    api.force_login(member.user)
    api.credentials(HTTP_X_ORGANIZATION=org_a.slug)
    pages = {
        "html": lambda q: client.get(reverse("evidence_search", kwargs={"org_slug": org_a.slug}), {"q": q}),
        "api": lambda q: api.get("/api/v1/search/", {"q": q, "kind": "utterances"}),
    }
    for name, get in pages.items():
        statements = {}
        for query in ("audit", "spreadsheet"):  # one utterance; fourteen, of every kind of speaker
            with CaptureQueriesContext(connection) as captured:
                response = get(query)
            assert response.status_code == 200
            # Binding the transaction to the organisation is left out: the test's one transaction stays bound
            # after the first request, where each real request is a transaction of its own.
            statements[query] = [q["sql"] for q in captured.captured_queries if "set_config" not in q["sql"]]
        body = response.content.decode()
        # An unmapped speaker: the label as written for a researcher, its number for a marketer.
        assert ("Zephyrine" in body) is (role == "researcher") and ("Speaker 1" in body) is (role != "researcher"), name
        assert len(statements["spreadsheet"]) == len(statements["audit"]), name
        assert not [sql for sql in statements["spreadsheet"] if 'FROM "interviews_speakermapping"' in sql], name
