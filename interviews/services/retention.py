"""Retention: interviews older than the organisation's policy allows, deleted or redacted, daily or on demand."""

import logging

from django.core.exceptions import ValidationError

from empathy_site.tenancy.context import require_org_id, tenant_atomic, tenant_scope
from empathy_site.tenancy.models import Organization, User

from ..models import PrivacyPolicy, RetentionRun
from ..selectors import interviews_past_retention, privacy_policy
from . import interviews as interview_services
from .redaction import interview_delete_original, interview_scan, redaction_apply

logger = logging.getLogger(__name__)


@tenant_atomic()
def retention_run(*, dry_run: bool, by: User | None = None, months: int | None = None, action: str | None = None) -> RetentionRun:
    """Delete or redact interviews older than the policy allows; dry_run only reports what it would do."""
    policy = privacy_policy()
    if months is not None:
        try:
            PrivacyPolicy._meta.get_field("retention_months").run_validators(months)
        except ValidationError as refused:
            raise ValidationError({"retention_months": refused.messages}) from None
        policy.retention_months = months
    if action:
        policy.retention_action = action
    if not policy.retention_months:
        raise ValidationError({"retention_months": "Set how many months interviews are kept first."})
    cutoff, interviews = interviews_past_retention(policy=policy)
    interviews = list(interviews)
    details = [{"id": str(i.public_id), "title": i.title} for i in interviews]
    if not dry_run:
        for interview in interviews:
            if policy.retention_action == PrivacyPolicy.RetentionAction.DELETE:
                interview_services.interview_delete(interview=interview, by=by)
            else:
                findings = interview_scan(interview=interview)
                if findings:
                    redaction_apply(findings=findings, by=by)
                interview_delete_original(interview=interview)
    return RetentionRun.objects.create(
        organization_id=require_org_id(), dry_run=dry_run, action=policy.retention_action, cutoff=cutoff,
        interview_count=len(interviews), details=details, triggered_by=by,
    )


def retention_run_scheduled() -> RetentionRun | None:
    """The daily run of the active organisation, if its policy is (still) on."""
    policy = PrivacyPolicy.objects.first()
    if policy is None or not policy.retention_enabled or not policy.retention_months:
        return None
    return retention_run(dry_run=False)


def retention_run_all() -> list[tuple[str, int]]:
    """Every organisation's daily run in this process, each in its own transaction: one that fails is logged
    and skipped, never stopping the others. (The beat schedule fans out one task per organisation instead.)"""
    done = []
    for organization in Organization.objects.order_by("pk"):
        try:
            with tenant_scope(organization):
                run = retention_run_scheduled()
        except Exception:
            logger.exception("Retention failed for organisation %s; the others still run.", organization.slug)
            continue
        if run is not None:
            done.append((organization.slug, run.interview_count))
    return done
