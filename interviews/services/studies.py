"""Writes for studies: create, update, delete."""

from datetime import date

from django.core.exceptions import ValidationError

from empathy_site.model_update import UNCHANGED, model_update
from empathy_site.tenancy.audit import AuditAction, audit_record
from empathy_site.tenancy.concurrency import Conflict, unique_or_conflict
from empathy_site.tenancy.context import require_org_id, tenant_atomic
from empathy_site.tenancy.models import User

from ..models import Study

# What a caller may set on a study (forms and the API pick these).
STUDY_FIELDS = ("name", "goal", "research_questions", "starts_on", "ends_on")


@tenant_atomic()
def study_create(
    *,
    name: str,
    goal: str = "",
    research_questions: list[str] | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
    by: User | None = None,
) -> Study:
    study = Study(
        organization_id=require_org_id(), name=name.strip(), goal=goal,
        research_questions=[] if research_questions is None else research_questions, starts_on=starts_on, ends_on=ends_on,
    )
    return _study_save(study)


@tenant_atomic()
def study_update(
    *,
    study: Study,
    name: str = UNCHANGED,
    goal: str = UNCHANGED,
    research_questions: list[str] = UNCHANGED,
    starts_on: date | None = UNCHANGED,
    ends_on: date | None = UNCHANGED,
    by: User | None = None,
) -> Study:
    """Change the fields given; the others keep their value."""
    model_update(study, fields=STUDY_FIELDS, data={
        "name": name, "goal": goal, "research_questions": research_questions, "starts_on": starts_on, "ends_on": ends_on,
    })
    return _study_save(study)


def _study_save(study: Study) -> Study:
    if not study.name:
        raise ValidationError({"name": "A study needs a name."})
    name_taken = f"A study called “{study.name}” already exists."
    if Study.objects.filter(name=study.name).exclude(pk=study.pk).exists():
        raise Conflict({"name": name_taken})
    if study.starts_on and study.ends_on and study.ends_on < study.starts_on:
        raise ValidationError({"ends_on": "The study cannot end before it starts."})
    if not isinstance(study.research_questions, list) or not all(isinstance(q, str) for q in study.research_questions):
        raise ValidationError({"research_questions": "Give the research questions as a list of sentences."})
    with unique_or_conflict("study_org_name_uniq", "name", name_taken):
        study.save()
    return study


@tenant_atomic()
def study_delete(*, study: Study, by: User | None = None) -> None:
    audit_record(action=AuditAction.STUDY_DELETED, organization=study.organization, actor=by, target=study)
    study.delete()
