"""The generic part of every update service: apply the fields a caller gave, and only those.

Services take explicit keyword arguments, each defaulting to UNCHANGED, and pass them here:

    changed = model_update(participant, fields=PARTICIPANT_FIELDS, data={"pseudonym": pseudonym, "name": name})

A field the caller did not give keeps its value (None is a value: it clears a date); a name
outside `fields` raises TypeError, so a misspelt field fails loudly instead of vanishing.
Validation and saving stay in the service, which knows its invariants.
"""

from collections.abc import Iterable, Mapping


class _Unchanged:
    """Sentinel for "the caller did not give this field"."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED = _Unchanged()


def given(data: Mapping[str, object]) -> dict[str, object]:
    """The entries of `data` the caller gave (not UNCHANGED)."""
    return {name: value for name, value in data.items() if value is not UNCHANGED}


def model_update(instance, *, fields: Iterable[str], data: Mapping[str, object]) -> list[str]:
    """Set on `instance` each field of `data` that is given; return the names whose value changed.

    Does not save: the caller validates the whole object, then saves (with the returned names
    as update_fields when it wants a narrow UPDATE).
    """
    allowed = set(fields)
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise TypeError(f"{type(instance).__name__} has no updatable field(s) {', '.join(unknown)}.")
    changed = []
    for name, value in given(data).items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return changed
