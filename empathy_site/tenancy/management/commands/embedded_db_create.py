"""Make the embedded (SQLite) database of `make run` from the models in one pass, then record every migration
as applied.

Replaying the migrations on a new database spends almost all its time rebuilding Django's in-memory model
states between operations (about 20 s here), not in SQL. On a new database the result is the same tables
the models describe: every data migration in this project either runs on PostgreSQL only (search vectors,
functions, constraint renames) or repairs existing rows, of which a new database has none. Later
migrations then apply to it as usual (`manage.py migrate`), because all the earlier ones are recorded.

PostgreSQL is never made this way: production and CI migrate, which is what installs row-level security.
"""

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.test.utils import override_settings


class Command(BaseCommand):
    help = "Create the embedded SQLite database of `make run` from the models (a new, empty database only)."

    def handle(self, *args, **options):
        if connection.vendor != "sqlite":
            raise CommandError("Only for the embedded SQLite database; on PostgreSQL run `manage.py migrate`.")
        if connection.introspection.table_names():
            raise CommandError("The database already has tables; run `manage.py migrate` on it instead.")
        without_migrations = {config.label: None for config in apps.get_app_configs()}
        with override_settings(MIGRATION_MODULES=without_migrations):
            call_command("migrate", run_syncdb=True, interactive=False, verbosity=0)
        recorder = MigrationRecorder(connection)
        recorder.ensure_schema()
        for app_label, name in MigrationLoader(connection, ignore_no_migrations=True).graph.nodes:
            recorder.record_applied(app_label, name)
