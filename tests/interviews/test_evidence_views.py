import pytest
from django.urls import reverse

from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.models import AuditEvent
from interviews import services
from interviews.models import Highlight, Tag
from interviews.services import Span


@pytest.fixture
def signed_in(client, corpus, bob):
    client.force_login(bob.user)
    return client


def url(name, corpus, *args):
    return reverse(name, args=[corpus["org"].slug, *args])


def test_highlight_from_the_transcript_form_with_a_new_tag(signed_in, corpus):
    response = signed_in.post(
        url("highlight_create", corpus, corpus["call1"].public_id),
        {"start_position": 0, "start_offset": 3, "end_position": 0, "end_offset": 24, "new_tag": "Comparison", "note": "n"},
    )
    with tenant_scope(corpus["org"]):
        highlight = Highlight.objects.get()
        assert highlight.quote == "compare three vendors"
        assert list(highlight.tags.values_list("name", flat=True)) == ["Comparison"]
    assert response.status_code == 302 and response["Location"].endswith("#u-0")
    page = signed_in.get(url("interview_detail", corpus, corpus["call1"].public_id)).content.decode()
    assert 'data-highlight="' in page and ">compare three vendors</mark>" in page


def test_an_invalid_span_from_the_browser_is_explained(signed_in, corpus):
    response = signed_in.post(
        url("highlight_create", corpus, corpus["call1"].public_id),
        {"start_position": 0, "start_offset": 0, "end_position": 0, "end_offset": 999}, follow=True,
    )
    assert "past the end" in response.content.decode()
    with tenant_scope(corpus["org"]):
        assert not Highlight.objects.exists()


def test_edit_tags_and_delete_a_highlight(signed_in, corpus):
    with tenant_scope(corpus["org"]):
        tag = services.tag_create(name="Risk")
        highlight = services.highlight_create(interview=corpus["call1"], span=Span(0, 0, 0, 2))
    signed_in.post(url("highlight_edit", corpus, highlight.public_id), {"tags": [str(tag.public_id)], "note": "why"})
    with tenant_scope(corpus["org"]):
        highlight.refresh_from_db()
        assert highlight.note == "why" and list(highlight.tags.all()) == [tag]
    signed_in.post(url("highlight_edit", corpus, highlight.public_id), {"delete": "1"})
    with tenant_scope(corpus["org"]):
        assert not Highlight.objects.exists()


def test_tag_page_lists_evidence_with_links_to_the_spot(signed_in, corpus):
    with tenant_scope(corpus["org"]):
        tag = services.tag_create(name="Audit")
        highlight = services.highlight_create(interview=corpus["call1"], span=Span(2, 0, 2, 20), tags=[tag])
    page = signed_in.get(url("tag_detail", corpus, tag.public_id)).content.decode()
    assert "Because onboarding a" in page and "P-Dana" in page and "role: procurement" in page
    assert f"?h={highlight.public_id}#u-2" in page and "1 Mar 2026" in page


def test_tag_page_query_count_does_not_grow(signed_in, corpus, django_assert_max_num_queries):
    with tenant_scope(corpus["org"]):
        tag = services.tag_create(name="Many")
        for _ in range(30):
            services.highlight_create(interview=corpus["call1"], span=Span(0, 0, 0, 2), tags=[tag])
    with django_assert_max_num_queries(16):
        assert signed_in.get(url("tag_detail", corpus, tag.public_id)).status_code == 200


def test_delete_confirmation_shows_how_many_highlights(signed_in, corpus):
    with tenant_scope(corpus["org"]):
        tag = services.tag_create(name="Doomed")
        for _ in range(3):
            services.highlight_create(interview=corpus["call1"], span=Span(0, 0, 0, 2), tags=[tag])
    confirm = signed_in.get(url("tag_delete", corpus, tag.public_id)).content.decode()
    assert "3 highlights" in confirm
    signed_in.post(url("tag_delete", corpus, tag.public_id))
    with tenant_scope(corpus["org"]):
        assert not Tag.objects.exists() and Highlight.objects.count() == 3
    assert AuditEvent.objects.filter(action="tag_deleted").exists()


def test_merge_from_the_tag_page(signed_in, corpus):
    with tenant_scope(corpus["org"]):
        a = services.tag_create(name="A")
        b = services.tag_create(name="B")
        services.highlight_create(interview=corpus["call1"], span=Span(0, 0, 0, 2), tags=[a])
    response = signed_in.post(url("tag_merge", corpus, a.public_id), {"into": str(b.public_id)})
    assert response["Location"].endswith(f"/tags/{b.public_id}/")
    with tenant_scope(corpus["org"]):
        assert b.highlight_links.count() == 1


