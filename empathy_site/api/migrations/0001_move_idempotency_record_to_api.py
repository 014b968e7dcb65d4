# IdempotencyRecord moves here from the sync app: the table (sync_idempotencyrecord) stays,
# only the constraint named after the app is renamed.

import django.db.models.deletion
import django.db.models.manager
import uuid
from django.db import migrations, models


OLD, NEW = "sync_idempotencyrecord_org_public_id_uniq", "api_idempotencyrecord_org_public_id_uniq"


def _rename(schema_editor, old, new):
    qn = schema_editor.quote_name
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE sync_idempotencyrecord RENAME CONSTRAINT {qn(old)} TO {qn(new)}")
    else:  # SQLite keeps a unique constraint as a unique index
        schema_editor.execute(f"DROP INDEX IF EXISTS {qn(old)}")
        schema_editor.execute(f"CREATE UNIQUE INDEX {qn(new)} ON sync_idempotencyrecord (organization_id, public_id)")


def _rename_constraint(apps, schema_editor):
    _rename(schema_editor, OLD, NEW)


def _restore_constraint(apps, schema_editor):
    _rename(schema_editor, NEW, OLD)


CREATE = migrations.CreateModel(
            name='IdempotencyRecord',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('public_id', models.UUIDField(default=uuid.uuid4, editable=False)),
                ('principal', models.CharField(max_length=80)),
                ('key', models.CharField(max_length=255)),
                ('request_hash', models.CharField(max_length=64)),
                ('status_code', models.PositiveSmallIntegerField()),
                ('response_body', models.JSONField(null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('organization', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenancy.organization')),
            ],
            options={
                'db_table': 'sync_idempotencyrecord',
                'abstract': False,
                'base_manager_name': 'unscoped',
                'constraints': [models.UniqueConstraint(fields=('organization', 'public_id'), name='api_idempotencyrecord_org_public_id_uniq'), models.UniqueConstraint(fields=('organization', 'principal', 'key'), name='idempotency_key_uniq')],
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('unscoped', django.db.models.manager.Manager()),
            ],
)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('tenancy', '0004_invitation'),
        ('sync', '0002_move_idempotency_record_to_api'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[CREATE],
            database_operations=[migrations.RunPython(_rename_constraint, _restore_constraint)],
        ),
    ]

