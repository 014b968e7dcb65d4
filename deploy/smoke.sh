#!/usr/bin/env bash
# `make smoke`: the production topology on this machine, then a client that uses HTTP only.
#
# Starts what deploy/compose.yaml and deploy/systemd/ describe, the same commands with the same
# settings: Redis with AOF, migrations and collectstatic as the database owner, then gunicorn
# (deploy/gunicorn.conf.py, DEBUG off, static manifest), a Celery worker and Celery beat, all three
# as a NOSUPERUSER NOBYPASSRLS role that owns nothing. PostgreSQL is the machine's server (.ci/run
# starts it); the smoke test makes its own database and role and drops both afterwards.
# WEBHOOK_ALLOW_PRIVATE_URLS=true is set here, for this test only, so that webhooks can reach the
# client's receiver on 127.0.0.1. Gunicorn serves TLS with a throw-away certificate, standing in for
# the proxy that terminates TLS in production (secure cookies, HSTS and CSRF work as there).
#
# Every process is started in its own process group and stopped on exit, whatever the outcome
# (trap); the script fails if any of them is still there afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PY="$VENV/bin/python"
PGHOST=${SMOKE_PGHOST:-127.0.0.1}
PGPORT=${SMOKE_PGPORT:-5432}
PGSUPER=${SMOKE_PGUSER:-postgres}  # creates the database and role; the owner that migrates
RUN_ID="$$_$(date +%s)"
DB="groundwork_smoke_${RUN_ID}"
APP_ROLE="groundwork_smoke_app_${RUN_ID}"
APP_PASSWORD="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
WORK="$(mktemp -d /tmp/groundwork-smoke.XXXXXX)"
GROUPS_STARTED=()
DB_CREATED=0

log() { printf 'smoke: %s\n' "$*"; }
psql_super() { psql -X -q -v ON_ERROR_STOP=1 -h "$PGHOST" -p "$PGPORT" -U "$PGSUPER" -d "${2:-postgres}" -c "$1"; }
free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Start "$@" in a new session (its own process group, leader = returned pid), output to $WORK/<name>.log.
start() {
  local name=$1; shift
  setsid "$@" >"$WORK/$name.log" 2>&1 < /dev/null &
  local pid=$!
  GROUPS_STARTED+=("$name:$pid")
  log "started $name (pid $pid)"
}

group_alive() { [ -n "$(ps -o pid= -g "$1" 2>/dev/null)" ]; }

