"""Walks every model: the tenancy rules hold for each table, including future ones."""

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction

from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.models import TenantModel
from empathy_site.tenancy.rls import same_org_foreign_keys, tenant_models

# The tenancy directory itself: looked up before a tenant is known.
DIRECTORY_MODELS = {"tenancy.User", "tenancy.Organization", "tenancy.Membership", "tenancy.ApiKey", "tenancy.AuditEvent"}
PROJECT_APPS = {"tenancy", "interviews", "personas"}


def project_models():
    return [m for m in apps.get_models() if m._meta.app_label in PROJECT_APPS]


def test_every_project_model_is_tenant_owned_or_part_of_the_directory():
    for model in project_models():
        label = model._meta.label
        assert issubclass(model, TenantModel) or label in DIRECTORY_MODELS, (
            f"{label} is neither a TenantModel nor a known directory table"
        )


@pytest.mark.parametrize("model", tenant_models(), ids=lambda m: m._meta.label)
def test_tenant_table_carries_organization_id(model):
    field = model._meta.get_field("organization")
    assert field.column == "organization_id" and not field.null


@pytest.mark.parametrize("model", tenant_models(), ids=lambda m: m._meta.label)
def test_unique_constraints_lead_with_organization(model):
    for constraint in model._meta.constraints:
        fields = getattr(constraint, "fields", ())
        if fields:
            assert fields[0] == "organization", f"{model._meta.label}.{constraint.name} does not lead with organization"
    for field in model._meta.concrete_fields:
        assert not (field.unique and not field.primary_key), (
            f"{model._meta.label}.{field.name} is unique on its own; make it unique per organization"
        )
    for index in model._meta.indexes:
        assert index.fields[0] == "organization", f"{model._meta.label}.{index.name} does not lead with organization"


@pytest.mark.parametrize("model", tenant_models(), ids=lambda m: m._meta.label)
def test_many_to_many_goes_through_a_tenant_model(model):
    for field in model._meta.many_to_many:
        through = field.remote_field.through
        assert issubclass(through, TenantModel), f"{model._meta.label}.{field.name} needs a through model with organization"


@pytest.mark.postgres
@pytest.mark.django_db
def test_every_foreign_key_between_tenant_tables_is_a_same_org_composite_key():
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT conrelid::regclass::text, confrelid::regclass::text,
                   (SELECT array_agg(attname ORDER BY attnum) FROM pg_attribute
                     WHERE attrelid = conrelid AND attnum = ANY(conkey))
            FROM pg_constraint WHERE contype = 'f'
            """
        )
        composite = {(src, dst, tuple(sorted(cols))) for src, dst, cols in cursor.fetchall()}
    pairs = [(m, f, t) for m in tenant_models() for f, t in same_org_foreign_keys(m)]
    assert pairs, "expected tenant-to-tenant foreign keys"
    for model, field, target in pairs:
        key = (model._meta.db_table, target._meta.db_table, tuple(sorted(["organization_id", field.column])))
        assert key in composite, f"{model._meta.label}.{field.name} can point across organisations"


@pytest.mark.postgres
def test_database_refuses_a_foreign_key_into_another_org(org_a, org_b):
    from interviews.models import Study

    with tenant_scope(org_b):
        study_b = Study.objects.create(name="B study")
    from tests.interviews.factories import InterviewFactory

    with tenant_scope(org_a):
        interview = InterviewFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            type(interview).objects.filter(pk=interview.pk).update(study_id=study_b.pk)
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
