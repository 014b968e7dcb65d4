"""Predict-then-reveal exercises: a researcher builds questions whose answers the evidence knows; a person
answers each twice (their own view, then their prediction of customers) and only then sees the truth.

Every answer becomes items on one 0-100 scale, so the score can compare across kinds: a share is a percent;
a ranking gives each option 100 for first down to 0 for last (ties share the average); a quote choice gives
100 to the chosen option and 0 to the others. Options carry letters, not the ids of tags or highlights, so
an option's id cannot be looked up elsewhere in the API to learn the answer.
"""

import random
import string
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from empathy_site.json_keys import json_key_equals
from empathy_site.tenancy.concurrency import unique_or_conflict
from empathy_site.tenancy.context import require_org_id, tenant_atomic
from empathy_site.tenancy.models import User
from interviews.models import Highlight, Participant, Tag
from interviews.selectors import voice

from ..models import Exercise, ExerciseAnswer, ExerciseEvidence, ExerciseQuestion, Persona
from ..selectors import evidence_policy

Kind = ExerciseQuestion.Kind
MAX_QUESTIONS = 30
MAX_OPTIONS = 8
EVIDENCE_PER_QUESTION = 6


@dataclass
class QuestionSpec:
    """What a researcher asks: `share` (tag, segment), `rank` (tags, optional segment) or `quote` (segment,
    highlights: exactly one of them from the segment)."""

    kind: str
    segment: str = ""
    tag: Tag | None = None
    tags: list = field(default_factory=list)
    highlights: list = field(default_factory=list)


def _in_segment(attribute: str, segment: str):
    """A filter() condition on highlights: their participant's `attribute` is `segment` (the key taken literally)."""
    return json_key_equals("participant__attributes", attribute, segment)


def _letters(n: int) -> list[str]:
    return list(string.ascii_lowercase[:n])


def _points_from_order(order: list[str], ids: list[str]) -> list[float]:
    """A ranking (ids, first = most) as 0-100 points per id, in `ids` order."""
    last = len(ids) - 1
    return [100.0 * (last - order.index(i)) / last for i in ids]


def _points_from_counts(counts: list[int]) -> list[float]:
    """Counts as rank points: most = 100, fewest = 0; tied counts share their average rank."""
    last = len(counts) - 1
    ordered = sorted(counts, reverse=True)
    points = []
    for count in counts:
        places = [i for i, c in enumerate(ordered) if c == count]
        average_place = sum(places) / len(places)
        points.append(100.0 * (last - average_place) / last)
    return points


def _evidence_for(highlights) -> list[Highlight]:
    return list(highlights.order_by("-created_at", "-id")[:EVIDENCE_PER_QUESTION])


def _build_share(spec: QuestionSpec, attribute: str) -> dict:
    if spec.tag is None or not spec.segment:
        raise ValidationError("A share question needs a tag and a segment.")
    members = Participant.objects.filter(json_key_equals("attributes", attribute, spec.segment))
    total = members.count()
    if not total:
        raise ValidationError(f"No participant has {attribute} “{spec.segment}”; choose a segment the evidence has.")
    tagged = Highlight.objects.filter(_in_segment(attribute, spec.segment), tags=spec.tag)
    raised = tagged.values("participant").distinct().count()
    return {
        "prompt": f"What share of {spec.segment} participants raised “{spec.tag.name}”? (0-100%)",
        "own_prompt": f"How much does “{spec.tag.name}” matter to you, personally? (0-100)",
        "options": [], "truth": [round(100.0 * raised / total, 2)],
        "truth_explanation": f"{raised} of {total} {spec.segment} participants raised “{spec.tag.name}”.",
        "evidence": _evidence_for(tagged),
    }


