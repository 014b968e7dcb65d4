"""Which objects sync, and how the API shows each. One table for the feed and webhooks."""

from functools import cache


@cache
def sync_types() -> dict:
    """type name -> (model, serializer class, queryset hook)."""
    from interviews.api.evidence_serializers import HighlightSerializer, TagSerializer
    from interviews.api.serializers import InterviewSerializer, ParticipantSerializer, StudySerializer
    from interviews.models import Highlight, Interview, Participant, Study, Tag
    from personas.api.message_serializers import AssumptionCheckSerializer, MessageSerializer
    from personas.api.serializers import CitationSerializer, ClaimSerializer, PersonaSerializer
    from personas.models import AssumptionCheck, Citation, Claim, Message, Persona

    return {
        "participant": (Participant, ParticipantSerializer, lambda qs: qs),
        "study": (Study, StudySerializer, lambda qs: qs),
        "interview": (Interview, InterviewSerializer, lambda qs: qs.select_related("study").prefetch_related("attendances__participant")),
        "tag": (Tag, TagSerializer, lambda qs: qs.select_related("parent")),
        "highlight": (Highlight, HighlightSerializer, lambda qs: qs.select_related(
            "interview", "start_utterance", "end_utterance", "participant").prefetch_related("tags")),
        "persona": (Persona, PersonaSerializer, lambda qs: qs.select_related("owner")),
        "claim": (Claim, ClaimSerializer, lambda qs: qs.select_related("persona").prefetch_related(
            "citations__highlight__participant", "citations__claim")),
        "citation": (Citation, CitationSerializer, lambda qs: qs.select_related("claim", "highlight__participant")),
        "message": (Message, MessageSerializer, lambda qs: qs.select_related("author", "approved_by")),
        "assumption_check": (AssumptionCheck, AssumptionCheckSerializer, lambda qs: qs.select_related(
            "answered_by").prefetch_related("claims", "highlights")),
    }


def type_of(model) -> str | None:
    for name, (candidate, _, _) in sync_types().items():
        if candidate is model:
            return name
    return None
