"""What the interviews app tells the apps above it (personas) about its evidence, as Django signals.

Interviews never imports those apps: it sends, they subscribe in their AppConfig.ready()
(personas/receivers.py). Receivers run synchronously, in the sender's transaction, and
their exceptions propagate, so a failing reaction rolls the change back.

evidence_changing   highlights are about to be edited, re-attributed or deleted.
                    kwargs: highlight_ids (list of pks), reason (a sentence for the people notified).
                    A receiver reads what it needs now (a deletion takes the citations with it)
                    and may return a callable, run after the change in the same transaction.
quotes_rewritten    redaction or erasure rewrote these highlights' quotes.
                    kwargs: quotes ({highlight public id: new quote}), scrub (None, or a function
                    returning a JSON value with an erased person's words removed: apply it to any
                    copy of evidence the receiver keeps, such as published snapshots).
participant_exporting
                    a subject-access export is being built. kwargs: participant.
                    A receiver returns a dict of extra sections for the export.
"""

import contextlib

from django.dispatch import Signal

evidence_changing = Signal()
quotes_rewritten = Signal()
participant_exporting = Signal()


@contextlib.contextmanager
def evidence_change(*, highlights, reason: str):
    """Wrap a change that alters or removes highlights (a queryset or a list of pks).

    Precondition: inside the transaction that makes the change.
    """
    highlight_ids = list(highlights.values_list("pk", flat=True)) if hasattr(highlights, "values_list") else list(highlights or [])
    after_change = []
    if highlight_ids:
        after_change = [response for _, response in evidence_changing.send(
            sender=evidence_change, highlight_ids=highlight_ids, reason=reason)]
    yield
    for finish in after_change:
        if finish is not None:
            finish()


def quotes_rewrite(*, quotes: dict[str, str], scrub=None) -> None:
    """Tell subscribers the quotes of these highlights changed (and, for an erasure, how to scrub copies)."""
    if quotes or scrub is not None:
        quotes_rewritten.send(sender=quotes_rewrite, quotes=quotes, scrub=scrub)


def participant_export_sections(*, participant) -> dict:
    """The sections other apps add to a participant's subject-access export."""
    sections = {}
    for _, response in participant_exporting.send(sender=participant_export_sections, participant=participant):
        sections.update(response or {})
    return sections
