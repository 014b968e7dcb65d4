from django.apps import AppConfig


class PersonasConfig(AppConfig):
    name = "personas"

    def ready(self):
        # What the lower layers need to know about personas, told to them here (they never import this app).
        from empathy_site.sync.registry import register_sync_type, register_webhook_events

        from .api.message_serializers import AssumptionCheckSerializer, MessageSerializer
        from .api.serializers import CitationSerializer, ClaimSerializer, PersonaSerializer
        from .models import AssumptionCheck, Citation, Claim, Message, Persona

        register_sync_type("persona", model=Persona, serializer=PersonaSerializer, prepare=lambda qs: (
            qs.select_related("owner")))
        register_sync_type("claim", model=Claim, serializer=ClaimSerializer, prepare=lambda qs: (
            qs.select_related("persona").prefetch_related("citations__highlight__participant", "citations__claim")))
        register_sync_type("citation", model=Citation, serializer=CitationSerializer, prepare=lambda qs: (
            qs.select_related("claim", "highlight__participant")))
        register_sync_type("message", model=Message, serializer=MessageSerializer, prepare=lambda qs: (
            qs.select_related("author", "approved_by")))
        register_sync_type("assumption_check", model=AssumptionCheck, serializer=AssumptionCheckSerializer,
                           prepare=lambda qs: qs.select_related("answered_by").prefetch_related("claims", "highlights"))
        register_webhook_events("persona.published", "persona.needs_review", "message.approved")

        from . import receivers  # noqa: F401  (connects the receivers of interviews' evidence events)
