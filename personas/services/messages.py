"""Messages: every write of a body or targets is a revision with its assumption check.

There is no way to change a message's words without answering the check:
`message_create` and `message_revise` take the check as a required argument.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from empathy_site.model_update import UNCHANGED, model_update
from empathy_site.sync.capture import one_change
from empathy_site.sync.webhooks import emit
from empathy_site.tenancy.audit import AuditAction, audit_record
from empathy_site.tenancy.context import require_org_id, tenant_atomic
from empathy_site.tenancy.models import Membership, NotificationKind, Organization, User
from empathy_site.tenancy.notifications import notify
from empathy_site.text import quoted

from ..models import (
    AssumptionCheck,
    CheckClaim,
    CheckHighlight,
    EvidencePolicy,
    Message,
    MessageReview,
    MessageRevision,
    Persona,
    RevisionPersona,
)
from ..models.messages import Grounding
from ..selectors import evidence_policy, evidence_voices, grounding_of


class SelfApprovalRefused(ValidationError):
    """Four-eyes review is on and the approver wrote the message (the API answers 403 `self_approval`)."""

# What message_update may change: none of them touches the words, so none needs a check.
MESSAGE_META_FIELDS = ("title", "channel", "status")


@dataclass
class CheckAnswers:
    """What the writer answers on every revision."""

    basis: str
    own_taste: int
    predicted_reaction: int
    predicted_customer_words: str = ""
    rationale: str = ""
    # Whose constraint it is, when basis is stakeholder (finance, engineering, legal, brand, sales, other).
    stakeholder: str = ""
    # Whether the writer saw the perspective instruction on the form that asked these questions.
    instruction_shown: bool = False
    claims: list = field(default_factory=list)
    highlights: list = field(default_factory=list)


def _validate_check(answers: CheckAnswers, targets: list[Persona]) -> None:
    errors = {}
    if answers.basis not in AssumptionCheck.Basis.values:
        errors["basis"] = "Say what the message rests on: insight, preference, mix, hypothesis or stakeholder."
    if answers.basis == AssumptionCheck.Basis.STAKEHOLDER:
        if answers.stakeholder not in AssumptionCheck.Stakeholder.values:
            errors["stakeholder"] = f"Say whose constraint it is: {', '.join(AssumptionCheck.Stakeholder.values)}."
    elif answers.stakeholder:
        errors["stakeholder"] = "Name a stakeholder only when the message rests on a stakeholder constraint."
    if not isinstance(answers.instruction_shown, bool):
        errors["instruction_shown"] = "Say true or false."
    for name in ("own_taste", "predicted_reaction"):
        value = getattr(answers, name)
        if not isinstance(value, int) or not 1 <= value <= 5:
            errors[name] = "Answer on the scale from 1 to 5."
    if answers.basis in (AssumptionCheck.Basis.INSIGHT, AssumptionCheck.Basis.MIX) and not (answers.claims or answers.highlights):
        errors["evidence"] = "A message that rests on customer insight must cite the claims or highlights it rests on."
    org_id = require_org_id()
    target_ids = {p.pk for p in targets}
    for claim in answers.claims:
        if claim.organization_id != org_id:
            errors["claims"] = "No such claim."
        elif claim.persona_id not in target_ids:
            errors["claims"] = f"The claim {quoted(claim.statement, 60)} belongs to a persona this message does not target."
    for highlight in answers.highlights:
        if highlight.organization_id != org_id:
            errors["highlights"] = "No such highlight."
        elif highlight.participant_id and not highlight.participant.quotable_in_marketing:
            errors["highlights"] = (
                f"{quoted(highlight.quote, 60)} is from {highlight.participant.pseudonym}, whose consent does not cover "
                "marketing use; it can't be cited by a message."
            )
    if errors:
        raise ValidationError(errors)


def _validate_targets(targets) -> list[Persona]:
    targets = list(dict.fromkeys(targets or []))
    org_id = require_org_id()
    for persona in targets:
        if persona.organization_id != org_id:
            raise ValidationError({"target_personas": "No such persona."})
    return targets


def _message_url(message: Message) -> str:
    slug = Organization.objects.filter(pk=message.organization_id).values_list("slug", flat=True).first()
    return reverse("message_detail", args=[slug, message.public_id])


def _write_revision(message: Message, body: str, targets: list[Persona], answers: CheckAnswers, by: User | None) -> MessageRevision:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write the message."})
    targets = _validate_targets(targets)
    _validate_check(answers, targets)
    message.revision_count += 1
    revision = MessageRevision.objects.create(
        organization_id=message.organization_id, message=message, number=message.revision_count, body=body, author=by,
    )
    RevisionPersona.objects.bulk_create(
        [RevisionPersona(organization_id=message.organization_id, revision=revision, persona=p) for p in targets]
    )
    voices = evidence_voices(claim_ids=[c.pk for c in answers.claims], highlight_ids=[h.pk for h in answers.highlights])
    grounding, risk = grounding_of(basis=answers.basis, voices=voices, own_taste=answers.own_taste)
    check = AssumptionCheck.objects.create(
        organization_id=message.organization_id, revision=revision, basis=answers.basis,
        own_taste=answers.own_taste, predicted_reaction=answers.predicted_reaction,
        predicted_customer_words=answers.predicted_customer_words or "", rationale=answers.rationale or "",
        stakeholder=answers.stakeholder or "", instruction_shown=answers.instruction_shown,
        grounding=grounding, evidence_voices=voices, projection_risk=risk, answered_by=by,
    )
    CheckClaim.objects.bulk_create(
        [CheckClaim(organization_id=message.organization_id, assumption_check=check, claim=c) for c in dict.fromkeys(answers.claims)]
    )
    CheckHighlight.objects.bulk_create(
        [CheckHighlight(organization_id=message.organization_id, assumption_check=check, highlight=h)
         for h in dict.fromkeys(answers.highlights)]
    )
    message.grounding = grounding
    message.attention_reason = ""
    if message.status == Message.Status.APPROVED:
        # New words need a new approval.
        message.status = Message.Status.IN_REVIEW
        message.approved_by, message.approved_at, message.override_reason = None, None, ""
    message.save()
    return revision


@tenant_atomic()
def message_create(
    *, title: str, channel: str, body: str, target_personas, check: CheckAnswers, by: User | None = None
) -> Message:
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "Give the message a title."})
    if channel not in Message.Channel.values:
        raise ValidationError({"channel": f"Choose one of: {', '.join(Message.Channel.values)}."})
    message = Message(organization_id=require_org_id(), title=title[:200], channel=channel, author=by)
    # One change with its first revision: message.created carries the body and the check.
    with one_change(message):
        message.save()
        _write_revision(message, body, target_personas, check, by)
    return message


@tenant_atomic()
def message_revise(
    *, message: Message, body: str, target_personas, check: CheckAnswers, title: str = UNCHANGED,
    channel: str = UNCHANGED, by: User | None = None,
) -> MessageRevision:
    """A new revision with its check; the title and channel, when given, change in the same transaction."""
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.status == Message.Status.ARCHIVED:
        raise ValidationError("Archived messages can't be changed.")
    if title is not UNCHANGED or channel is not UNCHANGED:
        message = message_update(message=message, title=title, channel=channel, by=by)
    return _write_revision(message, body, target_personas, check, by)


@tenant_atomic()
def message_update(
    *, message: Message, title: str = UNCHANGED, channel: str = UNCHANGED, status: str = UNCHANGED, by: User | None = None
) -> Message:
    """Title, channel and status moves that don't touch the words (no check needed). Fields not given keep their value."""
    if title is not UNCHANGED:
        title = (title or "").strip()[:200]
        if not title:
            raise ValidationError({"title": "Give the message a title."})
    if channel is not UNCHANGED and channel not in Message.Channel.values:
        raise ValidationError({"channel": f"Choose one of: {', '.join(Message.Channel.values)}."})
    if status is not UNCHANGED:
        if status == Message.Status.APPROVED:
            raise ValidationError({"status": "Use approve: approval checks the grounding."})
        if status not in Message.Status.values:
            raise ValidationError({"status": f"Choose one of: {', '.join(Message.Status.values)}."})
    model_update(message, fields=MESSAGE_META_FIELDS, data={"title": title, "channel": channel, "status": status})
    message.save()
    return message


