"""Evidence search over utterances and highlights of the active organisation.

Query syntax (what people type): words (all must match), "a phrase", and
prefix* terms. PostgreSQL ranks with ts_rank_cd over the generated tsvector
columns and marks matches with ts_headline; SQLite matches with LIKE and marks
in Python, so the same queries work in development.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import Count, Exists, FloatField, OuterRef, Q, TextField
from django.db.models.expressions import Expression, RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from empathy_site.json_keys import json_key_equals

from ..models import Highlight, HighlightTag, Interview, Participant, Tag, Utterance
from .coding import citable_highlights, visible_highlights
from .evidence import speaker_kind

MARK_START, MARK_END = "\x02", "\x03"
_TERM = re.compile(r'"([^"]*)"|(\S+)')
_WORD = re.compile(r"[\w']+")


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]
    prefix: bool = False

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1


def parse_query(query: str) -> list[Term]:
    terms = []
    for phrase, token in _TERM.findall(query or ""):
        if phrase:
            words = tuple(w.lower() for w in _WORD.findall(phrase))
            if words:
                terms.append(Term(words))
        else:
            prefix = token.endswith("*")
            for word in _WORD.findall(token):
                terms.append(Term((word.lower(),), prefix=prefix))
    return terms[:12]


def _tsquery(terms: list[Term]) -> str:
    """A to_tsquery string built from sanitised words only (no operators from the user)."""
    parts = []
    for term in terms:
        words = [w.replace("'", "") for w in term.words if w.replace("'", "")]
        if not words:
            continue
        if term.prefix:
            parts.append(f"{words[0]}:*")
        elif term.is_phrase:
            parts.append("(" + " <-> ".join(words) + ")")
        else:
            parts.append(words[0])
    return " & ".join(parts)


# The attribute filter people type, `key=value`: one equality, no operators. The key is taken literally
# (spaces, quotes, unicode, lookup-like words alike; see empathy_site.json_keys), the value compared as text.
ATTRIBUTE_FILTER_PATTERN = r"^[^=\x00-\x1f]{1,60}=[^\x00-\x1f]{0,200}$"


def split_attribute_filter(raw: str) -> tuple[str, str]:
    """`key=value` (validated by ATTRIBUTE_FILTER_PATTERN) as (key, value)."""
    key, _, value = raw.partition("=")
    return key.strip(), value.strip()


@dataclass
class SearchFilters:
    study: object | None = None
    tag: object | None = None
    attribute_key: str = ""
    attribute_value: str = ""
    speaker_kind: str = ""  # "participant" | "team" | ""
    date_from: date | None = None
    date_to: date | None = None

    def active(self) -> list[str]:
        names = []
        if self.study is not None:
            names.append("study")
        if self.tag is not None:
            names.append("tag")
        if self.attribute_key:
            names.append("attribute")
        if self.speaker_kind:
            names.append("speaker")
        if self.date_from or self.date_to:
            names.append("date")
        return names


def _filter_utterances(queryset, filters: SearchFilters):
    if filters.study is not None:
        queryset = queryset.filter(interview__study=filters.study)
    if filters.tag is not None:
        covering = Highlight.objects.filter(
            interview_id=OuterRef("interview_id"),
            start_position__lte=OuterRef("position"),
            end_position__gte=OuterRef("position"),
            tag_links__tag=filters.tag,
        )
        queryset = queryset.filter(Exists(covering))
    if filters.attribute_key:
        queryset = queryset.filter(
            json_key_equals("speaker__participant__attributes", filters.attribute_key, filters.attribute_value)
        )
    if filters.speaker_kind == "participant":
        queryset = queryset.filter(speaker__participant__isnull=False)
    elif filters.speaker_kind == "team":
        queryset = queryset.filter(speaker__team_member__isnull=False)
    return _filter_dates(queryset, filters, "interview__")


def _filter_highlights(queryset, filters: SearchFilters):
    if filters.study is not None:
        queryset = queryset.filter(interview__study=filters.study)
    if filters.tag is not None:
        queryset = queryset.filter(Exists(HighlightTag.objects.filter(highlight=OuterRef("pk"), tag=filters.tag)))
    if filters.attribute_key:
        queryset = queryset.filter(json_key_equals("participant__attributes", filters.attribute_key, filters.attribute_value))
    if filters.speaker_kind == "participant":
        queryset = queryset.filter(participant__isnull=False)
    elif filters.speaker_kind == "team":
        queryset = queryset.filter(participant__isnull=True)
    return _filter_dates(queryset, filters, "interview__")


def _filter_dates(queryset, filters: SearchFilters, prefix: str):
    if filters.date_from:
        queryset = queryset.filter(
            Q(**{f"{prefix}conducted_at__date__gte": filters.date_from})
            | Q(**{f"{prefix}conducted_at__isnull": True, f"{prefix}created_at__date__gte": filters.date_from})
        )
    if filters.date_to:
        queryset = queryset.filter(
            Q(**{f"{prefix}conducted_at__date__lte": filters.date_to})
            | Q(**{f"{prefix}conducted_at__isnull": True, f"{prefix}created_at__date__lte": filters.date_to})
        )
    return queryset


def _marked(text: str) -> SafeString:
    """Escape everything, then turn the private markers into <mark>."""
    return mark_safe(escape(text).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))


def _python_marks(text: str, terms: list[Term], limit: int = 240) -> SafeString:
    spans = []
    lower = text.lower()
    for term in terms:
        needle = " ".join(term.words)
        for match in re.finditer(re.escape(needle) + (r"\w*" if term.prefix else r"\b"), lower):
            spans.append((match.start(), match.end()))
    spans.sort()
    start = max(0, spans[0][0] - 80) if spans else 0
    window_end = start + limit
    pieces, cursor = [], start
    for begin, end in spans:
        if begin < cursor or begin >= window_end:
            continue
        pieces.append(text[cursor:begin] + MARK_START + text[begin:end] + MARK_END)
        cursor = end
    pieces.append(text[cursor:window_end])
    snippet = ("…" if start else "") + "".join(pieces) + ("…" if len(text) > window_end else "")
    return _marked(snippet)


HEADLINE_OPTIONS = (
    f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=45, MinWords=15, MaxFragments=2, FragmentDelimiter=\" … \""
)


class _OnOwnTable(Expression):
    """SQL over the columns of the query's own table, named by the alias Django gives it there: the table's name in
    a plain query, U0 inside a subquery (RawSQL naming the table would reach the outer query's row instead)."""

    def __init__(self, sql: str, params: list, output_field):
        super().__init__(output_field=output_field)
        self.sql, self.params = sql, params

    def as_sql(self, compiler, connection):
        return self.sql.format(table=compiler.quote_name_unless_alias(compiler.query.base_table)), list(self.params)


def _pg_search(queryset, tsquery: str, limit: int, offset: int, text_columns: tuple[str, ...], match_function: str,
               ranked_function: str | None = None):
    """One statement: the ranked page of ids as a subquery, then those rows with their joins and headlines.

    Matching goes through SECURITY DEFINER functions (migrations 0009 and 0018: active org only, ids only) so the
    GIN index serves it under row-level security. `ranked_function`, for a queryset with no filter beyond the
    organisation, returns the page itself, ranked as the index scan reads each match; otherwise `match_function`
    returns every match and the page is ranked here, after the filters (reading each match's row again).
    Ranking is length-normalised (flag 1) so a concise quote beats a long monologue that merely repeats a word.
    The outer query ranks the page's rows again for their order and makes headlines for them only
    (search_headline parses only the matched part of a long text).
    """

    def rank():
        return _OnOwnTable("ts_rank_cd({table}.search_vector, to_tsquery('english', %s), 1)", [tsquery], FloatField())

    if ranked_function:
        page = RawSQL(f"SELECT {ranked_function}(to_tsquery('english', %s), %s, %s)", [tsquery, limit, offset])
    else:
        matches = RawSQL(f"SELECT {match_function}(to_tsquery('english', %s))", [tsquery])
        ranked = queryset.filter(pk__in=matches).annotate(rank=rank()).order_by("-rank", "-pk").values("pk")
        page = ranked[offset : offset + limit]
    text = " || ' ' || ".join(f"{{table}}.{column}" for column in text_columns)
    headline = _OnOwnTable(f"search_headline({text}, to_tsquery('english', %s), %s)", [tsquery, HEADLINE_OPTIONS],
                           TextField())
    # A page is at most a few dozen rows: ordered here, which spares Django matching the ORDER BY against every
    # selected column of the joins (most of compiling this statement).
    rows = list(queryset.filter(pk__in=page).annotate(rank=rank(), headline=headline).order_by())
    rows.sort(key=lambda row: (row.rank, row.pk), reverse=True)
    for row in rows:
        row.snippet = _marked(row.headline)
    return rows


def _sqlite_search(queryset, terms: list[Term], field_names: list[str], limit: int, offset: int):
    for term in terms:
        needle = " ".join(term.words)
        condition = Q()
        for field_name in field_names:
            condition |= Q(**{f"{field_name}__icontains": needle})
        queryset = queryset.filter(condition)
    # Development only (small data): every match is ranked here, then paged, so pages follow the ranking.
    rows = list(queryset.order_by("-pk"))
    for row in rows:
        row.rank = sum(_text(row, field_names).lower().count(" ".join(t.words)) for t in terms)
    rows.sort(key=lambda r: -r.rank)  # stable: the newest first within a rank, as on PostgreSQL
    page = rows[offset : offset + limit]
    for row in page:
        row.snippet = _python_marks(_text(row, field_names), terms)
    return page


def _text(row, field_names: list[str]) -> str:
    return " ".join(getattr(row, f) or "" for f in field_names)


# What a hit shows (the API's payload, the search page's card, label_speakers): without this the joins carry every
# column of five tables (a participant's notes, a person's password hash) to the web process and back into models.
_UTTERANCE_HIT_FIELDS = (
    "organization", "public_id", "interview", "position", "speaker", "start_ms", "end_ms", "text",
    "interview__public_id", "interview__title", "interview__conducted_at", "interview__created_at",
    "speaker__label", "speaker__number", "speaker__participant", "speaker__team_member",
    "speaker__participant__public_id", "speaker__participant__pseudonym", "speaker__participant__attributes",
    "speaker__participant__consent_given_at", "speaker__participant__consent_expires_at",
    "speaker__participant__consent_withdrawn_at", "speaker__participant__consent_scope",
    "speaker__team_member__full_name", "speaker__team_member__email",
)


def search_utterances(*, query: str, filters: SearchFilters | None = None, limit: int = 20, offset: int = 0,
                      viewer=None):
    """Utterances matching ``query``; ``viewer`` is accepted for symmetry with search_highlights (what was said is
    not hidden by blind mode, only who highlighted what)."""
    terms = parse_query(query)
    if not terms:
        return []
    everything = Utterance.objects.select_related(
        "interview", "speaker__participant", "speaker__team_member"
    ).only(*_UTTERANCE_HIT_FIELDS)
    queryset = _filter_utterances(everything, filters or SearchFilters())
    if connection.vendor == "postgresql":
        # With no filter (the queryset as it came) the ranked page comes straight from the index scan.
        ranked = "utterance_ranked_ids" if queryset is everything else None
        return _pg_search(queryset, _tsquery(terms), limit, offset, ("text",), "utterance_match_ids", ranked)
    return _sqlite_search(queryset, terms, ["text"], limit, offset)


def search_highlights(*, query: str, filters: SearchFilters | None = None, limit: int = 20, offset: int = 0,
                      viewer=None, citable: bool = False):
    """Highlights matching ``query`` that ``viewer`` may see under blind mode (None: an API key, sees all).

    ``citable``: for the pickers that cite evidence, only highlights that may be cited anew (a coder's highlight
    superseded by the team's reconciliation is left out; the reconciled one is offered instead)."""
    terms = parse_query(query)
    if not terms:
        return []
    filters = filters or SearchFilters()
    highlights = visible_highlights(
        Highlight.objects.select_related("interview", "participant").prefetch_related("tags"), viewer
    )
    if citable:
        highlights = citable_highlights(highlights)
    queryset = _filter_highlights(highlights.annotate(speaker_kind=speaker_kind()), filters)
    if connection.vendor == "postgresql":
        return _pg_search(queryset, _tsquery(terms), limit, offset, ("quote", "note"), "highlight_match_ids")
    return _sqlite_search(queryset, terms, ["quote", "note"], limit, offset)


# Names that match, beside what was said: the tag, interview or participant a person may be looking for.
# Every typed term must appear in the name (a prefix* term as its stem); filters that concern what was
# said (tag, speaker, attribute) do not apply to names.


def _name_matches(terms: list[Term], field_names: list[str]) -> Q:
    condition = Q()
    for term in terms:
        needle = " ".join(term.words)
        either = Q()
        for field_name in field_names:
            either |= Q(**{f"{field_name}__icontains": needle})
        condition &= either
    return condition


def search_tags(*, query: str, limit: int = 8):
    terms = parse_query(query)
    if not terms:
        return []
    return list(
        Tag.objects.filter(_name_matches(terms, ["name"]))
        .annotate(highlight_count=Count("highlight_links", distinct=True))
        .order_by("name")[:limit]
    )


def search_interviews(*, query: str, filters: SearchFilters | None = None, limit: int = 8):
    terms = parse_query(query)
    if not terms:
        return []
    filters = filters or SearchFilters()
    queryset = Interview.objects.filter(_name_matches(terms, ["title"])).select_related("study")
    if filters.study is not None:
        queryset = queryset.filter(study=filters.study)
    return list(_filter_dates(queryset, filters, "").order_by("-created_at", "-id")[:limit])


def search_participants(*, query: str, personal_data: bool, limit: int = 8):
    """By pseudonym for everybody; by name and email only for readers who may see them, so nobody can
    probe for a name they are not shown (as participant_search)."""
    terms = parse_query(query)
    if not terms:
        return []
    fields = ["pseudonym", "name", "email"] if personal_data else ["pseudonym"]
    return list(
        Participant.objects.filter(_name_matches(terms, fields))
        .annotate(interview_count=Count("attendances", distinct=True))
        .order_by("pseudonym", "id")[:limit]
    )
