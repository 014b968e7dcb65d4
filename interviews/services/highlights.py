"""Highlights: spans of a transcript, their quotes and tags."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from empathy_site.sync.capture import one_change, record_changes, record_created
from empathy_site.tenancy.context import require_org_id, tenant_atomic
from empathy_site.tenancy.models import User

from ..events import evidence_change
from ..models import Highlight, HighlightTag, Interview, Tag, Utterance

MAX_BULK_HIGHLIGHTS = 500


@dataclass(frozen=True)
class Span:
    """Where a highlight starts and ends: utterance positions and character offsets (end exclusive)."""

    start_position: int
    start_offset: int
    end_position: int
    end_offset: int


def _check_span_order(span: Span) -> None:
    if min(span.start_position, span.start_offset, span.end_position, span.end_offset) < 0:
        raise ValidationError({"span": "Positions and offsets cannot be negative."})
    if (span.end_position, span.end_offset) <= (span.start_position, span.start_offset):
        raise ValidationError({"span": "The highlight must end after it starts."})


def _span_utterances(interview: Interview, span: Span) -> list[Utterance]:
    """The utterances a span covers, checked against the transcript."""
    _check_span_order(span)
    utterances = list(
        Utterance.objects.filter(interview=interview, position__gte=span.start_position, position__lte=span.end_position)
        .select_related("speaker")
        .order_by("position")
    )
    return _check_span_utterances(utterances, span)


def _check_span_utterances(utterances: list[Utterance], span: Span) -> list[Utterance]:
    """`utterances`: those at the span's positions that exist, in order; checked to be all of them."""
    positions = [u.position for u in utterances]
    if not utterances or positions[0] != span.start_position or positions[-1] != span.end_position:
        raise ValidationError({"span": "The span starts or ends at an utterance this transcript does not have."})
    if span.start_offset > len(utterances[0].text):
        raise ValidationError(
            {"span": f"Start offset {span.start_offset} is past the end of utterance {span.start_position} "
                     f"({len(utterances[0].text)} characters)."}
        )
    if span.end_offset > len(utterances[-1].text):
        raise ValidationError(
            {"span": f"End offset {span.end_offset} is past the end of utterance {span.end_position} "
                     f"({len(utterances[-1].text)} characters)."}
        )
    return utterances


def span_quote(utterances: list[Utterance], span: Span) -> str:
    """The exact text a span covers; utterances are joined by a newline."""
    if len(utterances) == 1:
        return utterances[0].text[span.start_offset : span.end_offset]
    parts = [utterances[0].text[span.start_offset :]]
    parts += [u.text for u in utterances[1:-1]]
    parts.append(utterances[-1].text[: span.end_offset])
    return "\n".join(parts)


def _speaking_participant_id(utterances: list[Utterance]) -> int | None:
    for utterance in utterances:
        if utterance.speaker.participant_id:
            return utterance.speaker.participant_id
    return None


def _apply_span(highlight: Highlight, interview: Interview, span: Span, utterances: list[Utterance] | None = None) -> None:
    """`utterances`: the span's, already read and checked (highlight_create_many); read here otherwise."""
    utterances = _span_utterances(interview, span) if utterances is None else utterances
    quote = span_quote(utterances, span)
    if not quote.strip():
        raise ValidationError({"span": "The span covers only whitespace; select some words."})
    highlight.start_utterance, highlight.end_utterance = utterances[0], utterances[-1]
    highlight.start_position, highlight.end_position = span.start_position, span.end_position
    highlight.start_offset, highlight.end_offset = span.start_offset, span.end_offset
    highlight.quote = quote
    highlight.participant_id = _speaking_participant_id(utterances)


def _resolve_tags(tags) -> list[Tag]:
    """Tags as objects of the active org (ids from clients are resolved by the caller)."""
    org_id = require_org_id()
    resolved = list(tags or [])
    for tag in resolved:
        if tag.organization_id != org_id:
            raise ValidationError({"tags": "No such tag."})
    return resolved