@tenant_atomic()
def message_approve(
    *, message: Message, by: User | None = None, override_reason: str = "", is_admin: bool = False
) -> Message:
    """Approves a grounded current revision; otherwise only an admin, with a written reason (audited)."""
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.status == Message.Status.ARCHIVED:
        raise ValidationError("Archived messages can't be approved.")
    if by is not None and evidence_policy().four_eyes_review and by.pk in _writers_of(message):
        raise SelfApprovalRefused(
            "Four-eyes review: someone other than the message's author must approve it. Request a review instead."
        )
    override_reason = (override_reason or "").strip()
    if message.grounding != Grounding.GROUNDED:
        if not is_admin:
            raise ValidationError(
                "Only a grounded message can be approved. Cite customer evidence in a new revision, or ask an admin to override."
            )
        if not override_reason:
            raise ValidationError({"override_reason": "An override needs a written reason."})
        audit_record(
            action=AuditAction.MESSAGE_OVERRIDE_APPROVED, organization=message.organization, actor=by, target=message,
            details={"grounding": message.grounding, "reason": override_reason[:500]},
        )
    message.status = Message.Status.APPROVED
    message.approved_by = by
    message.approved_at = timezone.now()
    message.override_reason = override_reason if message.grounding != Grounding.GROUNDED else ""
    message.review_requested_of = None
    message.save()
    MessageReview.objects.create(organization_id=message.organization_id, message=message, kind=MessageReview.Kind.APPROVED,
                                 actor=by, body=message.override_reason, revision_number=message.revision_count)
    emit("message.approved", message)
    return message


