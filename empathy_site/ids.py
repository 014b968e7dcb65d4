"""Public ids arrive from clients as text; this is the one place they are parsed."""

import uuid


def parse_uuid(value) -> uuid.UUID | None:
    """The UUID, or None for anything that isn't one (never raises: bad input is a 4xx, not a 500)."""
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None
