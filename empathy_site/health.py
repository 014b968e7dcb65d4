"""Liveness and readiness probes: plain, unauthenticated, no tenant."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse

from empathy_site.celery import app


def healthz(request):
    return JsonResponse({"status": "ok"})


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # any failure means "not ready", never a 500
        return False


def _broker_answers() -> bool:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return True  # embedded mode: tasks run in-process, there is no broker to wait for
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False


def readyz(request):
    checks = {"database": _database_answers(), "broker": _broker_answers()}
    ready = all(checks.values())
    return JsonResponse({"status": "ready" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)