def _writers_of(message: Message) -> set:
    """The message's author and the author of its current revision: neither may approve it under four-eyes."""
    writers = {message.author_id}
    writers.update(MessageRevision.objects.filter(message=message, number=message.revision_count).values_list("author_id", flat=True))
    return writers - {None}


@tenant_atomic()
def message_request_review(*, message: Message, reviewer: User, note: str = "", by: User | None = None) -> MessageReview:
    """Names the member who should review the message; they are notified. The message moves to "in review".

    Returns the request, a step of the message's review history."""
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.status in (Message.Status.ARCHIVED, Message.Status.APPROVED):
        raise ValidationError(f"An {message.get_status_display().lower()} message needs no review.")
    if not Membership.objects.filter(organization_id=message.organization_id, user=reviewer).exists():
        raise ValidationError({"reviewer": "Choose a member of this organisation."})
    if evidence_policy().four_eyes_review and reviewer.pk in _writers_of(message):
        raise ValidationError({"reviewer": "Four-eyes review: ask someone other than the author."})
    message.review_requested_of = reviewer
    message.status = Message.Status.IN_REVIEW
    message.save()
    request = MessageReview.objects.create(
        organization_id=message.organization_id, message=message, kind=MessageReview.Kind.REQUESTED, actor=by,
        reviewer=reviewer, body=(note or "").strip()[:2000], revision_number=message.revision_count,
    )
    who = by.display_name if by is not None else "Someone"
    notify(user=reviewer, kind=NotificationKind.REVIEW_REQUEST,
           message=f"{who} asks you to review “{message.title}”.", link=_message_url(message))
    return request


@tenant_atomic()
def message_review_comment(*, message: Message, body: str, by: User | None = None) -> MessageReview:
    """A comment in the message's review history; the author hears of it."""
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write the comment."})
    review = MessageReview.objects.create(
        organization_id=message.organization_id, message=message, kind=MessageReview.Kind.COMMENT, actor=by,
        body=body[:5000], revision_number=message.revision_count,
    )
    if message.author is not None and message.author != by:
        notify(user=message.author, kind=NotificationKind.NEEDS_REVIEW,
               message=f"Review comment on “{message.title}”: {quoted(body, 80)}", link=_message_url(message))
    return review


@tenant_atomic()
def four_eyes_set(*, enabled: bool, by: User | None = None) -> EvidencePolicy:
    """Admins switch four-eyes review of messages on or off; audited."""
    policy = EvidencePolicy.objects.select_for_update().first() or EvidencePolicy(organization_id=require_org_id())
    before = policy.four_eyes_review
    policy.four_eyes_review = bool(enabled)
    policy.updated_by = by
    policy.save()
    if before != policy.four_eyes_review:
        audit_record(action=AuditAction.FOUR_EYES_CHANGED, organization=policy.organization, actor=by,
                     target_label="four-eyes review", details={"from": before, "to": policy.four_eyes_review})
    return policy


def messages_recompute(*, check_ids, reason: str) -> list[Message]:
    """Re-derive grounding for these checks; flag the messages whose current revision lost ground."""
    flagged = []
    checks = AssumptionCheck.objects.filter(pk__in=list(check_ids)).select_related("revision__message")
    for check in checks:
        claim_ids = list(check.claim_links.values_list("claim_id", flat=True))
        highlight_ids = list(check.highlight_links.values_list("highlight_id", flat=True))
        voices = evidence_voices(claim_ids=claim_ids, highlight_ids=highlight_ids)
        grounding, risk = grounding_of(basis=check.basis, voices=voices, own_taste=check.own_taste)
        changed = (grounding, voices, risk) != (check.grounding, check.evidence_voices, check.projection_risk)
        if not changed:
            continue
        previous = check.grounding
        check.grounding, check.evidence_voices, check.projection_risk = grounding, voices, risk
        check.recomputed_at = timezone.now()
        check.save(update_fields=["grounding", "evidence_voices", "projection_risk", "recomputed_at"])
        message = check.revision.message
        if message.revision_count != check.revision.number:
            continue  # an old revision: kept accurate, nobody to alarm
        message.grounding = grounding
        if grounding != previous:
            message.attention_reason = f"{reason}: grounding went from {Grounding(previous).label.lower()} to {Grounding(grounding).label.lower()}."
            if message.status == Message.Status.APPROVED and grounding != Grounding.GROUNDED and not message.override_reason:
                message.status = Message.Status.IN_REVIEW
            notify(user=message.author, kind="message_regrounded",
                   message=f"“{message.title}”: {message.attention_reason}", link=_message_url(message))
            flagged.append(message)
        message.save()
    return flagged
