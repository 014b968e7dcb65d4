import pytest
from django.core.exceptions import ValidationError

from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.models import AuditEvent
from interviews import selectors, services
from interviews.models import HighlightTag, Tag
from interviews.services import Span


def test_hierarchy_of_any_depth_and_no_cycles(corpus):
    with tenant_scope(corpus["org"]):
        root = services.tag_create(name="Onboarding")
        child = services.tag_create(name="Paperwork", parent=root)
        grandchild = services.tag_create(name="Certificates", parent=child)
        assert [(t.name, t.depth) for t in selectors.tag_tree()] == [("Onboarding", 0), ("Paperwork", 1), ("Certificates", 2)]
        with pytest.raises(ValidationError, match="under itself"):
            services.tag_update(tag=root, parent=grandchild)
        services.tag_update(tag=grandchild, parent=None, name="Certs", colour="#112233")
        grandchild.refresh_from_db()
        assert (grandchild.parent, grandchild.name, grandchild.colour) == (None, "Certs", "#112233")


def test_names_are_unique_case_insensitively_and_colours_checked(corpus):
    with tenant_scope(corpus["org"]):
        services.tag_create(name="Trust")
        with pytest.raises(ValidationError, match="already exists"):
            services.tag_create(name="trust")
        with pytest.raises(ValidationError, match="#rrggbb"):
            services.tag_create(name="Red", colour="red")


def test_merge_moves_every_highlight_and_is_audited(corpus, alice):
    with tenant_scope(corpus["org"]):
        cost = services.tag_create(name="Cost")
        price = services.tag_create(name="Price")
        sub = services.tag_create(name="Discounts", parent=price)
        both = services.highlight_create(interview=corpus["call1"], span=Span(0, 0, 0, 2), tags=[cost, price])
        only_price = [services.highlight_create(interview=corpus["call2"], span=Span(0, 0, 0, 3), tags=[price])]
        services.tag_merge(source=price, target=cost, by=alice.user)
        assert not Tag.objects.filter(name="Price").exists()
        assert set(HighlightTag.objects.filter(tag=cost).values_list("highlight_id", flat=True)) == {both.pk, only_price[0].pk}
        assert HighlightTag.objects.filter(highlight=both).count() == 1
        sub.refresh_from_db()
        assert sub.parent == cost
    event = AuditEvent.objects.get(action="tag_merged")
    assert event.details == {"from": "Price", "into": "Cost", "highlights_moved": 1}


def test_merging_into_a_descendant_keeps_the_branch(corpus):
    with tenant_scope(corpus["org"]):
        parent = services.tag_create(name="Parent")
        child = services.tag_create(name="Child", parent=parent)
        services.tag_merge(source=parent, target=child)
        child.refresh_from_db()
        assert child.parent is None


def test_delete_keeps_highlights_and_lifts_sub_tags(corpus):
    with tenant_scope(corpus["org"]):
        top = services.tag_create(name="Top")
        doomed = services.tag_create(name="Doomed", parent=top)
        below = services.tag_create(name="Below", parent=doomed)
        highlight = services.highlight_create(interview=corpus["call1"], span=Span(0, 0, 0, 2), tags=[doomed])
        assert services.tag_delete(tag=doomed) == 1
        highlight.refresh_from_db()
        below.refresh_from_db()
        assert below.parent == top and highlight.tags.count() == 0


def test_counts_per_tag_count_highlights_and_distinct_voices(corpus):
    with tenant_scope(corpus["org"]):
        pain = services.tag_create(name="Pain")
        for _ in range(3):  # three quotes from Dana are one voice
            services.highlight_create(interview=corpus["call1"], span=Span(2, 0, 2, 7), tags=[pain])
        services.highlight_create(interview=corpus["call2"], span=Span(2, 0, 2, 10), tags=[pain])
        tag = next(t for t in selectors.tag_tree() if t.name == "Pain")
        assert (tag.highlight_count, tag.voice_count) == (4, 2)


def test_tag_by_segment_matrix_and_cooccurrence_count_people(corpus):
    with tenant_scope(corpus["org"]):
        pain = services.tag_create(name="Pain")
        speed = services.tag_create(name="Speed")
        for _ in range(2):
            services.highlight_create(interview=corpus["call1"], span=Span(2, 0, 2, 7), tags=[pain, speed])
        services.highlight_create(interview=corpus["call2"], span=Span(2, 0, 2, 10), tags=[pain])
        values, rows = selectors.tag_segment_matrix(attribute="role")
        assert values == ["legal", "procurement"]
        assert {tag.name: counts for tag, counts in rows} == {
            "Pain": {"procurement": 1, "legal": 1},
            "Speed": {"procurement": 1},
        }
        pairs = selectors.tag_cooccurrence()
        assert [(a.name, b.name, highlights, voices) for a, b, highlights, voices in pairs] == [("Pain", "Speed", 2, 1)]


def test_tag_highlight_list_runs_constant_queries(corpus, django_assert_num_queries):
    with tenant_scope(corpus["org"]):
        pain = services.tag_create(name="Pain")
        other = services.tag_create(name="Other")

        def count_queries(n):
            for _ in range(n):
                services.highlight_create(interview=corpus["call1"], span=Span(0, 0, 0, 2), tags=[pain, other])
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as ctx:
                for highlight in selectors.tag_highlights(tag=pain):
                    (highlight.interview.title, highlight.interview.study, highlight.participant,
                     [t.name for t in highlight.tags.all()])
            return len(ctx)

        assert count_queries(2) == count_queries(20)
