"""Writes for personas, claims, citations, the evidence policy and publishing."""

import re

from django.core.exceptions import ValidationError
from django.urls import reverse

from empathy_site.model_update import UNCHANGED, model_update
from empathy_site.sync.webhooks import emit
from empathy_site.tenancy.audit import AuditAction, audit_record
from empathy_site.tenancy.concurrency import Conflict, unique_or_conflict
from empathy_site.tenancy.context import require_org_id, tenant_atomic
from empathy_site.tenancy.models import Organization, User
from empathy_site.tenancy.notifications import notify
from empathy_site.tenancy.selectors import is_member
from empathy_site.text import plural, quoted
from interviews.models import Highlight
from interviews.selectors import coding

from .. import selectors
from ..models import AssumptionCheck, Citation, Claim, EvidencePolicy, Persona, PersonaVersion
from ..models.personas import AVATAR_COLOURS
from .messages import messages_recompute

# What the update services may change (model_update refuses any other name).
POLICY_FIELDS = ("min_citations", "min_participants", "max_evidence_age_months", "segment_attribute",
                 "records_visible_to_all", "instruction_experiment", "exercise_names_visible")
PERSONA_FIELDS = ("name", "summary", "segment", "owner", "avatar_colour")
CLAIM_FIELDS = ("kind", "statement", "order")


class PolicyNotMet(ValidationError):
    """Publishing refused; `report` lists each claim that falls short and why."""

    def __init__(self, report):
        self.report = report
        lines = [f"{quoted(s.claim.statement, 80)}: {'; '.join(s.reasons)}" for s in report]
        super().__init__("Not published. " + " · ".join(lines), code="policy_not_met")


def _persona_url(persona: Persona) -> str:
    slug = Organization.objects.filter(pk=persona.organization_id).values_list("slug", flat=True).first()
    return reverse("persona_detail", args=[slug, persona.public_id])


def _touch(persona_id: int) -> None:
    """Claims and citations changed: the persona changed too (sync consumers watch updated_at and the feed)."""
    Persona.objects.get(pk=persona_id).save(update_fields=["updated_at"])


# Policy -----------------------------------------------------------------------


@tenant_atomic()
def evidence_policy_update(
    *,
    min_citations: int = UNCHANGED,
    min_participants: int = UNCHANGED,
    max_evidence_age_months: int | None = UNCHANGED,
    segment_attribute: str = UNCHANGED,
    records_visible_to_all: bool = UNCHANGED,
    instruction_experiment: bool = UNCHANGED,
    exercise_names_visible: bool = UNCHANGED,
    by: User | None = None,
) -> EvidencePolicy:
    """Change the fields given (the others keep their value); re-check published personas and messages.
    The policy returned carries `restored_personas`: those in review that a looser policy published again."""
    policy = EvidencePolicy.objects.select_for_update().first() or EvidencePolicy(organization_id=require_org_id())
    before = {f: getattr(policy, f) for f in POLICY_FIELDS}
    model_update(policy, fields=POLICY_FIELDS, data={
        "min_citations": min_citations, "min_participants": min_participants,
        "max_evidence_age_months": max_evidence_age_months, "segment_attribute": segment_attribute,
        "records_visible_to_all": records_visible_to_all, "instruction_experiment": instruction_experiment,
        "exercise_names_visible": exercise_names_visible,
    })
    if not policy.min_citations or policy.min_citations < 1 or not policy.min_participants or policy.min_participants < 1:
        raise ValidationError("A claim needs at least one citation from at least one participant.")
    if policy.min_participants > policy.min_citations:
        raise ValidationError({"min_participants": "Can't ask for more participants than citations."})
    # The fields' bounds (validators on the model), checked here so forms, API and callers all get them.
    policy.full_clean(exclude=["organization", "public_id", "updated_by"], validate_unique=False, validate_constraints=False)
    policy.updated_by = by
    policy.save()
    after = {f: getattr(policy, f) for f in before}
    audit_record(action=AuditAction.EVIDENCE_POLICY_CHANGED, organization=policy.organization, actor=by,
                 target_label="evidence policy", details={"from": before, "to": after})
    personas_recheck(persona_ids=Persona.objects.filter(status=Persona.Status.PUBLISHED).values_list("pk", flat=True),
                     reason="The evidence policy changed")
    policy.restored_personas = personas_review_clear(
        persona_ids=Persona.objects.filter(status=Persona.Status.NEEDS_REVIEW).values_list("pk", flat=True),
        reason="the evidence policy changed",
    )
    messages_recompute(check_ids=AssumptionCheck.objects.exclude(revision__message__status="archived").values_list("pk", flat=True),
                       reason="The evidence policy changed")
    return policy


