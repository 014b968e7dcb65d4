from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "empathy_site.tenancy"
    label = "tenancy"
    verbose_name = "Tenancy"

    def ready(self):
        # Imported in ready(): they need the app registry loaded.
        from django.db.models.signals import post_migrate

        from . import rls, signals  # noqa: F401

        # After every migrate, as the owner role: enforce RLS and same-org
        # foreign keys on every tenant table, and grant the runtime role.
        post_migrate.connect(rls.secure_tenant_tables, dispatch_uid="tenancy-rls")