stop_all() {
  local status=0 entry name pid i
  # Reverse order: clients of a service stop before it (beat, worker, web, then Redis).
  for ((i = ${#GROUPS_STARTED[@]} - 1; i >= 0; i--)); do
    entry=${GROUPS_STARTED[$i]}; name=${entry%%:*}; pid=${entry#*:}
    group_alive "$pid" || continue
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do group_alive "$pid" || break; sleep 0.2; done
    if group_alive "$pid"; then
      log "$name did not stop within 30 s of SIGTERM; killing it"
      kill -KILL -- "-$pid" 2>/dev/null || true
      status=1
    else
      log "stopped $name"
    fi
  done
  for entry in "${GROUPS_STARTED[@]}"; do
    pid=${entry#*:}
    if group_alive "$pid"; then
      log "left behind: ${entry%%:*} $(ps -o pid=,args= -g "$pid" | tr '\n' ' ')"
      status=1
    fi
  done
  return $status
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_all || rc=1
  if [ "$DB_CREATED" = 1 ]; then
    psql_super "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" || rc=1
    psql_super "DROP ROLE IF EXISTS \"$APP_ROLE\"" || rc=1
    log "dropped database $DB and role $APP_ROLE"
  fi
  if [ "$rc" != 0 ]; then
    for file in "$WORK"/*.log; do
      [ -f "$file" ] || continue
      printf '\n---- last lines of %s\n' "$(basename "$file")"
      tail -n 40 "$file"
    done
    log "FAILED (logs above; kept in $WORK)"
  else
    rm -rf "$WORK"
    log "passed; every process stopped, database dropped"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pg_isready -h "$PGHOST" -p "$PGPORT" -q || { log "PostgreSQL is not answering on $PGHOST:$PGPORT"; exit 1; }

log "database $DB, runtime role $APP_ROLE (NOSUPERUSER NOBYPASSRLS)"
psql_super "CREATE ROLE \"$APP_ROLE\" LOGIN PASSWORD '$APP_PASSWORD' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"
DB_CREATED=1
psql_super "CREATE DATABASE \"$DB\""

REDIS_PORT=$(free_port)
WEB_PORT=$(free_port)
while [ "$WEB_PORT" = "$REDIS_PORT" ]; do WEB_PORT=$(free_port); done

log "Redis with AOF on 127.0.0.1:$REDIS_PORT"
mkdir -p "$WORK/redis"
start redis redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$WORK/redis" \
  --appendonly yes --appendfsync everysec --save ""
for _ in $(seq 1 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
[ "$(redis-cli -p "$REDIS_PORT" config get appendonly | tail -n 1)" = yes ]

# The settings every process gets (as deploy/env.example lists them).
export DEBUG=false
export SECRET_KEY="smoke-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export ALLOWED_HOSTS=127.0.0.1
export CSRF_TRUSTED_ORIGINS="https://127.0.0.1:$WEB_PORT"
export DATABASE_APP_ROLE="$APP_ROLE"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
export MEDIA_ROOT="$WORK/media"
export WEBHOOK_ALLOW_PRIVATE_URLS=true  # this smoke test only: its receiver is on 127.0.0.1
unset CELERY_TASK_ALWAYS_EAGER DJANGO_SETTINGS_MODULE
OWNER_URL="postgres://$PGSUPER@$PGHOST:$PGPORT/$DB"
APP_URL="postgres://$APP_ROLE:$APP_PASSWORD@$PGHOST:$PGPORT/$DB"

log "migrate as the owner, collectstatic"
DATABASE_URL="$OWNER_URL" "$PY" manage.py migrate --noinput -v0
DATABASE_URL="$OWNER_URL" "$PY" manage.py collectstatic --noinput -v0
DATABASE_URL="$OWNER_URL" "$PY" manage.py check --deploy --fail-level ERROR -v0 >/dev/null

export DATABASE_URL="$APP_URL"
EMAIL=owner@smoke.example
PASSWORD="smoke-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
"$PY" manage.py create_org smoke --name "Smoke Test" --owner "$EMAIL" --password "$PASSWORD"

log "TLS certificate for 127.0.0.1 (stands in for the proxy's)"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=127.0.0.1" \
  -addext "subjectAltName=IP:127.0.0.1" -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null

start web "$VENV/bin/gunicorn" -c deploy/gunicorn.conf.py --bind "127.0.0.1:$WEB_PORT" --workers 2 \
  --certfile "$WORK/cert.pem" --keyfile "$WORK/key.pem"
start worker "$VENV/bin/celery" -A empathy_site worker --loglevel=INFO --concurrency=2 \
  --hostname "smoke-$RUN_ID@%h"
start beat "$VENV/bin/celery" -A empathy_site beat --loglevel=INFO --schedule "$WORK/beat-schedule"

log "waiting for /readyz and the worker (a loaded machine may take a minute)"
wait_until() {  # wait_until SECONDS COMMAND...: true once COMMAND succeeds
  local limit=$1; shift
  for _ in $(seq 1 $((limit * 2))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  return 1
}
wait_until 180 curl -sf --cacert "$WORK/cert.pem" "https://127.0.0.1:$WEB_PORT/readyz" \
  || { log "/readyz never answered 200"; exit 1; }
wait_until 180 grep -q "smoke-$RUN_ID@.* ready\." "$WORK/worker.log" || { log "the worker never became ready"; exit 1; }
"$VENV/bin/celery" -A empathy_site inspect ping --timeout 30 -d "smoke-$RUN_ID@$(hostname)" >/dev/null \
  || { log "the worker does not answer a ping through the broker"; exit 1; }

"$PY" deploy/smoke_client.py --base "https://127.0.0.1:$WEB_PORT" --ca "$WORK/cert.pem" \
  --email "$EMAIL" --password "$PASSWORD" --org smoke

grep -q "Scheduler: Sending due task webhooks-sweep" "$WORK/beat.log" \
  || { log "beat never sent the webhook sweep"; exit 1; }
if grep -q "Traceback" "$WORK/web.log" "$WORK/worker.log"; then
  log "a traceback was logged"; exit 1
fi
