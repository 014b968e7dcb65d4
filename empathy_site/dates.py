"""Dates computed from a number of months a person chose (retention, evidence age): the one place, never overflowing."""

from datetime import UTC, datetime, timedelta

DAYS_PER_MONTH = 30.44
# Earlier than any real date, and a day clear of datetime.min so no timezone conversion can underflow.
EARLIEST = datetime(1, 1, 2, tzinfo=UTC)


def months_before(moment: datetime, months: int) -> datetime:
    """`moment` less that many average months. The fields are bounded where they are set; a value stored
    before the bounds (or any other huge one) gives the earliest date instead of an OverflowError."""
    try:
        return max(moment - timedelta(days=round(DAYS_PER_MONTH * max(months, 0))), EARLIEST)
    except OverflowError:
        return EARLIEST