# Personas -----------------------------------------------------------------------


def _check_segment(segment) -> dict:
    if not isinstance(segment, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in segment.items()):
        raise ValidationError({"segment": "Describe the segment as attribute/value pairs, e.g. role: procurement."})
    return {k.strip(): v.strip() for k, v in segment.items() if k.strip()}


def _check_name(name: str, exclude_pk=None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "A persona needs a name."})
    if Persona.objects.filter(name__iexact=name).exclude(pk=exclude_pk).exists():
        raise Conflict({"name": _name_taken(name)})
    return name


def _name_taken(name: str) -> str:
    return f"A persona called “{name}” already exists."


def _check_colour(colour) -> str:
    if not isinstance(colour, str) or not re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
        raise ValidationError({"avatar_colour": "Give the colour as #rrggbb, e.g. #6366f1."})
    return colour.lower()


@tenant_atomic()
def persona_create(
    *,
    name: str,
    summary: str = "",
    segment: dict | None = None,
    owner: User | None = None,
    avatar_colour: str | None = None,
    by: User | None = None,
) -> Persona:
    name = _check_name(name)
    colour = _check_colour(avatar_colour) if avatar_colour else AVATAR_COLOURS[Persona.objects.count() % len(AVATAR_COLOURS)]
    with unique_or_conflict("persona_org_name_uniq", "name", _name_taken(name)):
        return Persona.objects.create(
            organization_id=require_org_id(), name=name, summary=summary or "", segment=_check_segment(segment or {}),
            owner=owner or by, avatar_colour=colour,
        )


@tenant_atomic()
def persona_update(
    *,
    persona: Persona,
    name: str = UNCHANGED,
    summary: str = UNCHANGED,
    segment: dict | None = UNCHANGED,
    owner: User | None = UNCHANGED,
    avatar_colour: str | None = UNCHANGED,
    by: User | None = None,
) -> Persona:
    """Change the fields given; the others keep their value (an avatar_colour of None keeps it too)."""
    if name is not UNCHANGED:
        name = _check_name(name, exclude_pk=persona.pk)
    if summary is not UNCHANGED:
        summary = summary or ""
    if segment is not UNCHANGED:
        segment = _check_segment(segment or {})
    if owner is not UNCHANGED and owner is not None:
        if not is_member(user=owner, organization=persona.organization_id):
            raise ValidationError({"owner": "The owner must be a member of this organisation."})
    if avatar_colour is None:
        avatar_colour = UNCHANGED
    elif avatar_colour is not UNCHANGED:
        avatar_colour = _check_colour(avatar_colour)
    model_update(persona, fields=PERSONA_FIELDS, data={
        "name": name, "summary": summary, "segment": segment, "owner": owner, "avatar_colour": avatar_colour,
    })
    with unique_or_conflict("persona_org_name_uniq", "name", _name_taken(persona.name)):
        persona.save()
    return persona


@tenant_atomic()
def persona_archive(*, persona: Persona, by: User | None = None) -> Persona:
    persona.status = Persona.Status.ARCHIVED
    persona.save(update_fields=["status", "updated_at"])
    return persona


@tenant_atomic()
def persona_delete(*, persona: Persona, by: User | None = None) -> None:
    audit_record(action=AuditAction.PERSONA_DELETED, organization=persona.organization, actor=by, target=persona)
    persona.delete()  # the changes feed records the persona, its claims and citations as deleted


# Claims and citations ----------------------------------------------------------------


def _check_claim(kind: str, statement: str) -> tuple[str, str]:
    if kind not in Claim.Kind.values:
        raise ValidationError({"kind": f"Choose one of: {', '.join(Claim.Kind.values)}."})
    statement = (statement or "").strip()
    if not statement:
        raise ValidationError({"statement": "Write the claim as a sentence about the customer."})
    return kind, statement


