"""Writes for personas, claims, citations, the evidence policy and publishing."""

from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.urls import reverse

from empathy_site.sync.webhooks import emit
from empathy_site.tenancy.audit import audit_record
from empathy_site.tenancy.concurrency import Conflict, unique_or_conflict
from empathy_site.tenancy.context import require_org_id, tenant_atomic
from empathy_site.tenancy.models import Membership, Notification, Organization
from interviews.models import Highlight

from .. import selectors
from ..models import Citation, Claim, EvidencePolicy, Persona, PersonaVersion

AVATAR_COLOURS = ["#6366f1", "#0ea5e9", "#10b981", "#f59e0b", "#ef4444", "#8b5cf6", "#ec4899", "#14b8a6"]


class PolicyNotMet(ValidationError):
    """Publishing refused; `report` lists each claim that falls short and why."""

    def __init__(self, report, message=None):
        self.report = report
        if message is None:
            lines = [f"“{s.claim.statement[:80]}”: {'; '.join(s.reasons)}" for s in report]
            message = "Not published. " + " · ".join(lines)
        super().__init__(message, code="policy_not_met")


def notify(*, user, kind: str, message: str, link: str = "") -> None:
    if user is None:
        return
    Notification.objects.create(organization_id=require_org_id(), user=user, kind=kind, message=message[:500], link=link)


def _persona_url(persona: Persona) -> str:
    slug = Organization.objects.filter(pk=persona.organization_id).values_list("slug", flat=True).first()
    return reverse("persona_detail", args=[slug, persona.public_id])


def _touch(persona_id: int) -> None:
    """Claims and citations changed: the persona changed too (sync consumers watch updated_at and the feed)."""
    Persona.objects.get(pk=persona_id).save(update_fields=["updated_at"])


# Policy -----------------------------------------------------------------------


@tenant_atomic()
def evidence_policy_update(*, by=None, request=None, **values) -> EvidencePolicy:
    policy = EvidencePolicy.objects.select_for_update().first() or EvidencePolicy(organization_id=require_org_id())
    before = {f: getattr(policy, f) for f in ("min_citations", "min_participants", "max_evidence_age_months", "segment_attribute")}
    for field, value in values.items():
        if field in before:
            setattr(policy, field, value)
    if not policy.min_citations or policy.min_citations < 1 or not policy.min_participants or policy.min_participants < 1:
        raise ValidationError("A claim needs at least one citation from at least one participant.")
    if policy.min_participants > policy.min_citations:
        raise ValidationError({"min_participants": "Can't ask for more participants than citations."})
    # The fields' bounds (validators on the model), checked here so forms, API and callers all get them.
    policy.full_clean(exclude=["organization", "public_id", "updated_by"], validate_unique=False, validate_constraints=False)
    policy.updated_by = by if getattr(by, "email", None) else None
    policy.save()
    after = {f: getattr(policy, f) for f in before}
    audit_record(action="evidence_policy_changed", organization=policy.organization, actor=by, request=request,
                 target_label="evidence policy", details={"from": before, "to": after})
    personas_recheck(persona_ids=Persona.objects.filter(status=Persona.Status.PUBLISHED).values_list("pk", flat=True),
                     reason="The evidence policy changed")
    from ..models import AssumptionCheck
    from .messages import messages_recompute

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
    import re

    if not isinstance(colour, str) or not re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
        raise ValidationError({"avatar_colour": "Give the colour as #rrggbb, e.g. #6366f1."})
    return colour.lower()


@tenant_atomic()
def persona_create(*, name: str, summary: str = "", segment=None, owner=None, avatar_colour: str | None = None, by=None) -> Persona:
    name = _check_name(name)
    colour = _check_colour(avatar_colour) if avatar_colour else AVATAR_COLOURS[Persona.objects.count() % len(AVATAR_COLOURS)]
    with unique_or_conflict("persona_org_name_uniq", "name", _name_taken(name)):
        return Persona.objects.create(
            organization_id=require_org_id(), name=name, summary=summary or "", segment=_check_segment(segment or {}),
            owner=owner or (by if getattr(by, "email", None) else None), avatar_colour=colour,
        )


@tenant_atomic()
def persona_update(*, persona: Persona, by=None, **values) -> Persona:
    if "name" in values:
        persona.name = _check_name(values["name"], exclude_pk=persona.pk)
    if "summary" in values:
        persona.summary = values["summary"] or ""
    if "segment" in values:
        persona.segment = _check_segment(values["segment"] or {})
    if "owner" in values:
        owner = values["owner"]
        if owner is not None and not Membership.objects.filter(organization_id=persona.organization_id, user=owner).exists():
            raise ValidationError({"owner": "The owner must be a member of this organisation."})
        persona.owner = owner
    if "avatar_colour" in values and values["avatar_colour"] is not None:
        persona.avatar_colour = _check_colour(values["avatar_colour"])
    with unique_or_conflict("persona_org_name_uniq", "name", _name_taken(persona.name)):
        persona.save()
    return persona


@tenant_atomic()
def persona_archive(*, persona: Persona, by=None) -> Persona:
    persona.status = Persona.Status.ARCHIVED
    persona.save(update_fields=["status", "updated_at"])
    return persona


