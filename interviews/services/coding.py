"""Independent coding: assigning coders, marking an assignment done, and reconciling where coders differ."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from empathy_site.tenancy.audit import AuditAction, audit_record
from empathy_site.tenancy.concurrency import Conflict, unique_or_conflict
from empathy_site.tenancy.context import require_org_id, tenant_atomic
from empathy_site.tenancy.models import Membership, Role, User

from ..models import Assignment, Highlight, Interview, Reconciliation, Tag, Utterance
from ..selectors.coding import all_coders_done, highlights_of_unit
from .highlights import Span, highlight_create

# Roles that code: they can make highlights.
CODER_ROLES = (Role.ADMIN, Role.RESEARCHER)


@tenant_atomic()
def assignment_create(*, interview: Interview, coder: User, by: User | None = None) -> Assignment:
    role = Membership.objects.filter(organization_id=require_org_id(), user=coder).values_list("role", flat=True).first()
    if role is None:
        raise ValidationError({"coder": "No member of this organisation has that id."})
    if role not in CODER_ROLES:
        raise ValidationError({"coder": "Only researchers and admins can code: this member's role cannot highlight."})
    assignment = Assignment(organization_id=require_org_id(), interview=interview, coder=coder, assigned_by=by)
    with unique_or_conflict("assignment_interview_coder_uniq", "coder", "This member is already assigned to this interview."):
        assignment.save()
    audit_record(action=AuditAction.CODER_ASSIGNED, organization=assignment.organization, actor=by, target=assignment,
                 target_label=f"{coder.email} codes {interview.title}"[:200],
                 details={"interview": str(interview.public_id), "coder": str(coder.public_id)})
    return assignment


@tenant_atomic()
def assignment_set_done(*, assignment: Assignment, done: bool, by: User | None, for_others: bool) -> Assignment:
    """Mark a coder's assignment done (revealing everyone's highlights to them) or open it again.

    Only the coder does this for themselves, unless ``for_others`` (an admin, or an integration's key).
    Reopening is refused once the team has reconciled on the interview: the agreement it rests on would move.
    """
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if not for_others and (by is None or by.pk != assignment.coder_id):
        raise PermissionDenied("Only the coder, or an admin, can mark an assignment done.")
    if not done and Reconciliation.objects.filter(interview_id=assignment.interview_id).exists():
        raise Conflict({"done": "The team has already reconciled this interview's coding; it cannot be reopened."})
    if done and assignment.done_at is None:
        assignment.done_at = timezone.now()
    elif not done:
        assignment.done_at = None
    assignment.save(update_fields=["done_at", "updated_at"])
    return assignment


@tenant_atomic()
def assignment_delete(*, assignment: Assignment, by: User | None = None) -> None:
    """Takes a coder off an interview (their highlights stay theirs); audited."""
    assignment = Assignment.objects.select_for_update().select_related("interview", "coder").filter(pk=assignment.pk).first()
    if assignment is None:
        return
    audit_record(action=AuditAction.CODER_UNASSIGNED, organization=assignment.organization, actor=by, target=assignment,
                 target_label=f"{assignment.coder.email} codes {assignment.interview.title}"[:200],
                 details={"interview": str(assignment.interview.public_id), "coder": str(assignment.coder.public_id),
                          "done": assignment.done_at is not None})
    assignment.delete()


@tenant_atomic()
def reconcile(*, utterance: Utterance, tag: Tag, decision: str, highlight: Highlight | None = None,
              by: User | None = None) -> Reconciliation:
    """Decide one unit (utterance, tag): accept one coder's highlight, merge the coders' highlights, or discard.

    Accept and merge make a reconciled highlight with just that tag, which everyone sees and personas cite.
    Refused until every coder of the interview is done, and once the unit is decided.
    """
    interview = Interview.objects.select_for_update().get(pk=utterance.interview_id)
    if not all_coders_done(interview=interview):
        raise Conflict({"utterance": "Reconcile once every coder assigned to this interview has marked it done."})
    # Under the interview's lock, so a concurrent decision on the same unit is seen here (the constraint backs it).
    if Reconciliation.objects.filter(utterance=utterance, tag=tag).exists():
        raise Conflict({"utterance": "This utterance and tag are already reconciled."})
    if decision not in Reconciliation.Decision.values:
        raise ValidationError({"decision": f"Choose one of: {', '.join(Reconciliation.Decision.values)}."})
    candidates = highlights_of_unit(utterance=utterance, tag=tag)
    made = None
    if decision == Reconciliation.Decision.ACCEPT:
        if highlight is None or highlight.pk not in {h.pk for h in candidates}:
            raise ValidationError({"highlight": "Name one of the coders' highlights with this tag on this utterance."})
        made = _reconciled_copy(interview, [highlight], tag, by)
    elif decision == Reconciliation.Decision.MERGE:
        if not candidates:
            raise ValidationError({"utterance": "No coder applied this tag here: there is nothing to merge."})
        made = _reconciled_copy(interview, candidates, tag, by)
    elif highlight is not None:
        raise ValidationError({"highlight": "Discarding keeps no highlight; leave highlight out."})
    reconciliation = Reconciliation(
        organization_id=require_org_id(), interview=interview, utterance=utterance, tag=tag, decision=decision,
        highlight=made, decided_by=by,
    )
    with unique_or_conflict("reconciliation_unit_uniq", "utterance", "This utterance and tag are already reconciled."):
        reconciliation.save()
    audit_record(action=AuditAction.CODING_RECONCILED, organization=reconciliation.organization, actor=by,
                 target=reconciliation, target_label=f"{tag.name} on {interview.title}"[:200],
                 details={"interview": str(interview.public_id), "utterance": str(utterance.public_id),
                          "tag": str(tag.public_id), "decision": decision,
                          "highlight": str(made.public_id) if made is not None else None})
    return reconciliation


def _reconciled_copy(interview: Interview, sources: list[Highlight], tag: Tag, by: User | None) -> Highlight:
    """One highlight spanning ``sources`` (from the earliest start to the latest end) with ``tag`` only."""
    start = min(sources, key=lambda h: (h.start_position, h.start_offset))
    end = max(sources, key=lambda h: (h.end_position, h.end_offset))
    notes = [h.note for h in sources if h.note]
    span = Span(start.start_position, start.start_offset, end.end_position, end.end_offset)
    return highlight_create(interview=interview, span=span, tags=[tag], note="\n".join(notes), by=by, reconciled=True)
