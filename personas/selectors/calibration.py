"""Reads for learning from outcomes and exercises: records per author, team, channel and quarter; the
mirror sentence on the check form; the perspective-instruction experiment; exercise scores and reveals."""

import secrets
from collections import OrderedDict, defaultdict

from django.db.models import F

from empathy_site.tenancy.models import User

from .. import statistics
from ..models import ExerciseAnswer, ExerciseQuestion, Message, Outcome
from .messages import PROJECTION_TASTE
from .personas import evidence_policy


def _outcome_points(**filters) -> list[dict]:
    """One dict per outcome with the check of its revision, oldest first (a fixed order: the bootstrap's seed)."""
    return list(
        Outcome.objects.filter(**filters).annotate(
            taste=F("revision__checks__own_taste"), predicted=F("revision__checks__predicted_reaction"),
            author_id=F("revision__checks__answered_by_id"), instruction=F("revision__checks__instruction_shown"),
            channel=F("message__channel"),
        ).order_by("created_at", "id").values("taste", "predicted", "observed_reaction", "author_id", "instruction",
                                              "channel", "created_at")
    )


def _record(points) -> statistics.Record:
    return statistics.calibration([p["taste"] for p in points], [p["predicted"] for p in points],
                                  [p["observed_reaction"] for p in points])


def calibration_record(*, author: User | None = None, channel: str = "") -> statistics.Record:
    """The record from outcomes: one author's (whoever answered the checks) or the whole team's."""
    filters = {}
    if author is not None:
        filters["revision__checks__answered_by"] = author
    if channel:
        filters["message__channel"] = channel
    return _record(_outcome_points(**filters))


def _quarter(moment) -> str:
    return f"{moment.year} Q{(moment.month - 1) // 3 + 1}"


def calibration_overview(*, author: User | None = None, names_visible: bool = True, viewer: User | None = None) -> dict:
    """The calibration page's tables: by quarter, by channel, by author (only the viewer unless names are
    visible), for one author or the team."""
    points = _outcome_points(**({"revision__checks__answered_by": author} if author is not None else {}))
    by_quarter, by_channel, by_author = OrderedDict(), OrderedDict(), defaultdict(list)
    for point in points:
        by_quarter.setdefault(_quarter(point["created_at"]), []).append(point)
        by_channel.setdefault(point["channel"], []).append(point)
        by_author[point["author_id"]].append(point)
    people = {u.pk: u for u in User.objects.filter(pk__in=[k for k in by_author if k])}
    labels = dict(Message.Channel.choices)
    authors = []
    for author_id, rows in by_author.items():
        person = people.get(author_id)
        if not names_visible and (viewer is None or person != viewer):
            continue
        authors.append({"who": person.display_name if person else "API", "record": _record(rows)})
    return {
        "record": _record(points),
        "by_quarter": [{"quarter": q, "record": _record(rows)} for q, rows in by_quarter.items()],
        "by_channel": [{"channel": labels.get(c, c), "record": _record(rows)} for c, rows in sorted(by_channel.items())],
        "by_author": sorted(authors, key=lambda a: a["who"]),
        "min_points": statistics.MIN_POINTS,
    }


def others_records_visible(*, is_admin: bool) -> bool:
    """Whether a member sees other people's records: admins always; others when the org turned it on."""
    return is_admin or evidence_policy().records_visible_to_all


def exercise_points(*, user: User | None = None) -> tuple[list, list, list]:
    """(own, prediction, truth) items of every answered question, oldest first; one person's or everyone's."""
    answers = ExerciseAnswer.objects.select_related("question").order_by("created_at", "id")
    if user is not None:
        answers = answers.filter(user=user)
    own, prediction, truth = [], [], []
    for answer in answers:
        own += answer.own_items
        prediction += answer.prediction_items
        truth += answer.question.truth
    return own, prediction, truth