@tenant_atomic()
def persona_delete(*, persona: Persona, by=None, request=None) -> None:
    audit_record(action="persona_deleted", organization=persona.organization, actor=by, target=persona, request=request)
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
def claim_create(*, persona: Persona, kind: str, statement: str, order: int | None = None, by=None) -> Claim:
    kind, statement = _check_claim(kind, statement)
    if order is None:
        last = persona.claims.order_by("-order").values_list("order", flat=True).first()
        order = min((last or 0) + 1, Claim.MAX_ORDER)  # after the last; ties at the bound keep creation order
    claim = Claim(organization_id=persona.organization_id, persona=persona, kind=kind, statement=statement, order=order)
    _check_order(claim)
    claim.save()
    _touch(persona.pk)
    # A new claim has no evidence yet: a published persona now has an unsupported claim.
    personas_recheck(persona_ids=[persona.pk], reason=f"The claim “{statement[:60]}” was added without evidence")
    return claim


@tenant_atomic()
def claim_update(*, claim: Claim, by=None, **values) -> Claim:
    kind, statement = _check_claim(values.get("kind", claim.kind), values.get("statement", claim.statement))
    claim.kind, claim.statement = kind, statement
    if values.get("order") is not None:
        claim.order = values["order"]
        _check_order(claim)
    claim.save()
    _touch(claim.persona_id)
    return claim


@tenant_atomic()
def claim_delete(*, claim: Claim, by=None) -> None:
    from .messages import checks_citing, messages_recompute

    persona_id = claim.persona_id
    checks = checks_citing(claim_ids=[claim.pk])
    claim.delete()
    _touch(persona_id)
    messages_recompute(check_ids=checks, reason=f"The claim “{claim.statement[:60]}” was deleted")


@tenant_atomic()
def citation_create(*, claim: Claim, highlight: Highlight, stance: str = Citation.Stance.SUPPORTS, note: str = "", by=None) -> Citation:
    # Not yours = does not exist; the database refuses it too (same-org composite key).
    if highlight.organization_id != claim.organization_id:
        raise ValidationError({"highlight": "No such highlight."})
    if stance not in Citation.Stance.values:
        raise ValidationError({"stance": "Choose supports or contradicts."})
    cited = "This claim already cites that highlight."
    if Citation.objects.filter(claim=claim, highlight=highlight).exists():
        raise Conflict({"highlight": cited})
    with unique_or_conflict("citation_once_per_claim", "highlight", cited):
        citation = Citation.objects.create(
            organization_id=claim.organization_id, claim=claim, highlight=highlight, stance=stance, note=note or "",
            created_by=by if getattr(by, "email", None) else None,
        )
    _touch(claim.persona_id)
    return citation


@tenant_atomic()
def citation_delete(*, citation: Citation, by=None) -> None:
    from .messages import checks_citing, messages_recompute

    persona_id = citation.claim.persona_id
    checks = checks_citing(claim_ids=[citation.claim_id])
    citation.delete()
    _touch(persona_id)
    personas_recheck(persona_ids=[persona_id], reason="A citation was removed")
    messages_recompute(check_ids=checks, reason="A citation behind a cited claim was removed")


# Publishing and re-checking -------------------------------------------------------------


def _snapshot(persona: Persona) -> dict:
    _, claims = selectors.persona_detail(persona=persona)
    return {
        "name": persona.name,
        "summary": persona.summary,
        "segment": persona.segment,
        "claims": [
            {
                "id": str(claim.public_id), "kind": claim.kind, "statement": claim.statement,
                "support_count": claim.support_count, "participant_count": claim.participant_count,
                "citations": [
                    {
                        "highlight": str(c.highlight.public_id), "stance": c.stance, "quote": c.highlight.quote,
                        "participant": c.highlight.participant.pseudonym if c.highlight.participant_id else None,
                        "interview": c.highlight.interview.title,
                    }
                    for c in claim.citations.all()
                ],
            }
            for claim in claims
        ],
    }


@tenant_atomic()
def persona_publish(*, persona: Persona, by=None) -> PersonaVersion:
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
        published_by=by if getattr(by, "email", None) else None, snapshot=_snapshot(persona),
    )
    persona.status = Persona.Status.PUBLISHED
    persona.current_version = number
    persona.published_at = version.published_at
    persona.review_reason = ""
    persona.save(update_fields=["status", "current_version", "published_at", "review_reason", "updated_at"])
    emit("persona.published", persona)
    return version


@tenant_atomic()
def persona_unpublish(*, persona: Persona, by=None) -> Persona:
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
        details = " · ".join(f"“{s.claim.statement[:60]}”: {'; '.join(s.reasons)}" for s in report)
        persona.status = Persona.Status.NEEDS_REVIEW
        persona.review_reason = f"{reason}. {details}"[:2000]
        persona.save(update_fields=["status", "review_reason", "updated_at"])
        emit("persona.needs_review", persona)
        notify(
            user=persona.owner, kind="persona_needs_review",
            message=f"“{persona.name}” needs review: {reason.lower()}; {len(report)} claim{'s' if len(report) != 1 else ''} now fall short.",
            link=_persona_url(persona),
        )
        flagged.append(persona)
    return flagged


@contextmanager
def evidence_change(*, highlights=None, reason: str):
    """Wrap a change that removes or alters evidence.

    Which personas cite the evidence is read before the change (a deletion
    takes the citations with it); they are re-checked after it, in the same
    transaction.
    """
    from .messages import checks_citing, messages_recompute

    highlight_ids = list(highlights.values_list("pk", flat=True)) if hasattr(highlights, "values_list") else list(highlights or [])
    affected = selectors.personas_citing(highlight_ids=highlight_ids) if highlight_ids else set()
    checks = checks_citing(highlight_ids=highlight_ids) if highlight_ids else set()
    yield affected
    if affected:
        personas_recheck(persona_ids=affected, reason=reason)
    if checks:
        messages_recompute(check_ids=checks, reason=reason)