def _build_rank(spec: QuestionSpec, attribute: str) -> dict:
    tags = list(dict.fromkeys(spec.tags))
    if not 3 <= len(tags) <= MAX_OPTIONS:
        raise ValidationError(f"A ranking question takes 3 to {MAX_OPTIONS} different tags.")
    scope = [_in_segment(attribute, spec.segment)] if spec.segment else []
    counts, evidence = [], []
    for tag in tags:
        tagged = Highlight.objects.filter(*scope, tags=tag).annotate(who=voice()).filter(who__isnull=False)
        counts.append(tagged.values("who").distinct().count())
        evidence += _evidence_for(tagged)[:2]
    who = f"{spec.segment} customers" if spec.segment else "customers"
    letters = _letters(len(tags))
    return {
        "prompt": f"Rank these needs by how many {who} raised them, most first.",
        "own_prompt": "Rank them by how much each matters to you, personally, most first.",
        "options": [{"id": letter, "label": tag.name} for letter, tag in zip(letters, tags, strict=True)],
        "truth": _points_from_counts(counts),
        "truth_explanation": "; ".join(f"“{tag.name}”: {count} {'voice' if count == 1 else 'voices'}"
                                       for tag, count in sorted(zip(tags, counts, strict=True), key=lambda p: -p[1])) + ".",
        "evidence": evidence,
    }


def _build_quote(spec: QuestionSpec, attribute: str) -> dict:
    highlights = list(dict.fromkeys(spec.highlights))
    if not spec.segment or not 2 <= len(highlights) <= MAX_OPTIONS:
        raise ValidationError(f"A quote question needs a segment and 2 to {MAX_OPTIONS} different highlights.")
    inside = [h for h in highlights if h.participant_id and h.participant.attributes.get(attribute) == spec.segment]
    if len(inside) != 1:
        raise ValidationError(f"Exactly one of the quotes must come from a {spec.segment} participant "
                              f"({len(inside)} do): the question needs one right answer.")
    # Shuffled, so the order the researcher picked them in does not give the answer away.
    random.SystemRandom().shuffle(highlights)
    letters = _letters(len(highlights))
    right = highlights.index(inside[0])
    # Options point at the highlights, never copy their words: a quote rewritten by redaction or erasure
    # reads as rewritten here too (ExerciseQuestion.option_list).
    return {
        "prompt": f"Which of these quotes came from a {spec.segment} participant?",
        "own_prompt": "Which of these quotes speaks to you most, personally?",
        "options": [{"id": letter, "highlight": h.pk} for letter, h in zip(letters, highlights, strict=True)],
        "truth": [100.0 if i == right else 0.0 for i in range(len(highlights))],
        "truth_explanation": f"({letters[right]}) is the quote from a {spec.segment} participant.",
        "evidence": highlights,
    }