def exercise_score(*, user: User | None = None) -> statistics.Record:
    return statistics.egocentric(*exercise_points(user=user))


def exercise_team_distribution(*, names_visible: bool) -> list[dict]:
    """Each person's score; without names (and in no ranked order of people) unless the org turned names on."""
    user_ids = ExerciseAnswer.objects.values_list("user_id", flat=True).distinct()
    people = list(User.objects.filter(pk__in=list(user_ids)))
    rows = [{"who": p.display_name, "record": exercise_score(user=p)} for p in people]
    if names_visible:
        return sorted(rows, key=lambda r: (r["record"].mean_absolute_error is None, r["record"].mean_absolute_error or 0))
    # Anonymous: sorted by the figure itself, so the order says nothing about who is who.
    anonymous = [{"who": None, "record": r["record"]} for r in rows]
    return sorted(anonymous, key=lambda r: (r["record"].mean_absolute_error is None, r["record"].mean_absolute_error or 0))


def exercise_reveals(*, exercise, user: User) -> list[dict]:
    """The user's answers to this exercise with the truth and the quotes behind it: only questions they answered."""
    answers = {a.question_id: a for a in ExerciseAnswer.objects.filter(exercise=exercise, user=user)}
    questions = ExerciseQuestion.objects.filter(pk__in=list(answers)).prefetch_related(
        "evidence__participant").order_by("position")
    return [{"question": q, "answer": answers[q.pk]} for q in questions]


def mirror_sentence(*, user: User) -> str:
    """The writer's record in one sentence, shown first on the check form."""
    points = _outcome_points(revision__checks__answered_by=user)
    liked = [p for p in points if p["taste"] >= PROJECTION_TASTE]
    parts = []
    if len(points) >= statistics.MIN_POINTS:
        record = _record(points)
        direction = "overpredicted" if record.mean_signed_error > 0 else "underpredicted"
        parts.append(f"On your last {len(points)} measured messages you {direction} customers' reaction by "
                     f"{abs(record.mean_signed_error):.1f} on average")
        if len(liked) >= 2:
            liked_error = sum(p["predicted"] - p["observed_reaction"] for p in liked) / len(liked)
            parts[-1] += (f", and by {liked_error:+.1f} where you liked the message yourself" if liked_error
                          else ", and hit it exactly where you liked the message yourself")
    else:
        more = statistics.MIN_POINTS - len(points)
        parts.append(f"You have {len(points)} measured {'message' if len(points) == 1 else 'messages'}; "
                     f"{more} more before your record shows")
    score = exercise_score(user=user)
    if score.enough_data:
        parts.append(f"in exercises your predictions were off by {score.mean_absolute_error:.0f} points")
    return "; ".join(parts) + "."


def instruction_experiment() -> dict:
    """Prediction error of checks shown the perspective instruction against those not shown it."""
    points = _outcome_points()
    shown = [p["predicted"] - p["observed_reaction"] for p in points if p["instruction"]]
    hidden = [p["predicted"] - p["observed_reaction"] for p in points if not p["instruction"]]
    return {"running": evidence_policy().instruction_experiment,
            "comparison": statistics.compare_absolute_errors(shown, hidden)}


def instruction_assignment() -> bool:
    """Whether a new check form shows the perspective instruction: always, or under the organisation's
    experiment a fair coin per form (the form carries the result, and the check records it)."""
    if not evidence_policy().instruction_experiment:
        return True
    return secrets.randbelow(2) == 1


def message_outcomes(*, message: Message) -> list[Outcome]:
    """The message's outcomes, newest first, each with `signed_error` (predicted - observed) set."""
    outcomes = list(Outcome.objects.filter(message=message).select_related("revision", "recorded_by").prefetch_related(
        "revision__checks").order_by("-created_at", "-id"))
    for outcome in outcomes:
        check = outcome.revision.assumption_check
        outcome.signed_error = check.predicted_reaction - outcome.observed_reaction if check else None
    return outcomes