@tenant_atomic()
def highlight_create(*, interview: Interview, span: Span, tags=(), note: str = "", by: User | None = None,
                     reconciled: bool = False) -> Highlight:
    if interview.status != Interview.Status.READY:
        raise ValidationError("Highlights can be made once the transcript is ready.")
    highlight = Highlight(organization_id=require_org_id(), interview=interview, note=note or "", created_by=by,
                          reconciled=reconciled)
    _apply_span(highlight, interview, span)
    # One change with its tags: highlight.created carries them.
    with one_change(highlight, embedded=("tags",)):
        highlight.save()
        HighlightTag.objects.bulk_create(
            [HighlightTag(organization_id=highlight.organization_id, highlight=highlight, tag=tag) for tag in _resolve_tags(tags)]
        )
    return highlight


@dataclass(frozen=True)
class HighlightItem:
    span: Span
    tags: tuple = ()
    note: str = ""
    by: User | None = None


@tenant_atomic()
def highlight_create_many(*, interview: Interview, items: list[HighlightItem], skip_invalid: bool = False) -> list[Highlight | None]:
    """Many highlights of one interview in a few statements (an import's thousands): checked exactly as
    highlight_create checks one, against the transcript read once; inserted with bulk_create, their tag links
    too, and recorded as highlight_create records them (created, and their tags updated; the search vector is
    a generated column). An invalid item raises ValidationError naming its index and nothing is written, or,
    with `skip_invalid`, is left out: None in its place in the list returned.
    """
    if interview.status != Interview.Status.READY:
        raise ValidationError("Highlights can be made once the transcript is ready.")
    org_id = require_org_id()
    # Only the utterances some span covers, in one query (a transcript's few hundred, not its thousands).
    wanted = set()
    for item in items:
        if 0 <= item.span.start_position <= item.span.end_position:
            wanted.update(range(item.span.start_position, item.span.end_position + 1))
    transcript = list(Utterance.objects.filter(interview=interview, position__in=sorted(wanted))
                      .select_related("speaker").order_by("position"))
    by_position = {u.position: index for index, u in enumerate(transcript)}
    made: list[Highlight | None] = []
    links: list[tuple[Highlight, list[Tag]]] = []
    for index, item in enumerate(items):
        highlight = Highlight(organization_id=org_id, interview=interview, note=item.note or "", created_by=item.by)
        try:
            _check_span_order(item.span)
            first, last = by_position.get(item.span.start_position), by_position.get(item.span.end_position)
            covered = transcript[first : last + 1] if first is not None and last is not None else []
            _apply_span(highlight, interview, item.span, _check_span_utterances(covered, item.span))
            tags = _resolve_tags(dict.fromkeys(item.tags))
        except ValidationError as error:
            if skip_invalid:
                made.append(None)
                continue
            raise ValidationError({f"items[{index}]": error.messages}) from error
        made.append(highlight)
        links.append((highlight, tags))
    Highlight.objects.bulk_create([h for h, _tags in links], batch_size=1000)
    HighlightTag.objects.bulk_create(
        [HighlightTag(organization_id=org_id, highlight=h, tag=tag) for h, tags in links for tag in tags], batch_size=2000
    )
    record_created(Highlight, [h.public_id for h, _tags in links], organization_id=org_id,
                   parents=[tag for _h, tags in links for tag in tags])
    return made


@tenant_atomic()
def highlight_bulk_create(*, items: list[dict], by: User | None = None) -> list[Highlight]:
    """All or nothing: one bad item refuses the whole batch, naming its index. The highlights come back in the
    order of `items`; each interview's are checked and written together (highlight_create_many), so a batch
    costs a few statements per interview rather than several per highlight."""
    if len(items) > MAX_BULK_HIGHLIGHTS:
        raise ValidationError(f"At most {MAX_BULK_HIGHLIGHTS} highlights per call; split the batch.")
    by_interview: dict[int, list[int]] = {}
    for index, item in enumerate(items):
        by_interview.setdefault(item["interview"].pk, []).append(index)
    created: list[Highlight | None] = [None] * len(items)
    for indexes in by_interview.values():
        group = [HighlightItem(span=items[i]["span"], tags=tuple(items[i].get("tags") or ()),
                               note=items[i].get("note") or "", by=by) for i in indexes]
        try:
            made = highlight_create_many(interview=items[indexes[0]]["interview"], items=group)
        except ValidationError as error:
            raise _renumbered(error, indexes) from error
        for index, highlight in zip(indexes, made, strict=True):
            created[index] = highlight
    return created


