"""The search benchmark's data: utterances over many organisations, loaded fast, and the queries.

Loading is setup, not what is measured. Interviews and speaker rows go through
the ORM (a few thousand rows, valid by construction); the utterances go in with
COPY in batches (bench/copy_reference.py): straight into the table as the owner
when it may bypass row-level security, otherwise staged as the runtime role.
The generated tsvector column fills itself. VACUUM ANALYZE afterwards, as
autovacuum would after a million inserts: it also empties the GIN index's
pending list, which a steady-state database does not carry around.

Queries are two words a person would type, picked from the loaded text of the
organisation that is searched, in three tiers of how often they occur.
"""

from __future__ import annotations

import random
import re
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

from . import copy_reference
from .database import bypasses_rls
from .transcripts import SPEAKERS, turn_texts

PER_INTERVIEW = 400  # utterances, about one hour of interview
BATCH = 50_000  # utterances per COPY transaction
MS_PER_WORD = 400


@dataclass
class OrgData:
    org: object
    utterances: int
    texts: list[str] = field(default_factory=list)  # what went in, in order (for picking queries)


def org_sizes(total: int, orgs: int, big_share: float) -> list[int]:
    """The first organisation holds `big_share` of `total`; the rest share the remainder evenly."""
    big = round(total * big_share)
    base, extra = divmod(total - big, orgs - 1)
    return [big] + [base + (1 if i < extra else 0) for i in range(orgs - 1)]


def _interview_sizes(count: int) -> list[int]:
    interviews = max(1, round(count / PER_INTERVIEW))
    base, extra = divmod(count, interviews)
    return [base + (1 if i < extra else 0) for i in range(interviews)]


class _TextStream:
    """Every chitchat turn in order, wrapping round (1M utterances read the dataset about seven times)."""

    def __init__(self):
        self.texts = turn_texts()
        self.offset = 0

    def take(self, count: int) -> list[str]:
        n = len(self.texts)
        start = self.offset % n
        self.offset += count
        if start + count <= n:
            return list(self.texts[start : start + count])
        out = []
        while len(out) < count:
            piece = self.texts[start : start + count - len(out)]
            out.extend(piece)
            start = 0
        return out


def _make_interviews(org_id: int, sizes: list[int], stamp: str) -> list[tuple[int, dict[str, int]]]:
    """Ready interview rows and their two speakers, through the ORM as the runtime role."""
    from django.utils import timezone

    from empathy_site.tenancy.context import tenant_scope
    from interviews.models import Interview, SpeakerMapping

    now = timezone.now()
    with tenant_scope(org_id):
        interviews = Interview.objects.bulk_create(
            [
                Interview(
                    organization_id=org_id, title=f"Search bench interview {number}",
                    original_file=f"bench/search-{stamp}-{number:05d}.vtt",
                    original_filename=f"search-{number:05d}.vtt", file_size=0,
                    content_hash=f"{number:064x}", detected_format="vtt", status=Interview.Status.READY,
                    progress=100, utterance_count=size, duration_ms=60 * 60 * 1000, processed_at=now,
                )
                for number, size in enumerate(sizes)
            ],
            batch_size=1000,
        )
        speakers = SpeakerMapping.objects.bulk_create(
            [SpeakerMapping(organization_id=org_id, interview=i, label=label, number=n)
             for i in interviews for n, label in enumerate(SPEAKERS, start=1)],
            batch_size=2000,
        )
    by_interview: dict[int, dict[str, int]] = {}
    for speaker in speakers:
        by_interview.setdefault(speaker.interview_id, {})[speaker.label] = speaker.pk
    return [(i.pk, by_interview[i.pk]) for i in interviews]


def _rows(org_id: int, interview_id: int, speakers: dict[str, int], texts: list[str]):
    clock = 0
    for position, text in enumerate(texts):
        length = max(400, MS_PER_WORD * len(text.split()))
        yield (org_id, uuid.uuid4(), interview_id, position, speakers[SPEAKERS[position % 2]], clock, clock + length, text)
        clock += length + 250


@dataclass
class LoadResult:
    seconds_copy: float
    seconds_vacuum: float
    method: str


