"""Gunicorn settings for the web process (`gunicorn -c deploy/gunicorn.conf.py`).

Every value can be overridden from the environment, so the same file serves the
compose file, the systemd unit and `make smoke` (which runs it on this machine).
TLS is normally terminated by the reverse proxy in front (nginx, a load balancer):
set TRUSTED_PROXY_COUNT for it and let it send X-Forwarded-Proto.
"""

import multiprocessing
import os

wsgi_app = "empathy_site.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Sync workers: every request is short (uploads are parsed by Celery, not here).
# 2 x cores + 1 is gunicorn's usual starting point; measure before raising it.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# A request that takes longer than this is killed and logged; uploads are read in well under it.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Recycle workers now and then, so a slow leak in any library never grows without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# Load the application once in the master: faster worker starts, copy-on-write memory.
# Database connections are opened lazily per worker (CONN_MAX_AGE), never before the fork.
preload_app = True
# Request bodies up to the upload limit pass; gunicorn's own header limits stay at their defaults.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Proxy headers are trusted only from these addresses (the proxy's), as Django's TRUSTED_PROXY_COUNT.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Temporary request files in memory, not on a possibly slow disk.
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR", "/dev/shm" if os.path.isdir("/dev/shm") else None)
# Gunicorn's control socket (one fixed path per user) is not used: signals and the process
# manager do its work, and several instances on one host would contend for the path.
control_socket_disable = True
