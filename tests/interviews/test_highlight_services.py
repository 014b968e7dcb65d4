import pytest
from django.core.exceptions import ValidationError
from django.db.models.deletion import RestrictedError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from empathy_site.tenancy.context import tenant_scope
from interviews import services
from interviews.models import Highlight, HighlightTag, Utterance
from interviews.services import Span


def test_quote_is_the_exact_span_within_one_utterance(corpus):
    with tenant_scope(corpus["org"]):
        highlight = services.highlight_create(interview=corpus["call1"], span=Span(0, 3, 0, 24))
    assert highlight.quote == "compare three vendors"
    assert highlight.participant_id == corpus["dana"].pk


def test_a_span_across_utterances_joins_their_text(corpus):
    with tenant_scope(corpus["org"]):
        highlight = services.highlight_create(interview=corpus["call1"], span=Span(0, 25, 2, 7))
    assert highlight.quote == "before we sign anything.\nWhy three vendors?\nBecause"
    assert (highlight.start_utterance.position, highlight.end_utterance.position) == (0, 2)


@pytest.mark.parametrize(
    "span,fragment",
    [
        (Span(0, 5, 0, 5), "end after it starts"),
        (Span(1, 0, 0, 3), "end after it starts"),
        (Span(0, 0, 0, 500), "past the end"),
        (Span(0, 0, 9, 1), "does not have"),
        (Span(0, 60, 1, 2), "past the end"),
    ],
)
def test_spans_outside_the_transcript_are_refused(corpus, span, fragment):
    with tenant_scope(corpus["org"]), pytest.raises(ValidationError, match=fragment):
        services.highlight_create(interview=corpus["call1"], span=span)


def test_editing_the_span_rebuilds_the_quote_and_speaker(corpus):
    with tenant_scope(corpus["org"]):
        highlight = services.highlight_create(interview=corpus["call1"], span=Span(0, 3, 0, 10), note="first")
        services.highlight_update(highlight=highlight, span=Span(1, 0, 1, 9))
        highlight.refresh_from_db()
        assert highlight.quote == "Why three"
        assert highlight.participant is None  # Sam is a team member
        assert highlight.note == "first"


def test_tags_are_added_and_removed(corpus):
    with tenant_scope(corpus["org"]):
        pain = services.tag_create(name="Pain")
        trust = services.tag_create(name="Trust")
        highlight = services.highlight_create(interview=corpus["call1"], span=Span(2, 0, 2, 7), tags=[pain])
        services.highlight_set_tags(highlight=highlight, tags=[trust])
        assert list(highlight.tags.values_list("name", flat=True)) == ["Trust"]
        services.highlight_add_tag(highlight=highlight, tag=pain)
        services.highlight_remove_tag(highlight=highlight, tag=trust)
        assert list(highlight.tags.values_list("name", flat=True)) == ["Pain"]


def test_a_tag_of_another_org_cannot_be_attached(corpus, org_b):
    with tenant_scope(org_b):
        foreign = services.tag_create(name="Foreign")
    with tenant_scope(corpus["org"]), pytest.raises(ValidationError):
        services.highlight_create(interview=corpus["call1"], span=Span(0, 0, 0, 2), tags=[foreign])


def test_mapping_a_speaker_later_updates_the_highlights_voice(corpus):
    from interviews.models import SpeakerMapping

    with tenant_scope(corpus["org"]):
        highlight = services.highlight_create(interview=corpus["call1"], span=Span(0, 0, 0, 2))
        dana = SpeakerMapping.objects.get(interview=corpus["call1"], label="Dana")
        services.speaker_map(speaker=dana, participant=corpus["ines"])
        highlight.refresh_from_db()
        assert highlight.participant == corpus["ines"]


def test_bulk_create_is_all_or_nothing(corpus):
    good = {"interview": corpus["call1"], "span": Span(0, 0, 0, 2)}
    bad = {"interview": corpus["call1"], "span": Span(0, 0, 0, 900)}
    with tenant_scope(corpus["org"]):
        with pytest.raises(ValidationError, match="items\\[1\\]"):
            services.highlight_bulk_create(items=[good, bad, good])
        assert Highlight.objects.count() == 0
        assert len(services.highlight_bulk_create(items=[good, good])) == 2


def test_bulk_create_across_interviews_keeps_the_items_order_and_names_the_bad_item_by_its_batch_index(corpus):
    one = {"interview": corpus["call1"], "span": Span(0, 0, 0, 2)}
    two = {"interview": corpus["call2"], "span": Span(0, 0, 0, 2)}
    bad_two = {"interview": corpus["call2"], "span": Span(0, 0, 0, 900)}
    with tenant_scope(corpus["org"]):
        with pytest.raises(ValidationError) as refused:
            services.highlight_bulk_create(items=[one, two, one, bad_two])
        assert list(refused.value.message_dict) == ["items[3]"]
        assert Highlight.objects.count() == 0
        made = services.highlight_bulk_create(items=[one, two, one, two])
    assert [h.interview_id for h in made] == [corpus[k].pk for k in ("call1", "call2", "call1", "call2")]
    assert len({h.pk for h in made}) == 4