def _check_order(claim: Claim) -> None:
    claim.clean_fields(exclude=[f.name for f in Claim._meta.concrete_fields if f.name != "order"])


@tenant_atomic()
def claim_create(*, persona: Persona, kind: str, statement: str, order: int | None = None, by: User | None = None) -> Claim:
    kind, statement = _check_claim(kind, statement)
    if order is None:
        last = persona.claims.order_by("-order").values_list("order", flat=True).first()
        order = min((last or 0) + 1, Claim.MAX_ORDER)  # after the last; ties at the bound keep creation order
    claim = Claim(organization_id=persona.organization_id, persona=persona, kind=kind, statement=statement, order=order)
    _check_order(claim)
    claim.save()
    _touch(persona.pk)
    # A new claim has no evidence yet: a published persona now has an unsupported claim.
    personas_recheck(persona_ids=[persona.pk], reason=f"The claim {quoted(statement, 60)} was added without evidence")
    return claim


@tenant_atomic()
def claim_update(
    *,
    claim: Claim,
    kind: str = UNCHANGED,
    statement: str = UNCHANGED,
    order: int | None = UNCHANGED,
    by: User | None = None,
) -> Claim:
    """Change the fields given; the others keep their value (an order of None keeps it too)."""
    kind, statement = _check_claim(claim.kind if kind is UNCHANGED else kind,
                                   claim.statement if statement is UNCHANGED else statement)
    if order is None:
        order = UNCHANGED
    model_update(claim, fields=CLAIM_FIELDS, data={"kind": kind, "statement": statement, "order": order})
    if order is not UNCHANGED:
        _check_order(claim)
    claim.save()
    _touch(claim.persona_id)
    return claim


@tenant_atomic()
def claim_delete(*, claim: Claim, by: User | None = None) -> None:
    persona_id = claim.persona_id
    checks = selectors.checks_citing(claim_ids=[claim.pk])
    claim.delete()
    _touch(persona_id)
    messages_recompute(check_ids=checks, reason=f"The claim {quoted(claim.statement, 60)} was deleted")


@tenant_atomic()
def citation_create(
    *, claim: Claim, highlight: Highlight, stance: str = Citation.Stance.SUPPORTS, note: str = "", by: User | None = None
) -> Citation:
    # Not yours = does not exist; the database refuses it too (same-org composite key).
    if highlight.organization_id != claim.organization_id:
        raise ValidationError({"highlight": "No such highlight."})
    if stance not in Citation.Stance.values:
        raise ValidationError({"stance": "Choose supports or contradicts."})
    if not coding.highlight_is_citable(highlight=highlight):
        instead = [str(h.public_id) for h in coding.reconciled_highlights_over(highlight=highlight)]
        raise ValidationError({"highlight": (
            "The team has reconciled the coding here: this coder's highlight is no longer offered as evidence. "
            + (f"Cite the reconciled highlight instead ({', '.join(instead)})." if instead
               else "The team discarded it.")
        )})
    cited = "This claim already cites that highlight."
    if Citation.objects.filter(claim=claim, highlight=highlight).exists():
        raise Conflict({"highlight": cited})
    with unique_or_conflict("citation_once_per_claim", "highlight", cited):
        citation = Citation.objects.create(
            organization_id=claim.organization_id, claim=claim, highlight=highlight, stance=stance, note=note or "",
            created_by=by,
        )
    _touch(claim.persona_id)
    return citation


@tenant_atomic()
def citation_delete(*, citation: Citation, by: User | None = None) -> None:
    persona_id = citation.claim.persona_id
    checks = selectors.checks_citing(claim_ids=[citation.claim_id])
    citation.delete()
    _touch(persona_id)
    personas_recheck(persona_ids=[persona_id], reason="A citation was removed")
    messages_recompute(check_ids=checks, reason="A citation behind a cited claim was removed")


# Publishing and re-checking -------------------------------------------------------------


