"""What a comment's or memo's `target_type` names."""

from interviews.models import Highlight, Interview, Study, Tag
from personas.models import Claim, Message, Persona

_MODELS = {
    "highlight": Highlight, "claim": Claim, "persona": Persona, "message": Message, "interview": Interview,
    "tag": Tag, "study": Study,
}


def target_model(target_type: str):
    return _MODELS[target_type]
