from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "empathy_site.sync"
    label = "sync"
    verbose_name = "CRM sync"

    def ready(self):
        # Imported in ready(): they need the app registry loaded.
        from empathy_site.api.changes import register_change_tracker
        from empathy_site.tenancy.erasure import register_organization_eraser

        from . import capture
        from .updated_since import ChangeFeedTracker

        capture.connect()
        register_change_tracker(ChangeFeedTracker())
        # Deleting an organisation records no change per deleted row: nobody is left to sync them to.
        register_organization_eraser(lambda organization: capture.capture_suppressed())
