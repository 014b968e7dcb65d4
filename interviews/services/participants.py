"""Writes for participants: create, update, CRM upserts by external id, delete."""

from datetime import datetime

from django.core.exceptions import ValidationError

from empathy_site.model_update import UNCHANGED, model_update
from empathy_site.tenancy.audit import AuditAction, audit_record
from empathy_site.tenancy.concurrency import Conflict, unique_or_conflict
from empathy_site.tenancy.context import require_org_id, tenant_atomic
from empathy_site.tenancy.models import User

from ..events import evidence_change
from ..models import Participant, ParticipantExternalId, SpeakerMapping

# What a caller may set on a participant (forms, the API and CRM upserts pick these).
PARTICIPANT_FIELDS = (
    "pseudonym", "name", "email", "attributes", "external_ids",
    "consent_given_at", "consent_scope", "consent_expires_at", "consent_withdrawn_at",
)


def _validate_string_map(value, field: str) -> dict:
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str | int | float | bool) for k, v in value.items()):
        raise ValidationError({field: "Give key/value pairs of text, e.g. {\"role\": \"procurement\"}."})
    return {k.strip(): str(v).strip() if not isinstance(v, bool) else v for k, v in value.items() if k.strip()}


@tenant_atomic()
def participant_create(
    *,
    pseudonym: str,
    name: str = "",
    email: str = "",
    attributes: dict | None = None,
    external_ids: dict[str, str | None] | None = None,
    consent_given_at: datetime | None = None,
    consent_scope: str = "",
    consent_expires_at: datetime | None = None,
    consent_withdrawn_at: datetime | None = None,
    by: User | None = None,
) -> Participant:
    participant = Participant(
        organization_id=require_org_id(), pseudonym=pseudonym.strip(), name=name, email=email,
        attributes=attributes or {}, external_ids=_external_ids_merged({}, external_ids or {}), consent_given_at=consent_given_at,
        consent_scope=consent_scope, consent_expires_at=consent_expires_at, consent_withdrawn_at=consent_withdrawn_at,
    )
    return _participant_save(participant)


@tenant_atomic()
def participant_update(
    *,
    participant: Participant,
    pseudonym: str = UNCHANGED,
    name: str = UNCHANGED,
    email: str = UNCHANGED,
    attributes: dict = UNCHANGED,
    external_ids: dict[str, str | None] = UNCHANGED,
    consent_given_at: datetime | None = UNCHANGED,
    consent_scope: str = UNCHANGED,
    consent_expires_at: datetime | None = UNCHANGED,
    consent_withdrawn_at: datetime | None = UNCHANGED,
    by: User | None = None,
) -> Participant:
    """Change the fields given; the others keep their value.

    `external_ids` changes CRM ids per system: an id links that system (or moves it to a new id), None unlinks
    it, and systems not named keep theirs, so one CRM's sync never unlinks another's.
    """
    if external_ids is not UNCHANGED:
        # Merged into the stored map read under the row lock: two CRMs writing their own ids at once both keep
        # them (the instance may hold a form's unsaved values, so it is not the base).
        stored = Participant.objects.select_for_update().filter(pk=participant.pk).values_list("external_ids", flat=True)
        external_ids = _external_ids_merged(stored.first() or {}, external_ids)
    model_update(participant, fields=PARTICIPANT_FIELDS, data={
        "pseudonym": pseudonym, "name": name, "email": email, "attributes": attributes, "external_ids": external_ids,
        "consent_given_at": consent_given_at, "consent_scope": consent_scope,
        "consent_expires_at": consent_expires_at, "consent_withdrawn_at": consent_withdrawn_at,
    })
    return _participant_save(participant)


def _external_ids_merged(stored: dict, changes: dict[str, str | None]) -> dict:
    if not isinstance(changes, dict):
        raise ValidationError({"external_ids": "Give CRM ids per system, e.g. {\"hubspot\": \"123\"}; null unlinks a system."})
    merged = dict(stored)
    for system, external_id in changes.items():
        key = system.strip() if isinstance(system, str) else system
        if external_id is None:
            merged.pop(key, None)
        else:
            merged[key] = external_id
    return merged