def _renumbered(error: ValidationError, indexes: list[int]) -> ValidationError:
    """highlight_create_many's error, its "items[k]" (k in one interview's items) named by the index in the batch."""
    if not hasattr(error, "error_dict"):  # about the interview as a whole: named at its first item
        return ValidationError({f"items[{indexes[0]}]": error.messages})
    renamed = {}
    for key, errors in error.error_dict.items():
        local = key.removeprefix("items[").removesuffix("]")
        name = f"items[{indexes[int(local)]}]" if local.isdigit() else key
        renamed[name] = [message for e in errors for message in e.messages]
    return ValidationError(renamed)


@tenant_atomic()
def highlight_update(*, highlight: Highlight, span: Span | None = None, note: str | None = None,
                     tags=None, by: User | None = None) -> Highlight:
    if span is not None:
        with evidence_change(highlights=[highlight.pk], reason="A cited highlight was edited"):
            _apply_span(highlight, highlight.interview, span)
            highlight.save()
    if note is not None:
        highlight.note = note
    highlight.save()
    if tags is not None:
        highlight_set_tags(highlight=highlight, tags=tags)
    return highlight


@tenant_atomic()
def highlight_set_tags(*, highlight: Highlight, tags) -> Highlight:
    wanted = {tag.pk: tag for tag in _resolve_tags(tags)}
    # Tags are part of the highlight as the API shows it: one change, compared with the highlight before.
    with one_change(highlight, embedded=("tags",)):
        HighlightTag.objects.filter(highlight=highlight).exclude(tag_id__in=wanted).delete()
        existing = set(HighlightTag.objects.filter(highlight=highlight).values_list("tag_id", flat=True))
        HighlightTag.objects.bulk_create(
            [HighlightTag(organization_id=highlight.organization_id, highlight=highlight, tag=tag)
             for pk, tag in wanted.items() if pk not in existing]
        )
        highlight.save(update_fields=["updated_at"])
    return highlight


@tenant_atomic()
def highlight_add_tag(*, highlight: Highlight, tag: Tag) -> None:
    _resolve_tags([tag])
    with one_change(highlight, embedded=("tags",)):
        HighlightTag.objects.get_or_create(organization_id=highlight.organization_id, highlight=highlight, tag=tag)
        highlight.save(update_fields=["updated_at"])


@tenant_atomic()
def highlight_remove_tag(*, highlight: Highlight, tag: Tag) -> None:
    with one_change(highlight, embedded=("tags",)):
        HighlightTag.objects.filter(highlight=highlight, tag=tag).delete()
        highlight.save(update_fields=["updated_at"])


@tenant_atomic()
def highlight_delete(*, highlight: Highlight, by: User | None = None) -> None:
    with evidence_change(highlights=[highlight.pk], reason="A cited highlight was deleted"):
        highlight.delete()


def highlights_refresh_participants(*, interview: Interview) -> None:
    """After a speaker is (re)mapped, recompute who speaks in each highlight of the interview."""
    highlights = list(Highlight.objects.filter(interview=interview))
    if not highlights:
        return
    utterances = {
        u.position: u
        for u in Utterance.objects.filter(interview=interview).select_related("speaker").only(
            "position", "speaker__participant_id"
        )
    }
    changed = []
    for highlight in highlights:
        covered = [utterances[p] for p in range(highlight.start_position, highlight.end_position + 1) if p in utterances]
        participant_id = _speaking_participant_id(covered)
        if participant_id != highlight.participant_id:
            highlight.participant_id = participant_id
            changed.append(highlight)
    with evidence_change(highlights=[h.pk for h in changed], reason="Who speaks in a cited highlight changed"):
        Highlight.objects.bulk_update(changed, ["participant"])
        record_changes(Highlight, [h.public_id for h in changed], organization_id=interview.organization_id,
                       changed_fields=["participant"])