def load(ctx, orgs: list[OrgData]) -> LoadResult:
    """Interviews, speakers and utterances for every organisation, then VACUUM ANALYZE."""
    started = time.perf_counter()
    stream = _TextStream()
    owner = ctx.raw_connection(as_owner=True)
    app = None
    try:
        if bypasses_rls(owner):
            loader = copy_reference.PlainCopy(owner)
            method = "COPY as the owner"
            # Fewer, larger merges of the GIN pending list; more memory for them.
            owner.execute("SET work_mem = '256MB'")
            owner.execute("SET gin_pending_list_limit = '64MB'")
            owner.execute("SET synchronous_commit = off")
            if owner.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]:
                # The rows are built from interview and speaker rows just made in the same org, so the
                # (deferred) foreign-key triggers would only re-check what is true by construction.
                owner.execute("SET session_replication_role = replica")
                method += ", FK triggers off"
        else:
            app = ctx.raw_connection()
            loader = copy_reference.StagedCopy(app)
            method = "COPY→temp→INSERT as the runtime role"
        stamp = uuid.uuid4().hex[:8]
        for data in orgs:
            sizes = _interview_sizes(data.utterances)
            interviews = _make_interviews(data.org.pk, sizes, stamp)
            batch: list[tuple] = []
            for (interview_id, speakers), size in zip(interviews, sizes, strict=True):
                texts = stream.take(size)
                data.texts.extend(texts)
                batch.extend(_rows(data.org.pk, interview_id, speakers, texts))
                if len(batch) >= BATCH:
                    loader.load(data.org.pk, batch)
                    batch = []
            if batch:
                loader.load(data.org.pk, batch)
        copied = time.perf_counter()
        owner.execute("SET maintenance_work_mem = '512MB'")
        owner.execute("VACUUM (ANALYZE) interviews_utterance")
        owner.execute("ANALYZE interviews_interview")
        owner.execute("ANALYZE interviews_speakermapping")
        vacuumed = time.perf_counter()
    finally:
        owner.close()
        if app is not None:
            app.close()
    return LoadResult(copied - started, vacuumed - copied, method)


# --- queries -----------------------------------------------------------------------------------------

_WORD = re.compile(r"[a-z]{3,}")


@dataclass(frozen=True)
class Query:
    words: tuple[str, str]
    tier: str

    @property
    def text(self) -> str:
        return " ".join(self.words)

    @property
    def tsquery(self) -> str:
        return " & ".join(self.words)  # what interviews.selectors.search._tsquery makes of two plain words


# (name, band of the first word, band of the second, how many)
TIERS = (("common+common", "common", "common", 10), ("common+mid", "common", "mid", 10), ("mid+rare", "mid", "rare", 10))
# Bands by rank of a word's lexeme among the searched organisation's lexemes (by utterances containing it).
BANDS = (("common", 0, 40), ("mid", 40, 600), ("rare", 600, 6000))


def pick_queries(conn, texts: list[str], seed: int = 20240601) -> list[Query]:
    """Two-word queries whose words occur together in `texts`, common to rare; no stop words.

    Word frequencies are counted in Python; PostgreSQL says which words are stop
    words and which share a lexeme (so "like likes" is not taken for two words).
    """
    unique = list(dict.fromkeys(texts))  # the text repeats when the dataset wraps round; same proportions
    docs = [set(_WORD.findall(t.lower())) for t in unique]
    surface = Counter(w for d in docs for w in d)
    vocabulary = [w for w, n in surface.items() if n >= 3]
    lexeme_of = dict(conn.execute(
        "SELECT w, array_to_string(tsvector_to_array(to_tsvector('english', w)), ' ') FROM unnest(%s::text[]) w",
        [vocabulary],
    ).fetchall())
    by_lexeme: Counter = Counter()
    form: dict[str, str] = {}
    for word in vocabulary:
        lexeme = lexeme_of.get(word) or ""
        if not lexeme or " " in lexeme:
            continue  # a stop word (no lexeme) or something the parser splits
        by_lexeme[lexeme] += surface[word]
        if lexeme not in form or surface[word] > surface[form[lexeme]]:
            form[lexeme] = word  # the form people write most often
    ranked = [lexeme for lexeme, _ in by_lexeme.most_common()]
    band_of = {}
    for name, low, high in BANDS:
        for lexeme in ranked[low:high]:
            band_of[form[lexeme]] = name

    rng = random.Random(seed)
    order = list(range(len(docs)))
    rng.shuffle(order)
    wanted = {name: count for name, _, _, count in TIERS}
    chosen: list[Query] = []
    seen: set[frozenset] = set()
    for index in order:
        if not any(wanted.values()):
            break
        banded: dict[str, list[str]] = {}
        for word in sorted(docs[index]):
            if word in band_of:
                banded.setdefault(band_of[word], []).append(word)
        for name, first, second, _ in TIERS:
            if not wanted[name] or not banded.get(first) or not banded.get(second):
                continue
            a = rng.choice(banded[first])
            rest = [w for w in banded[second] if w != a]
            if not rest:
                continue
            b = rng.choice(rest)
            key = frozenset((a, b))
            if key in seen:
                continue
            seen.add(key)
            chosen.append(Query((a, b), name))
            wanted[name] -= 1
            break  # one query per utterance, so the queries come from different conversations
    return chosen
