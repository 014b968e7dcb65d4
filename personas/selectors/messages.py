"""Reads for messages: the debiasing panel, a check's grounding, the checks that cite some evidence,
and the team's picture of where messages come from."""

from collections import OrderedDict

from django.db.models import Avg, Count, F, Prefetch, Q
from django.db.models.functions import TruncMonth

from empathy_site.tenancy.models import User
from interviews.models import Highlight
from interviews.selectors import voice

from ..models import AssumptionCheck, Citation, Message, MessageReview, MessageRevision, Persona, RevisionPersona
from ..models.messages import Grounding
from .personas import claim_shortfalls, claims_with_strength, evidence_policy, strength_level

BASES = AssumptionCheck.Basis

# Own taste at or above this, with thin evidence, is flagged as a projection risk.
PROJECTION_TASTE = 4


def message_list(*, status: str = "", channel: str = "", attention: bool = False):
    messages = Message.objects.select_related("author").order_by("-updated_at")
    if status:
        messages = messages.filter(status=status)
    else:
        messages = messages.exclude(status=Message.Status.ARCHIVED)
    if channel:
        messages = messages.filter(channel=channel)
    if attention:
        messages = messages.exclude(attention_reason="")
    return messages


def message_revisions(*, message: Message):
    """Every revision with its check, targets and evidence, in a fixed number of queries."""
    checks = AssumptionCheck.objects.select_related("answered_by").prefetch_related(
        "claims__persona", "highlights__participant", "highlights__interview"
    )
    return list(
        MessageRevision.objects.filter(message=message)
        .select_related("author")
        .prefetch_related(Prefetch("checks", queryset=checks), "target_personas")
        .order_by("-number")
    )


def author_track_record(*, user, last: int = 10) -> dict:
    """Of the writer's last `last` revisions (any message), how many rested on each basis."""
    recent = list(
        AssumptionCheck.objects.filter(revision__author=user).order_by("-created_at", "-id").values_list("basis", flat=True)[:last]
    )
    counts = {basis: recent.count(basis) for basis in BASES.values}
    return {"total": len(recent), "counts": counts, "labels": dict(BASES.choices),
            "preference_share": round(100 * counts[BASES.PREFERENCE] / len(recent)) if recent else 0}


def relevant_evidence(*, personas, limit: int = 6):
    """The targeted personas' claims, best-supported first: what the writer could rest the message on."""
    persona_ids = [p.pk for p in personas]
    if not persona_ids:
        return []
    policy = evidence_policy()
    claims = list(claims_with_strength(persona_ids=persona_ids, policy=policy).select_related("persona"))
    for claim in claims:
        claim.strength = strength_level(claim, policy)
        claim.shortfalls = claim_shortfalls(claim, policy)
    claims.sort(key=lambda c: (-c.participant_count, -c.support_count, c.persona.name))
    return claims[:limit] if limit else claims


def messages_waiting_for_evidence(*, limit: int = 20):
    """Active messages not (yet) grounded in customer evidence, waiting longest first."""
    return list(
        Message.objects.exclude(status__in=[Message.Status.ARCHIVED, Message.Status.APPROVED])
        .exclude(grounding=Grounding.GROUNDED).select_related("author").order_by("updated_at", "id")[:limit]
    )


def messages_awaiting_review(*, limit: int = 6):
    """Messages someone must look at: submitted for approval, or whose cited evidence changed since the check."""
    return list(
        Message.objects.exclude(status=Message.Status.ARCHIVED)
        .filter(Q(status=Message.Status.IN_REVIEW) | ~Q(attention_reason=""))
        .select_related("author").order_by("updated_at", "id")[:limit]
    )


def targetable_personas():
    """The personas a message can be written for."""
    return Persona.objects.exclude(status=Persona.Status.ARCHIVED).order_by("name")


def evidence_voices(*, claim_ids, highlight_ids) -> int:
    """Distinct voices behind the evidence (participants, and unmapped customer speakers once per interview):
    cited highlights plus supporting citations of cited claims.

    Two plain queries (the claims' highlight ids, then the voices of highlights by primary key) rather than one
    join from citations through highlights to speakers: under row-level security on tables without fresh
    statistics, the planner chose a near cross join for that chain."""
    supporting = Citation.objects.filter(claim_id__in=list(claim_ids), stance=Citation.Stance.SUPPORTS)
    cited = set(highlight_ids) | set(supporting.values_list("highlight_id", flat=True))
    if not cited:
        return 0
    return len(set(Highlight.objects.filter(pk__in=sorted(cited)).annotate(who=voice()).filter(
        who__isnull=False).values_list("who", flat=True)))