@tenant_atomic()
def persona_publish(*, persona: Persona, by: User | None = None) -> PersonaVersion:
    """Checks every claim against the policy; publishes all or nothing and keeps a snapshot."""
    persona = Persona.objects.select_for_update().get(pk=persona.pk)
    if persona.status == Persona.Status.ARCHIVED:
        raise ValidationError("Archived personas can't be published; restore it as a draft first.")
    if not persona.claims.exists():
        raise ValidationError("Add at least one claim, each backed by evidence, before publishing.")
    report = selectors.persona_policy_report(persona=persona)
    if report:
        raise PolicyNotMet(report)
    number = persona.current_version + 1
    version = PersonaVersion.objects.create(
        organization_id=persona.organization_id, persona=persona, number=number,
        published_by=by, snapshot=selectors.persona_snapshot(persona=persona),
    )
    persona.status = Persona.Status.PUBLISHED
    persona.current_version = number
    persona.published_at = version.published_at
    persona.review_reason = ""
    persona.save(update_fields=["status", "current_version", "published_at", "review_reason", "updated_at"])
    emit("persona.published", persona)
    return version


@tenant_atomic()
def persona_unpublish(*, persona: Persona, by: User | None = None) -> Persona:
    persona.status = Persona.Status.DRAFT
    persona.save(update_fields=["status", "updated_at"])
    return persona


def personas_recheck(*, persona_ids, reason: str) -> list[Persona]:
    """Published personas among these that no longer meet the policy become "needs review",
    and their owners are told. Returns the personas that changed. Runs in the caller's transaction."""
    flagged = []
    policy = selectors.evidence_policy()
    for persona in Persona.objects.filter(pk__in=list(persona_ids), status=Persona.Status.PUBLISHED).select_for_update():
        report = selectors.persona_policy_report(persona=persona, policy=policy)
        if not report:
            continue
        details = " · ".join(f"{quoted(s.claim.statement, 60)}: {'; '.join(s.reasons)}" for s in report)
        persona.status = Persona.Status.NEEDS_REVIEW
        persona.review_reason = f"{reason}. {details}"[:2000]
        persona.save(update_fields=["status", "review_reason", "updated_at"])
        emit("persona.needs_review", persona)
        notify(
            user=persona.owner, kind="persona_needs_review",
            message=f"“{persona.name}” needs review: {reason.lower()}; {plural(len(report), 'claim')} now {'falls' if len(report) == 1 else 'fall'} short.",
            link=_persona_url(persona),
        )
        flagged.append(persona)
    return flagged


def personas_review_clear(*, persona_ids, reason: str) -> list[Persona]:
    """Personas in "needs review" among these whose every claim meets the policy again go back to "published"
    (the only state that review is entered from), and their owners are told. Runs in the caller's transaction."""
    restored = []
    policy = selectors.evidence_policy()
    for persona in Persona.objects.filter(pk__in=list(persona_ids), status=Persona.Status.NEEDS_REVIEW).select_for_update():
        if not persona.claims.exists() or selectors.persona_policy_report(persona=persona, policy=policy):
            continue
        persona.status = Persona.Status.PUBLISHED
        persona.review_reason = ""
        persona.save(update_fields=["status", "review_reason", "updated_at"])
        notify(
            user=persona.owner, kind="persona_review_cleared",
            message=f"“{persona.name}” is published again: {reason}, and every claim now meets it.",
            link=_persona_url(persona),
        )
        restored.append(persona)
    return restored


def persona_snapshots_rewrite(*, quotes: dict[str, str], scrub=None) -> int:
    """Published snapshots keep every citation (history) but take a highlight's new quote; `scrub`, when an
    erasure gives one, removes the erased person's words from the whole snapshot. Returns how many changed."""
    changed = 0
    for version in PersonaVersion.objects.all():
        touched = False
        for claim in version.snapshot.get("claims", []):
            for citation in claim.get("citations", []):
                if citation.get("highlight") in quotes:
                    citation["quote"] = quotes[citation["highlight"]]
                    touched = True
        if scrub is not None:
            scrubbed = scrub(version.snapshot)
            touched, version.snapshot = touched or scrubbed != version.snapshot, scrubbed
        if touched:
            version.save(update_fields=["snapshot"])
            changed += 1
    return changed
