"""Words for people: counts with the right plural, text cut with an ellipsis, quotes without stray spaces.

A shared building block: imports no layer, so services and template filters of every app can use it.
"""

ELLIPSIS = "…"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """'1 claim', '2 claims', '0 claims'; irregular nouns give their plural: plural(n, "person", "people")."""
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"


def shorten(text: str | None, limit: int) -> str:
    """`text` on one line in at most `limit` characters, cut at a word where one is near, ending in '…' when cut.

    Whitespace is collapsed and trimmed, so a cut never leaves a space before the ellipsis or a closing quote.
    """
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 1)]
    head, space, _ = cut.rpartition(" ")
    if space and len(head) >= len(cut) * 2 // 3:  # a word boundary not too far back
        cut = head
    return cut.rstrip(" ,;:-–—") + ELLIPSIS


def quoted(text: str | None, limit: int | None = None) -> str:
    """“text”, trimmed (and shortened when `limit` is given)."""
    body = shorten(text, limit) if limit else (text or "").strip()
    return f"“{body}”"