def test_bulk_create_costs_statements_per_interview_not_per_highlight(corpus):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def items(count):
        return [{"interview": corpus["call1" if i % 2 else "call2"], "span": Span(0, 0, 0, 2)} for i in range(count)]

    with tenant_scope(corpus["org"]):
        with CaptureQueriesContext(connection) as two:
            services.highlight_bulk_create(items=items(2))
        with CaptureQueriesContext(connection) as forty:
            services.highlight_bulk_create(items=items(40))
    assert len(forty.captured_queries) == len(two.captured_queries)


def test_bulk_create_refuses_more_than_the_limit(corpus):
    item = {"interview": corpus["call1"], "span": Span(0, 0, 0, 2)}
    with tenant_scope(corpus["org"]), pytest.raises(ValidationError, match="At most 500"):
        services.highlight_bulk_create(items=[item] * 501)


def test_utterances_under_a_highlight_cannot_be_deleted_alone_and_reprocess_refuses(corpus):
    with tenant_scope(corpus["org"]):
        services.highlight_create(interview=corpus["call1"], span=Span(0, 0, 0, 2))
        with pytest.raises(RestrictedError):
            Utterance.objects.filter(interview=corpus["call1"]).delete()
        with pytest.raises(ValidationError, match="highlight"):
            services.interview_reprocess(interview=corpus["call1"])


def test_deleting_the_interview_deletes_its_highlights(corpus):
    with tenant_scope(corpus["org"]):
        services.highlight_create(interview=corpus["call1"], span=Span(0, 0, 0, 2))
        services.interview_delete(interview=corpus["call1"])
        assert not Highlight.objects.exists() and not HighlightTag.objects.exists()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_quote_always_matches_the_offsets(corpus, data):
    """Whatever valid span is chosen, and however it is edited, quote == text between the offsets."""
    with tenant_scope(corpus["org"]):
        texts = list(Utterance.objects.filter(interview=corpus["call1"]).order_by("position").values_list("text", flat=True))

        def draw_span():
            start_pos = data.draw(st.integers(0, len(texts) - 1))
            end_pos = data.draw(st.integers(start_pos, len(texts) - 1))
            start_off = data.draw(st.integers(0, len(texts[start_pos]) - 1))
            low = start_off + 1 if end_pos == start_pos else 0
            end_off = data.draw(st.integers(low, len(texts[end_pos])))
            return Span(start_pos, start_off, end_pos, end_off)

        def expected(span):
            if span.start_position == span.end_position:
                return texts[span.start_position][span.start_offset : span.end_offset]
            middle = texts[span.start_position + 1 : span.end_position]
            return "\n".join([texts[span.start_position][span.start_offset :], *middle, texts[span.end_position][: span.end_offset]])

        span = draw_span()
        if not expected(span).strip():
            return
        highlight = services.highlight_create(interview=corpus["call1"], span=span)
        assert Highlight.objects.get(pk=highlight.pk).quote == expected(span)
        edited = draw_span()
        if expected(edited).strip():
            services.highlight_update(highlight=highlight, span=edited)
            assert Highlight.objects.get(pk=highlight.pk).quote == expected(edited)
        highlight.delete()


def test_many_highlights_at_once_match_one_by_one_and_are_recorded_as_created(corpus):
    from empathy_site.sync.models import ChangeEvent

    with tenant_scope(corpus["org"]):
        pain = services.tag_create(name="Pain")
        trust = services.tag_create(name="Trust")
        one = services.highlight_create(interview=corpus["call1"], span=Span(0, 25, 2, 7), tags=[pain, trust], note="n")
        before = ChangeEvent.objects.count()
        made = services.highlight_create_many(interview=corpus["call1"], items=[
            services.HighlightItem(span=Span(0, 25, 2, 7), tags=(pain, trust, pain), note="n"),
            services.HighlightItem(span=Span(0, 5, 0, 5)),  # ends where it starts
            services.HighlightItem(span=Span(0, 3, 0, 24), tags=(trust,)),
        ], skip_invalid=True)
        assert made[1] is None
        many = Highlight.objects.get(pk=made[0].pk)
        assert (many.quote, many.note, many.participant_id, many.start_utterance_id, many.end_utterance_id) == (
            one.quote, one.note, one.participant_id, one.start_utterance_id, one.end_utterance_id)
        assert sorted(many.tags.values_list("name", flat=True)) == ["Pain", "Trust"]
        assert Highlight.objects.get(pk=made[2].pk).quote == "compare three vendors"
        events = list(ChangeEvent.objects.order_by("pk").values_list("object_type", "object_id", "action")[before:])
        assert sorted(e for e in events if e[0] == "highlight") == sorted(
            ("highlight", h.public_id, "created") for h in (made[0], made[2]))
        assert sorted(e for e in events if e[0] == "tag") == sorted(
            ("tag", t.public_id, "updated") for t in (pain, trust))


def test_many_highlights_refuse_all_when_one_is_invalid(corpus):
    with tenant_scope(corpus["org"]):
        with pytest.raises(ValidationError, match="items\\[1\\]"):
            services.highlight_create_many(interview=corpus["call1"], items=[
                services.HighlightItem(span=Span(0, 3, 0, 24)), services.HighlightItem(span=Span(0, 0, 9, 1))])
        with pytest.raises(ValidationError, match="whitespace"):
            services.highlight_create_many(interview=corpus["call1"], items=[services.HighlightItem(span=Span(0, 2, 0, 3))])
        assert not Highlight.objects.filter(interview=corpus["call1"]).exists()
