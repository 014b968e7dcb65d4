"""Writes for the organisation's privacy policy: redaction mode and retention."""

from django.core.exceptions import ValidationError

from empathy_site.model_update import UNCHANGED, model_update
from empathy_site.tenancy.audit import AuditAction, audit_record
from empathy_site.tenancy.context import require_org_id, tenant_atomic
from empathy_site.tenancy.models import User

from ..models import PrivacyPolicy

# What an admin may set (the settings form picks these).
PRIVACY_POLICY_FIELDS = ("redaction_mode", "retention_enabled", "retention_months", "retention_action")


@tenant_atomic()
def privacy_policy_update(
    *,
    redaction_mode: str = UNCHANGED,
    retention_enabled: bool = UNCHANGED,
    retention_months: int | None = UNCHANGED,
    retention_action: str = UNCHANGED,
    by: User | None = None,
) -> PrivacyPolicy:
    """Change the fields given (the policy is created with the defaults first if the org has none). Audited."""
    policy = PrivacyPolicy.objects.select_for_update().first() or PrivacyPolicy(organization_id=require_org_id())
    model_update(policy, fields=PRIVACY_POLICY_FIELDS, data={
        "redaction_mode": redaction_mode, "retention_enabled": retention_enabled,
        "retention_months": retention_months, "retention_action": retention_action,
    })
    if policy.redaction_mode not in PrivacyPolicy.RedactionMode.values:
        raise ValidationError({"redaction_mode": "Choose off, suggest or automatic."})
    if policy.retention_action not in PrivacyPolicy.RetentionAction.values:
        raise ValidationError({"retention_action": "Choose delete or redact."})
    if policy.retention_enabled and not policy.retention_months:
        raise ValidationError({"retention_months": "Say after how many months interviews are deleted or redacted."})
    # The fields' bounds (validators on the model), checked here so forms, API and callers all get them.
    policy.full_clean(exclude=["organization", "public_id", "updated_by"], validate_unique=False, validate_constraints=False)
    policy.updated_by = by
    policy.save()
    audit_record(action=AuditAction.PRIVACY_POLICY_CHANGED, organization=policy.organization, actor=by,
                 target_label="privacy policy", details={
                     "redaction_mode": policy.redaction_mode, "retention_enabled": policy.retention_enabled,
                     "retention_months": policy.retention_months, "retention_action": policy.retention_action})
    return policy
