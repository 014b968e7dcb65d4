"""The Celery app, and the base class that gives every task its tenant.

Workers never pass through the web middleware, so a tenant task takes the org
id as its first argument, opens a transaction bound to it, and only then runs.
Without that, row-level security would silently return nothing.
"""

import logging
import os

from celery import Celery, Task

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "empathy_site.settings.base")

app = Celery("empathy_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
logger = logging.getLogger(__name__)


class TenantTask(Task):
    """First positional argument is the organisation id; the body runs as that org.

    By default the whole body is one transaction bound to the org. A task whose
    service commits in steps (to show progress) sets single_transaction = False;
    the org is then active and each service step opens its own tenant_atomic().
    """

    abstract = True
    single_transaction = True

    def __call__(self, org_id, *args, **kwargs):
        # Here, not at the top: this module is loaded (empathy_site/__init__.py) before Django's apps are.
        from empathy_site.tenancy.context import activate_without_transaction, deactivate, tenant_scope

        if self.single_transaction:
            with tenant_scope(int(org_id)):
                return super().__call__(org_id, *args, **kwargs)
        token = activate_without_transaction(int(org_id))
        try:
            return super().__call__(org_id, *args, **kwargs)
        finally:
            deactivate(token)


def tenant_task(*args, **kwargs):
    """@tenant_task(...) — a shared task whose first argument is the org id."""
    kwargs.setdefault("base", TenantTask)
    kwargs.setdefault("bind", False)
    return app.task(*args, **kwargs)


def fan_out_per_organisation(task, *, only_if=None) -> int:
    """Queue ``task(org_id)`` once per organisation; for beat jobs. Returns how many were queued.

    One task per organisation, so one organisation's bad data or failure never stops
    another's run (each task fails, retries and is recorded on its own). ``only_if``, when
    given, is asked in each organisation's scope whether it has anything to do.
    """
    # Here, not at the top: this module is loaded (empathy_site/__init__.py) before Django's apps are.
    from empathy_site.tenancy.context import tenant_scope
    from empathy_site.tenancy.models import Organization

    queued = 0
    for org_id in Organization.objects.order_by("pk").values_list("pk", flat=True):
        try:
            if only_if is not None:
                with tenant_scope(org_id):
                    wanted = only_if()
                if not wanted:
                    continue
            task.delay(org_id)
            queued += 1
        except Exception:  # eager mode raises the task's own failure here; the next org still gets its turn
            logger.exception("Could not run %s for organisation %s", task.name, org_id)
    return queued


@app.task(name="empathy_site.ping")
def ping(value: str = "pong") -> str:
    """Answers through the broker; used by /readyz-like checks and the worker test."""
    return value
