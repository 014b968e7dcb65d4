"""The second wall: PostgreSQL row-level security and same-org foreign keys.

Applied after every `migrate` (it runs as the owner role), idempotently, to
every concrete subclass of TenantModel, so a new tenant table cannot forget it.
"""

from django.apps import apps
from django.conf import settings
from django.db import connections

from .models import TenantModel

POLICY_NAME = "tenant_isolation"
ORG_SETTING = "NULLIF(current_setting('app.org_id', true), '')::bigint"


def tenant_models():
    return [
        model
        for model in apps.get_models()
        if issubclass(model, TenantModel) and not model._meta.proxy and model._meta.managed
    ]


def same_org_foreign_keys(model):
    """(field, target model) for each FK from a tenant model to another tenant model."""
    for field in model._meta.concrete_fields:
        if field.is_relation and field.many_to_one and field.name != "organization":
            target = field.related_model
            if issubclass(target, TenantModel):
                yield field, target


def _constraint_exists(cursor, name):
    cursor.execute("SELECT 1 FROM pg_constraint WHERE conname = %s", [name])
    return cursor.fetchone() is not None


def secure_tenant_tables(sender=None, using="default", **kwargs):
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    models = tenant_models()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        if cursor.fetchone()[0] == settings.DATABASE_APP_ROLE:
            return  # the runtime role owns nothing; only the owner can do this
        qn = connection.ops.quote_name
        for model in models:
            table = qn(model._meta.db_table)
            cursor.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            cursor.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            cursor.execute(f"DROP POLICY IF EXISTS {POLICY_NAME} ON {table}")
            cursor.execute(
                f"CREATE POLICY {POLICY_NAME} ON {table} "
                f"USING (organization_id = {ORG_SETTING}) "
                f"WITH CHECK (organization_id = {ORG_SETTING})"
            )
            # Target of same-org foreign keys: (organization_id, id) must be unique.
            key_name = f"{model._meta.db_table[:40]}_org_pk_key"
            if not _constraint_exists(cursor, key_name):
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {qn(key_name)} UNIQUE (organization_id, id)")
        for model in models:
            table = qn(model._meta.db_table)
            for field, target in same_org_foreign_keys(model):
                name = f"{model._meta.db_table[:30]}_{field.column[:20]}_same_org_fk"
                if _constraint_exists(cursor, name):
                    continue
                # A composite key: the referenced row must belong to the same org.
                cursor.execute(
                    f"ALTER TABLE {table} ADD CONSTRAINT {qn(name)} "
                    f"FOREIGN KEY (organization_id, {qn(field.column)}) "
                    f"REFERENCES {qn(target._meta.db_table)} (organization_id, id) "
                    f"DEFERRABLE INITIALLY DEFERRED"
                )
        role = settings.DATABASE_APP_ROLE
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if role and cursor.fetchone():
            cursor.execute(f"GRANT USAGE ON SCHEMA public TO {qn(role)}")
            cursor.execute(
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {qn(role)}"
            )
            cursor.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {qn(role)}")
            # The search functions (interviews migrations 0009 and 0018) return ids of the active org only.
            search_functions = (
                "utterance_match_ids(tsquery)", "highlight_match_ids(tsquery)",
                "utterance_ranked_ids(tsquery, integer, integer)",
            )
            for function in search_functions:
                cursor.execute("SELECT to_regprocedure(%s) IS NOT NULL", [function])
                if cursor.fetchone()[0]:
                    cursor.execute(f"GRANT EXECUTE ON FUNCTION {function} TO {qn(role)}")
