"""Background work that failed for good: recorded where an admin sees it and can run it again.

One path for every such record: the Celery failure signal (tasks.py) and services
that catch a failure themselves so that their object ends in a readable state
(e.g. an interview whose processing raised) both call ``failed_task_record``.
"""

import logging

from django.utils import timezone

from empathy_site.celery import app
from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.models import User

from .models import FailedTask

logger = logging.getLogger(__name__)


def failed_task_record(*, organization_id: int, task_name: str, args: list, exception: BaseException) -> None:
    """Record that ``task_name(*args)`` failed; "Run again" in the admin's settings queues it with the same args.

    Runs in a savepoint of the caller's transaction (if any), so it commits with the
    caller's failure state. Never raises: recording must not mask the original failure.
    """
    try:
        with tenant_scope(organization_id):
            FailedTask.objects.create(
                task_name=task_name, args=list(args), error=f"{type(exception).__name__}: {exception}"[:500]
            )
    except Exception:
        logger.exception("Could not record the failure of %s%s", task_name, tuple(args))


def failed_task_replay(*, failed_task: FailedTask, by: User | None = None) -> bool:
    """Queue the task again with the same args and mark the record replayed; False when the task no longer exists."""
    task = app.tasks.get(failed_task.task_name)
    if task is None:
        return False
    task.apply_async(args=failed_task.args)
    failed_task.replayed_at = timezone.now()
    failed_task.save(update_fields=["replayed_at"])
    return True
