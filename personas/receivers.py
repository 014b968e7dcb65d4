"""How personas react to what the interviews app tells it (interviews/events.py). Connected in PersonasConfig.ready().

Each receiver runs in the transaction of the change it hears about.
"""

from django.dispatch import receiver

from interviews.events import evidence_changing, participant_exporting, quotes_rewritten

from . import selectors, services
from .models import Citation


@receiver(evidence_changing, dispatch_uid="personas-recheck-citing")
def recheck_what_cites(sender, *, highlight_ids, reason, **kwargs):
    """Personas and message checks citing the evidence are read now (a deletion takes the citations
    with it) and re-checked once the change is made."""
    personas = selectors.personas_citing(highlight_ids=highlight_ids)
    checks = selectors.checks_citing(highlight_ids=highlight_ids)

    def after_change():
        if personas:
            services.personas_recheck(persona_ids=personas, reason=reason)
        if checks:
            services.messages_recompute(check_ids=checks, reason=reason)

    return after_change


@receiver(quotes_rewritten, dispatch_uid="personas-rewrite-snapshots")
def rewrite_snapshots(sender, *, quotes, scrub=None, **kwargs):
    services.persona_snapshots_rewrite(quotes=quotes, scrub=scrub)


@receiver(participant_exporting, dispatch_uid="personas-export-citations")
def citations_of_participant(sender, *, participant, **kwargs) -> dict:
    citations = Citation.objects.filter(highlight__participant=participant).select_related("claim__persona")
    return {"cited_in_personas": [
        {"persona": c.claim.persona.name, "claim": c.claim.statement, "stance": c.stance} for c in citations
    ]}
