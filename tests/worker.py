"""A real Celery worker process, fed through Redis, on the test database.

It connects as the runtime role, so row-level security applies to it too.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from empathy_site.celery import app

ROOT = Path(__file__).resolve().parent.parent


def _worker_env(extra: dict | None = None) -> dict:
    db = connection.settings_dict
    env = dict(os.environ)
    env["DATABASE_URL"] = f"postgres://{settings.DATABASE_APP_ROLE}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env["DJANGO_SETTINGS_MODULE"] = "empathy_site.settings.base"
    env["CELERY_TASK_ALWAYS_EAGER"] = "false"
    env["MEDIA_ROOT"] = str(settings.MEDIA_ROOT)
    env["CONN_MAX_AGE"] = "0"
    env.update(extra or {})
    return env


def start_worker(log_path: Path, extra_env: dict | None = None) -> subprocess.Popen:
    log = open(log_path, "ab")
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "empathy_site", "worker", "--pool=solo", "--loglevel=INFO",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"test-{os.getpid()}@%h"],
        cwd=ROOT, env=_worker_env(extra_env), stdout=log, stderr=subprocess.STDOUT,
    )


def wait_until_ready(timeout: float = 60) -> None:
    """Until the worker answers a ping. The answer is polled with plain reads of the result key (`ready()`),
    not awaited on the result backend's subscription, so a subscription an earlier test left broken cannot
    pass for a worker that does not answer; the last error is told if it never does."""
    from empathy_site.celery import ping

    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    result = None
    while time.monotonic() < deadline:
        try:
            result = result or ping.delay("ready")
            if result.ready():
                if result.result == "ready":
                    return
                result = None  # answered with something else (an error): ask again
        except Exception as error:
            last_error, result = error, None
        time.sleep(0.2)
    raise RuntimeError(f"The Celery worker did not answer within the timeout (last error: {last_error!r}).")


@pytest.fixture
def celery_worker(transactional_db, tmp_path):
    """Tasks go through Redis to a separate worker process for this test."""
    app.conf.task_always_eager = False
    previous = settings.CELERY_TASK_ALWAYS_EAGER
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.control.purge()
    log_path = tmp_path / "worker.log"
    process = start_worker(log_path)
    try:
        wait_until_ready()
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        app.conf.task_always_eager = True
        settings.CELERY_TASK_ALWAYS_EAGER = previous
        if os.environ.get("CI"):
            sys.stdout.write(log_path.read_text(errors="replace")[-3000:])
