"""Reading one key of a JSON object when a person chose the key (participant attributes, persona segments).

`filter(**{f"attributes__{key}": value})` lets the key name an ORM lookup or transform (`isnull`, `regex`,
`range`, `a__b`), a nested path or an array index, and `values(f"attributes__{key}")` turns it into a column
alias: bad input became a 500. Here the key is always one literal key, whatever its characters, and the
SQL carries it as a parameter. This is the one way to filter or group on a key that came from a person.
"""

from django.db.models.fields.json import KeyTextTransform
from django.db.models.lookups import Exact


class JsonKeyText(KeyTextTransform):
    """The text value of one top-level key of a JSON column (NULL when absent). `key_name` is never parsed:
    Django's KeyTransform reads a key of digits as an array index, which would miss {"2024": ...}."""

    def as_postgresql(self, compiler, connection):
        lhs, params = compiler.compile(self.lhs)
        return f"({lhs} ->> %s)", (*params, str(self.key_name))

    def as_sqlite(self, compiler, connection):
        # Not a JSON path ($."key"): SQLite's path syntax has no escape for a double quote inside a key.
        lhs, params = compiler.compile(self.lhs)
        return f"(SELECT value FROM json_each({lhs}) WHERE key = %s)", (*params, str(self.key_name))


def json_key_text(field: str, key: str) -> JsonKeyText:
    """`field` (a JSON field, or a path to one like "participant__attributes") at `key`, as text."""
    return JsonKeyText(key, field)


def json_key_equals(field: str, key: str, value: str) -> Exact:
    """A filter() condition: the JSON object in `field` has `key` with the text `value` (numbers compare as text)."""
    return Exact(json_key_text(field, key), value)