def grounding_of(*, basis: str, voices: int, own_taste: int) -> tuple[str, bool]:
    """(grounding, projection risk) from the answers and the evidence that exists now."""
    policy = evidence_policy()
    if basis in (BASES.PREFERENCE, BASES.HYPOTHESIS, BASES.STAKEHOLDER) or voices == 0:
        grounding = Grounding.UNGROUNDED
    elif basis == BASES.INSIGHT and voices >= policy.min_participants:
        grounding = Grounding.GROUNDED
    else:
        grounding = Grounding.PARTLY
    projection_risk = own_taste >= PROJECTION_TASTE and voices < policy.min_participants
    return grounding, projection_risk


def checks_citing(*, highlight_ids=(), claim_ids=()) -> set[int]:
    """Checks whose evidence involves these highlights or claims (directly or through a claim's citations)."""
    highlight_ids, claim_ids = list(highlight_ids), list(claim_ids)
    via_claims = set(Citation.objects.filter(highlight_id__in=highlight_ids).values_list("claim_id", flat=True))
    claims = set(claim_ids) | via_claims
    return set(
        AssumptionCheck.objects.filter(Q(highlight_links__highlight_id__in=highlight_ids) | Q(claim_links__claim_id__in=claims))
        .values_list("pk", flat=True)
        .distinct()
    )


def _share_rows(rows, key):
    """{key: {"total": n, basis: count, ..., "pct": {basis: percent}}} from (key, basis, count) rows."""
    table: OrderedDict = OrderedDict()
    for row in rows:
        entry = table.setdefault(row[key], {"total": 0, **{b: 0 for b in BASES.values}})
        entry[row["basis"]] += row["n"]
        entry["total"] += row["n"]
    for entry in table.values():
        entry["pct"] = {b: round(100 * entry[b] / entry["total"]) if entry["total"] else 0 for b in BASES.values}
        # Where each basis's segment starts in a stacked bar (percent).
        offset, entry["offsets"] = 0, {}
        for b in BASES.values:
            entry["offsets"][b] = offset
            offset += entry["pct"][b]
    return table


def _author_names(emails) -> dict[str, str]:
    """Email -> the name people see everywhere else (display_name); two people sharing a name get their email too."""
    users = list(User.objects.filter(email__in={e for e in emails if e}))
    taken = [u.display_name for u in users]
    return {u.email: u.display_name if taken.count(u.display_name) == 1 else f"{u.display_name} ({u.email})" for u in users}


def basis_dashboard() -> dict:
    """Share of revisions by basis: over time, by channel, by persona, by author; the taste/prediction gap."""
    checks = AssumptionCheck.objects.all()
    by_month = _share_rows(
        checks.annotate(month=TruncMonth("created_at")).values("month", "basis").annotate(n=Count("id")).order_by("month"),
        "month",
    )
    by_channel = _share_rows(
        checks.values("revision__message__channel", "basis").annotate(n=Count("id")).order_by("revision__message__channel"),
        "revision__message__channel",
    )
    by_persona = _share_rows(
        RevisionPersona.objects.values("persona__name", basis=F("revision__checks__basis"))
        .annotate(n=Count("revision", distinct=True)).order_by("persona__name"),
        "persona__name",
    )
    by_author = _share_rows(
        checks.values("answered_by__email", "basis").annotate(n=Count("id")).order_by("answered_by__email"),
        "answered_by__email",
    )
    gaps = list(
        checks.values("answered_by__email")
        .annotate(taste=Avg("own_taste"), prediction=Avg("predicted_reaction"), n=Count("id"),
                  risky=Count("id", filter=Q(projection_risk=True)))
        .order_by("answered_by__email")
    )
    names = _author_names([*by_author, *(gap["answered_by__email"] for gap in gaps)])
    by_author = OrderedDict((names.get(email, email), entry) for email, entry in by_author.items())
    for gap in gaps:
        gap["gap"] = round((gap["taste"] or 0) - (gap["prediction"] or 0), 2)
        gap["author"] = names.get(gap["answered_by__email"], gap["answered_by__email"])
    stakeholder_labels = dict(AssumptionCheck.Stakeholder.choices)
    by_stakeholder = [
        {"stakeholder": stakeholder_labels.get(row["stakeholder"], row["stakeholder"]), "n": row["n"]}
        for row in checks.filter(basis=BASES.STAKEHOLDER).values("stakeholder").annotate(n=Count("id")).order_by("-n", "stakeholder")
    ]
    waiting = messages_waiting_for_evidence(limit=20)
    totals = checks.aggregate(total=Count("id"), **{b: Count("id", filter=Q(basis=b)) for b in BASES.values},
                              risky=Count("id", filter=Q(projection_risk=True)))
    return {
        "by_month": by_month, "by_channel": by_channel, "by_persona": by_persona, "by_author": by_author,
        "gaps": gaps, "waiting": waiting, "totals": totals, "by_stakeholder": by_stakeholder, "bases": BASES.choices,
        "channel_labels": dict(Message.Channel.choices),
    }


def message_review_history(*, message: Message):
    """The message's review steps (requests, comments, approvals), oldest first, with who took them."""
    return list(MessageReview.objects.filter(message=message).select_related("actor", "reviewer").order_by("created_at", "id"))
