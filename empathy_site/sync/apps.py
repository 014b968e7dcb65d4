from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "empathy_site.sync"
    label = "sync"
    verbose_name = "CRM sync"

    def ready(self):
        from . import capture

        capture.connect()
