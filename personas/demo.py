"""A published demo persona built on the demo highlights."""

from django.core.exceptions import ValidationError

from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.models import User
from interviews.models import Highlight, Tag

from . import services
from .models import Exercise, Message, Persona

PERSONA = "Cautious Procurement Lead"
CLAIMS = [
    ("behaviour", "Compares several vendors side by side in a spreadsheet before signing",
     ["compare three vendors side by side", "We compare vendors in spreadsheets because the ERP is too slow to change"]),
    ("pain_point", "Needs an audit trail that shows who approved a supplier and why",
     ["failed us during the audit", "The audit trail matters more than speed"]),
]


def seed_personas(org) -> None:
    with tenant_scope(org):
        if Persona.objects.filter(name=PERSONA).exists():
            return
        owner = User.objects.filter(email="researcher@demo.example").first()
        persona = services.persona_create(
            name=PERSONA, summary="Owns supplier choices and must defend them to finance and auditors.",
            segment={"role": "procurement"}, owner=owner,
        )
        for kind, statement, quotes in CLAIMS:
            claim = services.claim_create(persona=persona, kind=kind, statement=statement)
            for quote in quotes:
                highlight = Highlight.objects.filter(quote=quote).first()
                if highlight is not None:
                    services.citation_create(claim=claim, highlight=highlight)
        try:
            services.persona_publish(persona=persona, by=owner)
        except services.PolicyNotMet:
            pass  # stays a draft if the demo evidence is thinner than the policy
        seed_messages(persona)


DEMO_MESSAGES = [
    ("Compare vendors without the spreadsheet", "email", "Side-by-side supplier comparisons your finance team can read.",
     "insight", 4, 4, 0),
    ("Fastest onboarding in the market", "ad", "Onboard any supplier in five minutes flat.", "preference", 5, 3, None),
    ("Audit trail landing page", "landing_page", "Every approval, who made it and why, ready for your auditor.",
     "mix", 3, 4, 1),
]
# What customers did with them (observed reaction, 1-5), in the order above.
DEMO_OUTCOMES = [4, 2, 4]


def seed_messages(persona) -> None:
    if Message.objects.exists():
        return
    marketer = User.objects.filter(email="marketer@demo.example").first()
    claims = list(persona.claims.order_by("order"))
    for title, channel, body, basis, taste, prediction, claim_index in DEMO_MESSAGES:
        cited = [claims[claim_index]] if claim_index is not None and claim_index < len(claims) else []
        services.message_create(
            title=title, channel=channel, body=body, target_personas=[persona], by=marketer,
            check=services.CheckAnswers(basis=basis, own_taste=taste, predicted_reaction=prediction, claims=cited),
        )
    for message, observed in zip(Message.objects.order_by("created_at", "id"), DEMO_OUTCOMES, strict=False):
        services.outcome_record(message=message, observed_reaction=observed, by=marketer,
                                metric=services.Metric(name="reply rate", source="campaign_report"))
    seed_exercise(persona)


def seed_exercise(persona) -> None:
    """A predict-then-reveal exercise on the persona's segment, when the demo evidence can answer it."""
    if Exercise.objects.exists():
        return
    segment = next(iter((persona.segment or {}).values()), "")
    tags = list(Tag.objects.order_by("name")[:4])
    questions = [services.QuestionSpec(kind="share", tag=tag, segment=segment) for tag in tags[:2]]
    if len(tags) >= 3:
        questions.append(services.QuestionSpec(kind="rank", tags=tags))
    owner = User.objects.filter(email="researcher@demo.example").first()
    try:
        services.exercise_create(title=f"How well do we know our {segment or ''} customers?".replace("  ", " "), questions=questions,
                                 persona=persona, by=owner)
    except ValidationError:
        pass  # the demo evidence cannot answer these questions: no exercise rather than a wrong one