def _participant_save(participant: Participant) -> Participant:
    participant.attributes = _validate_string_map(participant.attributes or {}, "attributes")
    participant.external_ids = _validate_string_map(participant.external_ids or {}, "external_ids")
    if not participant.pseudonym:
        raise ValidationError({"pseudonym": "A participant needs a pseudonym, e.g. “P07”."})
    pseudonym_taken = f"Another participant is already called “{participant.pseudonym}”."
    if Participant.objects.filter(pseudonym=participant.pseudonym).exclude(pk=participant.pk).exists():
        raise Conflict({"pseudonym": pseudonym_taken})
    participant.full_clean(exclude=["organization", "public_id"], validate_unique=False, validate_constraints=False)
    taken = [
        f"{system}:{external_id}"
        for system, external_id in participant.external_ids.items()
        if ParticipantExternalId.objects.filter(system=system, external_id=external_id).exclude(participant_id=participant.pk).exists()
    ]
    if taken:
        raise Conflict({"external_ids": f"Another participant already has the CRM id {', '.join(taken)}."})
    # The checks above give the message; a concurrent writer can still take the value before the INSERT.
    with unique_or_conflict("participant_org_pseudonym_uniq", "pseudonym", pseudonym_taken):
        participant.save()
    # The CRM ids as a unique index: the dict is what the API shows, the rows what the database guards.
    ParticipantExternalId.objects.filter(participant=participant).delete()
    ids = ", ".join(f"{system}:{external_id}" for system, external_id in participant.external_ids.items())
    with unique_or_conflict("participant_external_id_uniq", "external_ids", f"Another participant already has the CRM id {ids}."):
        ParticipantExternalId.objects.bulk_create([
            ParticipantExternalId(organization_id=participant.organization_id, participant=participant, system=system,
                                  external_id=str(external_id))
            for system, external_id in participant.external_ids.items()
        ])
    return participant


@tenant_atomic()
def participants_upsert(*, system: str, rows: list[dict], by: User | None = None) -> list[tuple[Participant, bool]]:
    """Create or update participants by their id in one CRM; all or nothing.

    Each row holds `external_id` and any of PARTICIPANT_FIELDS; other keys are ignored. Returns
    (participant, created) per row, in order. A bad row refuses the batch, naming its index.
    """
    system = (system or "").strip()
    if not system:
        raise ValidationError({"system": "Name the CRM, e.g. hubspot."})
    seen, results = set(), []
    for index, row in enumerate(rows):
        external_id = str(row.get("external_id") or "").strip()
        if not external_id:
            raise ValidationError({f"participants[{index}]": "external_id is required."})
        if external_id in seen:
            raise ValidationError({f"participants[{index}]": f"external_id {external_id} appears twice in this batch."})
        seen.add(external_id)
        values = {k: v for k, v in row.items() if k in PARTICIPANT_FIELDS and k != "external_ids"}
        try:
            results.append(_upsert_one(system, external_id, row, values, by))
        except Conflict as error:
            raise Conflict({f"participants[{index}]": error.messages}) from error
        except ValidationError as error:
            raise ValidationError({f"participants[{index}]": error.messages}) from error
    return results


def _upsert_one(system: str, external_id: str, row: dict, values: dict, by: User | None) -> tuple[Participant, bool]:
    existing = _participant_for_update(system, external_id)
    if existing is None:
        ids = {**(row.get("external_ids") or {}), system: external_id}
        pseudonym = values.get("pseudonym") or f"{system}-{external_id}"
        creating = {k: v for k, v in values.items() if k != "pseudonym"}
        try:
            return participant_create(pseudonym=pseudonym, external_ids=ids, by=by, **creating), True
        except Conflict:
            # A concurrent upsert created this CRM id first (its INSERT committed, ours was refused):
            # update that participant as if we had arrived second. Anything else is a real conflict.
            existing = _participant_for_update(system, external_id)
            if existing is None:
                raise
    ids = {**(row.get("external_ids") or {}), system: external_id}
    return participant_update(participant=existing, external_ids=ids, by=by, **values), False


def _participant_for_update(system: str, external_id: str) -> Participant | None:
    """The participant holding this CRM id, locked: concurrent upserts of one id merge their ids in turn."""
    link = ParticipantExternalId.objects.filter(system=system, external_id=external_id).values_list("participant_id", flat=True)
    return Participant.objects.select_for_update().filter(pk__in=link).first()


@tenant_atomic()
def participant_delete(*, participant: Participant, by: User | None = None) -> None:
    audit_record(
        action=AuditAction.PARTICIPANT_DELETED, organization=participant.organization, actor=by,
        target=participant, target_label=participant.pseudonym,
    )
    with evidence_change(highlights=participant.highlights.all(), reason=f"Participant {participant.pseudonym} was deleted"):
        # Their speakers become unmapped; marked so the words no longer count as anyone's voice.
        SpeakerMapping.objects.filter(participant=participant).update(guessed_role=SpeakerMapping.GuessedRole.REMOVED)
        participant.delete()