def quote_question_specs(*, segment: str, count: int, others: int = 3) -> list[QuestionSpec]:
    """`count` quote questions for `segment`, picked at random from the evidence: each puts one quote from a
    participant of the segment among up to `others` quotes from participants outside it, no quote twice.
    A ValidationError says how many the evidence can give when it cannot give `count`."""
    if count <= 0:
        return []
    attribute = evidence_policy().segment_attribute
    voiced = Highlight.objects.filter(participant__isnull=False).select_related("participant")
    in_segment = voiced.filter(_in_segment(attribute, segment))
    inside = list(in_segment.order_by("?")[:count])
    # Everyone else, participants without the attribute included.
    outside = list(voiced.exclude(pk__in=in_segment.values("pk")).order_by("?")[:count * others])
    per_question = min(others, len(outside) // count) if count else 0
    if len(inside) < count or per_question < 1:
        possible = min(len(inside), len(outside))
        raise ValidationError(
            f"The evidence has {len(inside)} {'quote' if len(inside) == 1 else 'quotes'} from {segment} participants "
            f"and {len(outside)} from others: enough for {possible} quote {'question' if possible == 1 else 'questions'}.")
    return [QuestionSpec(kind=Kind.QUOTE, segment=segment,
                         highlights=[inside[n], *outside[n * per_question:(n + 1) * per_question]])
            for n in range(count)]


BUILDERS = {Kind.SHARE: _build_share, Kind.RANK: _build_rank, Kind.QUOTE: _build_quote}


@tenant_atomic()
def exercise_create(*, title: str, questions: list[QuestionSpec], persona: Persona | None = None,
                    by: User | None = None) -> Exercise:
    """Computes each question's truth from the evidence as it is now; refuses a question it cannot answer."""
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "Give the exercise a title."})
    if not 1 <= len(questions) <= MAX_QUESTIONS:
        raise ValidationError({"questions": f"Ask 1 to {MAX_QUESTIONS} questions."})
    attribute = evidence_policy().segment_attribute
    built = []
    for number, spec in enumerate(questions, start=1):
        if spec.kind not in BUILDERS:
            raise ValidationError({"questions": f"Question {number}: the kind is one of {', '.join(Kind.values)}."})
        try:
            built.append((spec.kind, BUILDERS[spec.kind](spec, attribute)))
        except ValidationError as error:
            raise ValidationError({"questions": f"Question {number}: {' '.join(error.messages)}"}) from None
    org_id = require_org_id()
    exercise = Exercise.objects.create(organization_id=org_id, title=title[:200], persona=persona, created_by=by)
    for position, (kind, parts) in enumerate(built, start=1):
        question = ExerciseQuestion.objects.create(
            organization_id=org_id, exercise=exercise, position=position, kind=kind, prompt=parts["prompt"],
            own_prompt=parts["own_prompt"], options=parts["options"], truth=parts["truth"],
            truth_explanation=parts["truth_explanation"],
        )
        ExerciseEvidence.objects.bulk_create([
            ExerciseEvidence(organization_id=org_id, question=question, highlight=h)
            for h in dict.fromkeys(parts["evidence"])
        ])
    return exercise


def _items(question: ExerciseQuestion, value, label: str) -> list[float]:
    """An answer as items on the 0-100 scale; ValidationError naming what a right answer looks like."""
    ids = [option["id"] for option in question.options]
    if question.kind == Kind.SHARE:
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
            raise ValidationError(f"Question {question.position}: {label} is a number from 0 to 100.")
        return [float(value)]
    if question.kind == Kind.RANK:
        if not isinstance(value, list) or sorted(map(str, value)) != sorted(ids):
            raise ValidationError(f"Question {question.position}: {label} lists every option once, most first: "
                                  f"{', '.join(ids)}.")
        return _points_from_order([str(v) for v in value], ids)
    if value not in ids:
        raise ValidationError(f"Question {question.position}: {label} is one option: {', '.join(ids)}.")
    return [100.0 if i == value else 0.0 for i in ids]


@tenant_atomic()
def exercise_answer(*, exercise: Exercise, answers: list[tuple[ExerciseQuestion, object, object]], by: User | None) -> list[ExerciseAnswer]:
    """Record (question, own, prediction) answers. Final: a question answered once cannot be answered again,
    since its truth has been shown (409)."""
    if by is None:
        raise ValidationError("An exercise is answered by a person, signed in; an API key can't answer one.")
    if not answers:
        raise ValidationError({"answers": "Answer at least one question."})
    rows = []
    for question, own, prediction in answers:
        if question.exercise_id != exercise.pk:
            raise ValidationError({"answers": "That question belongs to another exercise."})
        rows.append((question, own, prediction, _items(question, own, "your own answer"),
                     _items(question, prediction, "your prediction")))
    created = []
    for question, own, prediction, own_items, prediction_items in rows:
        with unique_or_conflict("exercise_answer_once", "answers",
                                f"You answered question {question.position} already; answers are final once the truth is shown."):
            created.append(ExerciseAnswer.objects.create(
                organization_id=exercise.organization_id, exercise=exercise, question=question, user=by, own=own,
                prediction=prediction, own_items=own_items, prediction_items=prediction_items,
            ))
    return created
