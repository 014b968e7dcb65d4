from django.apps import AppConfig


class PersonasConfig(AppConfig):
    name = "personas"

    def ready(self):
        # What the lower layers need to know about personas, told to them here (they never import this app).
        from empathy_site.sync.registry import register_sync_type, register_webhook_events

        from .api.message_serializers import AssumptionCheckSerializer, MessageSerializer, message_reading_context
        from .api.outcome_serializers import OutcomeSerializer
        from .api.serializers import (
            CitationSerializer,
            ClaimSerializer,
            PersonaSerializer,
            claim_reading_context,
            persona_reading_context,
        )
        from .models import AssumptionCheck, Citation, Claim, Message, Outcome, Persona

        # `context` loads what the detail endpoints show (claims' strength, a message's current revision);
        # `parents` are the objects whose representation embeds this one, recorded again when it changes.
        register_sync_type("persona", model=Persona, serializer=PersonaSerializer, prepare=lambda qs: (
            qs.select_related("owner")), context=persona_reading_context)
        register_sync_type("claim", model=Claim, serializer=ClaimSerializer, prepare=lambda qs: (
            qs.select_related("persona").prefetch_related("citations__highlight__participant", "citations__claim")),
            context=claim_reading_context, parents=lambda claim: [claim.persona])
        register_sync_type("citation", model=Citation, serializer=CitationSerializer, prepare=lambda qs: (
            qs.select_related("claim", "highlight__participant")),
            parents=lambda citation: [citation.claim, citation.claim.persona])
        register_sync_type("message", model=Message, serializer=MessageSerializer, prepare=lambda qs: (
            qs.select_related("author", "approved_by")), context=message_reading_context)
        register_sync_type("assumption_check", model=AssumptionCheck, serializer=AssumptionCheckSerializer,
                           prepare=lambda qs: qs.select_related("answered_by", "revision__message").prefetch_related(
                               "claims", "highlights"),
                           parents=lambda check: [check.revision.message])
        # Outcomes reach CRMs like everything else; exercises are never synced (their truth must stay unseen).
        register_sync_type("outcome", model=Outcome, serializer=OutcomeSerializer, prepare=lambda qs: (
            qs.select_related("message", "revision", "recorded_by").prefetch_related("revision__checks")))
        register_webhook_events("persona.published", "persona.needs_review", "message.approved")

        from . import receivers  # noqa: F401  (connects the receivers of interviews' evidence events)
