"""Subject access: handing a person everything held about them, with an audit record that it was handed over."""

from empathy_site.tenancy.audit import AuditAction, audit_record
from empathy_site.tenancy.context import tenant_atomic
from empathy_site.tenancy.models import User

from ..models import Participant
from ..selectors import participant_personal_data


@tenant_atomic()
def participant_export(*, participant: Participant, by: User | None = None) -> dict:
    """Everything held about one person (see selectors.participant_personal_data). Audited: who took a copy."""
    export = participant_personal_data(participant=participant)
    audit_record(action=AuditAction.PARTICIPANT_EXPORTED, organization=participant.organization, actor=by,
                 target=participant, target_label=f"participant {participant.public_id}")
    return export
