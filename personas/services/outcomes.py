"""Outcomes: what customers did with a message, recorded by form, CSV import or API.

A CSV import is all-or-nothing: every row is checked first and, when any is wrong, nothing is written
and every wrong row is named, so a corrected file can simply be imported again.
"""

import csv
import io
import math
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from empathy_site.ids import parse_uuid
from empathy_site.tenancy.context import require_org_id, tenant_atomic
from empathy_site.tenancy.models import User

from ..models import Message, MessageRevision, Outcome

# A file that large is not one team's campaign results; refuse it before reading it whole.
MAX_IMPORT_ROWS = 5000
MAX_IMPORT_BYTES = 2_000_000
CSV_COLUMNS = ("message", "observed_reaction", "revision", "metric_name", "metric_value", "metric_baseline",
               "metric_sample_size", "metric_source")


@dataclass
class Metric:
    """The raw number behind an observed reaction; all optional but the name, once any is given."""

    name: str = ""
    value: float | None = None
    baseline: float | None = None
    sample_size: int | None = None
    source: str = ""

    @property
    def given(self) -> bool:
        return bool(self.name or self.source) or any(v is not None for v in (self.value, self.baseline, self.sample_size))


def _validate_metric(metric: Metric | None) -> dict:
    errors = {}
    if metric is None or not metric.given:
        return errors
    if not (metric.name or "").strip():
        errors["metric"] = "Name the metric (for example “click-through rate”)."
    for label, number in (("value", metric.value), ("baseline", metric.baseline)):
        if number is not None and (isinstance(number, bool) or not isinstance(number, int | float) or not math.isfinite(number)):
            errors["metric"] = f"The metric's {label} must be a finite number."
    if metric.sample_size is not None and (isinstance(metric.sample_size, bool) or not isinstance(metric.sample_size, int)
                                           or metric.sample_size < 1 or metric.sample_size > 2_000_000_000):
        errors["metric"] = "The sample size is a whole number of at least 1."
    if metric.source and metric.source not in Outcome.Source.values:
        errors["metric"] = f"The source is one of: {', '.join(Outcome.Source.values)}."
    if len(metric.name or "") > 100:
        errors["metric"] = "Keep the metric's name under 100 characters."
    return errors


def _revision_of(message: Message, number: int | None) -> MessageRevision:
    if number is None:
        number = message.revision_count
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= message.revision_count:
        raise ValidationError({"revision": f"The message has revisions 1 to {message.revision_count}."})
    return MessageRevision.objects.get(message=message, number=number)


def _outcome_errors(observed_reaction, metric: Metric | None) -> dict:
    errors = _validate_metric(metric)
    if isinstance(observed_reaction, bool) or not isinstance(observed_reaction, int) or not 1 <= observed_reaction <= 5:
        errors["observed_reaction"] = "Give the customers' reaction on the scale from 1 to 5, as the prediction was."
    return errors


def _build(message: Message, revision: MessageRevision, observed_reaction: int, metric: Metric | None, by) -> Outcome:
    metric = metric or Metric()
    return Outcome(
        organization_id=require_org_id(), message=message, revision=revision, observed_reaction=observed_reaction,
        metric_name=(metric.name or "").strip(), metric_value=metric.value, metric_baseline=metric.baseline,
        metric_sample_size=metric.sample_size, metric_source=metric.source or "", recorded_by=by,
    )


@tenant_atomic()
def outcome_record(
    *, message: Message, observed_reaction: int, revision_number: int | None = None, metric: Metric | None = None,
    by: User | None = None,
) -> Outcome:
    """What customers did with one revision of a message (the current one unless a number is given)."""
    errors = _outcome_errors(observed_reaction, metric)
    if errors:
        raise ValidationError(errors)
    outcome = _build(message, _revision_of(message, revision_number), observed_reaction, metric, by)
    outcome.save()
    return outcome


def _number(raw: str, kind):
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return kind(raw)
    except ValueError:
        raise ValueError(f"“{raw[:40]}” is not a {'whole ' if kind is int else ''}number") from None


def outcome_rows_from_csv(content: bytes) -> list[dict]:
    """The CSV's rows as dicts of stripped strings; a readable ValidationError for a file that is not one."""
    if len(content) > MAX_IMPORT_BYTES:
        raise ValidationError({"file": f"The file is over {MAX_IMPORT_BYTES // 1_000_000} MB; split it."})
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError({"file": "Save the file as UTF-8 CSV and upload it again."}) from None
    if "\x00" in text:
        raise ValidationError({"file": "The file holds NUL characters; export it again as plain CSV."})
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in ("message", "observed_reaction") if name not in header]
    if missing:
        raise ValidationError({"file": f"The first row must name the columns; missing: {', '.join(missing)}. "
                                       f"Columns read: {', '.join(CSV_COLUMNS)}."})
    rows = []
    for raw in reader:
        if len(rows) >= MAX_IMPORT_ROWS:
            raise ValidationError({"file": f"Import at most {MAX_IMPORT_ROWS} rows per file."})
        rows.append({(key or "").strip().lower(): (value or "").strip() if isinstance(value, str) else ""
                     for key, value in raw.items()})
    if not rows:
        raise ValidationError({"file": "The file has no rows under its header."})
    return rows


@tenant_atomic()
def outcomes_import(*, rows: list[dict], by: User | None = None) -> list[Outcome]:
    """One row per message (id or exact title in `message`); all rows are written or none.

    Raises ValidationError whose messages are "Row N: ..." for every wrong row (row 2 is the first under
    the header, as a spreadsheet numbers it)."""
    problems, built, seen = [], [], {}
    for index, row in enumerate(rows, start=2):
        reference = row.get("message", "")
        parsed = parse_uuid(reference)
        message = (Message.objects.filter(public_id=parsed).first() if parsed
                   else Message.objects.filter(title=reference).first() if reference else None)
        if message is None:
            problems.append(f"Row {index}: no message “{reference[:60]}” (give its id or its exact title).")
            continue
        if message.pk in seen:
            problems.append(f"Row {index}: “{message.title}” is already on row {seen[message.pk]}; one row per message.")
            continue
        seen[message.pk] = index
        try:
            observed = _number(row.get("observed_reaction", ""), int)
            number = _number(row.get("revision", ""), int)
            metric = Metric(name=row.get("metric_name", ""), value=_number(row.get("metric_value", ""), float),
                            baseline=_number(row.get("metric_baseline", ""), float),
                            sample_size=_number(row.get("metric_sample_size", ""), int), source=row.get("metric_source", ""))
        except ValueError as error:
            problems.append(f"Row {index}: {error}.")
            continue
        errors = _outcome_errors(observed, metric)
        if not errors:
            try:
                built.append(_build(message, _revision_of(message, number), observed, metric, by))
                continue
            except ValidationError as error:
                errors = error.message_dict
        problems.append(f"Row {index}: " + " ".join(m for messages in dict(errors).values() for m in (
            messages if isinstance(messages, list) else [messages])))
    if problems:
        raise ValidationError(problems)
    for outcome in built:
        outcome.save()  # one by one, so change capture records each for the feed and webhooks
    return built