def test_codebook_create_and_duplicate_name(signed_in, corpus):
    assert signed_in.post(url("codebook", corpus), {"name": "Trust", "colour": "#10b981"}).status_code == 302
    again = signed_in.post(url("codebook", corpus), {"name": "trust", "colour": "#10b981"})
    assert again.status_code == 400 and "already exists" in again.content.decode()
    css = signed_in.get(url("tag_styles", corpus)).content.decode()
    assert "--tag:#10b981" in css


def test_search_page_results_and_empty_hint(signed_in, corpus):
    page = signed_in.get(url("evidence_search", corpus), {"q": "spreadsheet"}).content.decode()
    assert "<mark>spreadsheet</mark>" in page.lower() and "P-Ines" in page
    empty = signed_in.get(url("evidence_search", corpus), {"q": "spreadsheet", "attribute": "role=finance"}).content.decode()
    assert "Nothing matched" in empty and "without the attribute filter" in empty
    bad = signed_in.get(url("evidence_search", corpus), {"q": "x", "date_from": "2026-05-01", "date_to": "2026-01-01"})
    assert bad.status_code == 400


def test_patterns_page_and_csv_count_people(signed_in, corpus):
    with tenant_scope(corpus["org"]):
        pain = services.tag_create(name="=Pain")
        for _ in range(3):
            services.highlight_create(interview=corpus["call1"], span=Span(2, 0, 2, 7), tags=[pain])
    page = signed_in.get(url("patterns", corpus), {"attribute": "role"})
    assert page.status_code == 200 and "heat-10" in page.content.decode()
    csv_text = signed_in.get(url("patterns_matrix_csv", corpus), {"attribute": "role"}).content.decode()
    assert csv_text.splitlines() == ["tag,role=procurement", "'=Pain,1"]
    assert signed_in.get(url("patterns_matrix_csv", corpus), {"attribute": "nope"}).status_code == 400
    co = signed_in.get(url("patterns_cooccurrence_csv", corpus)).content.decode()
    assert co.splitlines()[0] == "tag,other tag,highlights,distinct participants"


def test_viewer_reads_evidence_but_cannot_highlight(client, corpus, member_factory):
    viewer = member_factory(corpus["org"], "viewer")
    client.force_login(viewer.user)
    assert client.get(url("evidence_search", corpus), {"q": "vendors"}).status_code == 200
    page = client.get(url("interview_detail", corpus, corpus["call1"].public_id)).content.decode()
    assert "data-highlight-popover" not in page
    response = client.post(
        url("highlight_create", corpus, corpus["call1"].public_id),
        {"start_position": 0, "start_offset": 0, "end_position": 0, "end_offset": 3},
    )
    assert response.status_code == 403


def test_transcript_page_escapes_what_was_typed_and_titles_marks_with_tags(signed_in, corpus, org_a):
    from .evidence_fixtures import make_interview
    from .factories import ParticipantFactory

    with tenant_scope(org_a):
        eve = ParticipantFactory(organization=org_a, pseudonym="<b>P-Eve</b>")
    hostile = make_interview(org_a, [("Eve", 'We said "x < y" & left.'), ("Sam", "Ok.")], title="Hostile",
                             participant=eve)
    with tenant_scope(org_a):
        pain, gain = services.tag_create(name="<i>Pain</i>"), services.tag_create(name="Gain")
        first = services.highlight_create(interview=hostile, span=Span(0, 0, 0, 7), tags=[pain])
        services.highlight_create(interview=hostile, span=Span(0, 3, 0, 11), tags=[gain])
    page = signed_in.get(url("interview_detail", corpus, hostile.public_id)).content.decode()
    assert "<b>P-Eve</b>" not in page and "<i>Pain</i>" not in page and "x < y" not in page
    assert '<span class="speaker">&lt;b&gt;P-Eve&lt;/b&gt;</span>' in page
    # "We " under the first highlight only, "said" under both (titled with both tags), then ' "x' under the second.
    assert f'data-highlight="{first.public_id}" title="&lt;i&gt;Pain&lt;/i&gt;">We </mark>' in page
    assert 'title="&lt;i&gt;Pain&lt;/i&gt; · Gain">said</mark>' in page
    assert 'title="Gain"> &quot;x </mark>&lt; y&quot; &amp; left.</p>' in page
    assert 'id="u-0" data-utterance data-position="0">' in page and '<a class="timestamp" href="#u-1">#2</a>' in page
