"""How comments and memos react to what the interviews app tells (interviews/events.py). Connected in ready()."""

from django.dispatch import receiver

from interviews.events import quotes_rewritten

from . import services


@receiver(quotes_rewritten, dispatch_uid="collaboration-scrub-erased-words")
def scrub_erased_words(sender, *, quotes, scrub=None, **kwargs):
    """An erasure: what the participant said, quoted in a comment or memo, goes too (same transaction)."""
    if scrub is not None:
        services.erased_words_scrub(scrub=scrub)
