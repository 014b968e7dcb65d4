"""Load test: gunicorn (4 workers, DEBUG off, as the NOBYPASSRLS role) and a Celery worker under a
realistic mix of users (bench/load/locustfile.py), the user count stepped up until p95 passes 300 ms.

Seeds one organisation (the demo content plus one-hour transcripts), signs a few researchers and
marketers in (their sessions are made here, not through the login form, whose deliberately slow
password hash would be measured instead of the site), makes an API key for the integration, then
starts the processes as `make smoke` does. Locust runs headless, once per step, with think times of
0.5-1.5 s per user. Two series, in the same run and the same way:

- bare: only /healthz (a trivial Django view behind the whole middleware stack), the reference;
- mix: researchers 3 : marketers 2 : integration 1.

For each series: the sustained rate (the highest requests/s of a step with p95 < 300 ms and no
error) and the knee (the first user count whose p95 passes 300 ms, or that had errors). Both are also
given as ratios to the bare view's. Then each endpoint of the mix is requested once in-process with
Django's test client to count its SQL queries (CaptureQueriesContext), and the slowest (by p95 at
the last step before the knee) are listed with those counts.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from .report import Row

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
LOCUSTFILE = Path(__file__).parent / "load" / "locustfile.py"
P95_LIMIT_MS = 300
WORKERS = 4
THINK = (0.5, 1.5)
STEP_SECONDS = int(os.environ.get("BENCH_LOAD_STEP_SECONDS", "20"))
MAX_USERS = 1024
TRANSCRIPTS = 30  # one-hour transcripts (about 400 utterances each) at scale 1
SESSIONS_PER_ROLE = 5
BULK_SIZE = 20
REDIS_URL = os.environ.get("BENCH_LOAD_REDIS_URL", "redis://127.0.0.1:6379/13")


@dataclass
class Step:
    users: int
    rps: float
    p95: float
    failures: int
    requests: int
    endpoints: dict[str, tuple[float, float, int]]  # name -> (rps, p95 ms, requests)

    @property
    def within(self) -> bool:
        return self.p95 < P95_LIMIT_MS and self.failures == 0 and self.requests > 0


# ---------------------------------------------------------------- seeding


def _seed(ctx, workdir: Path, host: str) -> tuple[dict, object, list[tuple[str, dict]]]:
    """The organisation and its data; returns (locust plan, org, in-process requests for query counts)."""
    from django.test import Client

    from empathy_site.demo import seed_demo_content
    from empathy_site.tenancy.context import tenant_scope
    from empathy_site.tenancy.models import Role
    from empathy_site.tenancy.services import api_key_create, membership_set, user_get_or_create
    from interviews import services as interview_services
    from interviews.models import Interview, Utterance
    from personas.models import Claim, Persona

    from . import transcripts

    org = ctx.organization("load")
    users = {"researcher": [], "marketer": []}
    for role, django_role in (("researcher", Role.RESEARCHER), ("marketer", Role.MARKETER)):
        for n in range(SESSIONS_PER_ROLE):
            user, _ = user_get_or_create(email=f"{role}{n}@{org.slug}.example", full_name=f"Load {role.title()} {n}")
            membership_set(organization=org, user=user, role=django_role)
            users[role].append(user)
    seed_demo_content(org)  # studies, tagged highlights, a persona with cited claims, messages (embedded Celery)
    for transcript in transcripts.build(ctx.scaled(TRANSCRIPTS)):
        with tenant_scope(org):
            interview_services.interview_upload(
                upload=interview_services.Upload(name=transcript.name, data=transcript.vtt()),
                title=f"Customer call {transcript.name.removesuffix('.vtt')}",
            )
    _, api_key = api_key_create(organization=org, name="load test integration", scopes=["read", "write"])

    with tenant_scope(org):
        interviews = list(Interview.objects.filter(status="ready").order_by("id"))
        if len(interviews) < ctx.scaled(TRANSCRIPTS):
            raise RuntimeError(f"only {len(interviews)} interviews became ready")
        utterances = list(
            Utterance.objects.filter(interview__in=interviews)
            .order_by("interview_id", "position")
            .values_list("interview__public_id", "position", "text")
        )
        spans = [{"interview": str(i), "position": p, "length": len(t)} for i, p, t in utterances[::7] if t]
        words = _search_words(Utterance.objects.filter(interview__in=interviews).values_list("text", flat=True)[:5000])
        persona = Persona.objects.order_by("id").first()
        claims = [str(c) for c in Claim.objects.filter(persona=persona).values_list("public_id", flat=True)]
        # The persona's claims, not the demo highlights: their participants' consent does not cover marketing.
        highlights = []
        personas = [str(p) for p in Persona.objects.values_list("public_id", flat=True)]
    if not (claims and personas and spans):
        raise RuntimeError("the demo content has no persona with claims and highlights to cite")

    sessions = {}
    for role, members in users.items():
        sessions[role] = []
        for user in members:
            client = Client()
            client.force_login(user)
            sessions[role].append({"sessionid": client.cookies["sessionid"].value, "csrftoken": os.urandom(16).hex()})
    plan = {
        "host": host, "org": org.slug, "think_min": THINK[0], "think_max": THINK[1], "sessions": sessions,
        "api_key": api_key, "interviews": [{"id": str(i.public_id)} for i in interviews], "personas": personas,
        "words": words, "spans": spans, "bulk_size": BULK_SIZE,
        "check": {"persona": personas[0], "claims": claims, "highlights": highlights},
    }
    (workdir / "plan.json").write_text(json.dumps(plan))

    probes = [
        ("page: interview list", {"path": f"/o/{org.slug}/interviews/", "user": users["researcher"][0]}),
        ("page: transcript", {"path": f"/o/{org.slug}/interviews/{interviews[-1].public_id}/", "user": users["researcher"][0]}),
        ("page: search", {"path": f"/o/{org.slug}/search/", "data": {"q": words[0]}, "user": users["researcher"][0]}),
        ("page: persona gallery", {"path": f"/o/{org.slug}/personas/", "user": users["marketer"][0]}),
        ("page: persona", {"path": f"/o/{org.slug}/personas/{personas[0]}/", "user": users["marketer"][0]}),
        ("page: message list", {"path": f"/o/{org.slug}/messages/", "user": users["marketer"][0]}),
        ("api: write message", {"path": "/api/v1/messages/", "method": "post", "user": users["marketer"][0],
                                "json": {"title": "Probe", "channel": "email", "body": "Probe body.",
                                         "target_personas": [personas[0]],
                                         "assumption_check": {"basis": "insight", "own_taste": 3,
                                                              "predicted_reaction": 4, "claims": claims,
                                                              "highlights": highlights}},
                                "headers": {"X-Organization": org.slug}}),
        ("api: changes feed", {"path": "/api/v1/changes/", "data": {"limit": 100}, "key": api_key}),
        ("api: highlights bulk", {"path": "/api/v1/highlights/bulk/", "method": "post", "key": api_key,
                                  "json": {"items": [{"interview": s["interview"], "start_position": s["position"],
                                                      "start_offset": 0, "end_position": s["position"],
                                                      "end_offset": s["length"]} for s in spans[:BULK_SIZE]]}}),
        ("bare: /healthz", {"path": "/healthz"}),
    ]
    plan["utterances"] = len(utterances)
    return plan, org, probes


def _search_words(texts) -> list[str]:
    """Words of 5+ letters that occur often enough to find something, as people would type them."""
    counts: dict[str, int] = {}
    for text in texts:
        for word in text.lower().split():
            word = word.strip(".,!?\"'()")
            if len(word) >= 5 and word.isalpha():
                counts[word] = counts.get(word, 0) + 1
    ranked = sorted(counts, key=lambda w: (-counts[w], w))
    return ranked[:60] or ["spreadsheet"]


def _query_counts(probes) -> dict[str, tuple[int, int]]:
    """name -> (queries, status) for one in-process request through the whole middleware stack."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for name, probe in probes:
        client = Client()
        if probe.get("user"):
            client.force_login(probe["user"])
        headers = dict(probe.get("headers", {}))
        if probe.get("key"):
            headers["Authorization"] = f"Bearer {probe['key']}"
        with CaptureQueriesContext(connection) as queries:
            if probe.get("method") == "post":
                response = client.post(probe["path"], data=json.dumps(probe["json"]), content_type="application/json",
                                       headers=headers, secure=True)
            else:
                response = client.get(probe["path"], data=probe.get("data"), headers=headers, secure=True)
        if response.status_code >= 400:
            print(f"bench: load: probe {name} answered {response.status_code}: {response.content[:300]!r}", flush=True)
        counts[name] = (len(queries), response.status_code)
    return counts


# ---------------------------------------------------------------- processes


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(ctx, workdir: Path) -> dict[str, str]:
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(ctx.database_url)
    params.pop("password", None)
    params["user"] = ctx.app_role  # the runtime role itself logs in, as in production (no SET ROLE)
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_TASK_ALWAYS_EAGER", "DJANGO_SETTINGS_MODULE")}
    env.update({
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": _url(params),
        "DATABASE_APP_ROLE": ctx.app_role,
        "REDIS_URL": REDIS_URL,
        "MEDIA_ROOT": str(workdir / "media"),
        # The mix is far below any person's or key's real rate; the limiter still runs on every request.
        "API_RATE_LIMIT": "1000000/min",
        "GUNICORN_WORKERS": str(WORKERS),
        "GUNICORN_LOG_LEVEL": "warning",
        "PYTHONDONTWRITEBYTECODE": "",
    })
    return env


def _url(params: dict) -> str:
    return f"postgres://{params['user']}@{params.get('host', '127.0.0.1')}:{params.get('port', 5432)}/{params['dbname']}"


def _start(name: str, argv: list[str], env: dict, workdir: Path) -> subprocess.Popen:
    log = open(workdir / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
    return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_ready(base: str, web: subprocess.Popen, workdir: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if web.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {(workdir / 'web.log').read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=5) as response:  # noqa: S310 (our own server)
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError("gunicorn did not answer /readyz within 90 s")


def _prepare_database(ctx) -> None:
    """The runtime role logs in (tests/conftest.py does the same for the test worker); statistics for every table.

    ANALYZE all of it, as autovacuum would have by the time a real site serves such data: right after seeding,
    tables autovacuum has not reached yet have no statistics, and under row-level security the planner then
    chose a near cross join for the assumption check's evidence count (message create ran for minutes).
    """
    conn = ctx.raw_connection(as_owner=True)
    try:
        conn.execute(f'ALTER ROLE "{ctx.app_role}" LOGIN NOSUPERUSER NOBYPASSRLS')
        conn.execute("VACUUM ANALYZE")
    finally:
        conn.close()


def _collect_static() -> None:
    """The static manifest the pages need with DEBUG off (as `make smoke` runs collectstatic).

    With Django's manifest storage, which names and maps the files as WhiteNoise's does, but without
    WhiteNoise's gzip and brotli copies: locust fetches no static file, and brotli at its highest
    quality (installed with locust) would spend minutes of this shared machine on 36 MB of files.
    """
    from django.core.management import call_command
    from django.test import override_settings

    storages = {**settings_storages(), "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}
    with override_settings(STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)


def settings_storages() -> dict:
    from django.conf import settings

    return dict(settings.STORAGES)


# ---------------------------------------------------------------- locust


def _locust_step(series: str, users: int, base: str, workdir: Path, seconds: int = STEP_SECONDS) -> Step:
    prefix = workdir / f"{series}-{users}-{seconds}"
    classes = ["Bare"] if series == "bare" else ["Researcher", "Marketer", "Integration"]
    argv = [str(VENV_BIN / "locust"), "-f", str(LOCUSTFILE), "--headless", "--host", base, "-u", str(users),
            "-r", str(users), "--run-time", f"{seconds + 2}s", "--reset-stats", "--csv", str(prefix),
            "--only-summary", "--loglevel", "ERROR", "--stop-timeout", "5", *classes]
    env = {**os.environ, "LOAD_PLAN": str(workdir / "plan.json")}
    result = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=seconds + 120)
    stats_file = Path(f"{prefix}_stats.csv")
    if not stats_file.exists():
        raise RuntimeError(f"locust wrote no statistics (exit {result.returncode}): {result.stderr[-2000:]}")
    endpoints, total = {}, None
    with stats_file.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if not int(row["Request Count"]):
                continue  # locust writes N/A for the percentiles of a name never requested
            figures = (float(row["Requests/s"]), float(row["95%"]), int(row["Request Count"]))
            if row["Name"] == "Aggregated":
                total = (*figures, int(row["Failure Count"]))
            else:
                endpoints[row["Name"]] = figures
    failures_file = Path(f"{prefix}_failures.csv")
    if failures_file.exists():
        with failures_file.open(newline="") as handle:
            for row in csv.DictReader(handle):
                print(f"bench: load: {series} at {users} users: {row['Occurrences']}x {row['Name']}: {row['Error'][:300]}",
                      flush=True)
    rps, p95, requests, failures = total or (0.0, 0.0, 0, 0)
    return Step(users, rps, p95, failures, requests, endpoints)


def _series(series: str, base: str, workdir: Path, first_users: int) -> list[Step]:
    """Double the users until a request fails, or p95 passes the limit and the rate has stopped growing
    (so the peak rate is measured too), then try once between the last step within the limit and the next."""
    # Warm-up, not counted: each gunicorn worker imports the views and opens its connection on first use.
    _locust_step(series, first_users * 2, base, workdir, seconds=max(5, STEP_SECONDS // 2))
    steps, users = [], first_users

    def measure(count: int) -> Step:
        step = _locust_step(series, count, base, workdir)
        print(f"bench: load: {series:4} {count:5} users: {step.rps:7.1f} req/s, p95 {step.p95:6.0f} ms, "
              f"{step.failures} errors of {step.requests}", flush=True)
        for name, (rps, p95, requests) in sorted(step.endpoints.items()):
            print(f"bench: load:        {name:24} {rps:6.1f} req/s, p95 {p95:6.0f} ms, n={requests}", flush=True)
        steps.append(step)
        return step

    while users <= MAX_USERS:
        step = measure(users)
        growing = len(steps) < 2 or step.rps > 1.15 * steps[-2].rps
        if step.failures or (not step.within and not growing):
            break
        users *= 2
    last_within = max((s.users for s in steps if s.within), default=0)
    beyond = min((s.users for s in steps if s.users > last_within), default=0)
    if last_within and beyond and beyond - last_within > 1:
        measure((last_within + beyond) // 2)
    return sorted(steps, key=lambda s: s.users)


def _summary(steps: list[Step]) -> tuple[Step | None, Step | None]:
    """(the step of the highest sustained rate, the knee: the first step past the limit)."""
    within = [s for s in steps if s.within]
    best = max(within, key=lambda s: s.rps) if within else None
    knee = next((s for s in steps if not s.within), None)
    return best, knee


# ---------------------------------------------------------------- run


def run(ctx) -> list[Row]:
    import redis

    with tempfile.TemporaryDirectory(prefix="groundwork-load-") as tmp:
        workdir = Path(tmp)
        port = _free_port()
        host, base = f"127.0.0.1:{port}", f"http://127.0.0.1:{port}"
        print("bench: load: seeding", flush=True)
        plan, org, probes = _seed(ctx, workdir, host)
        print(f"bench: load: {len(plan['interviews'])} interviews, {plan['utterances']:,} utterances", flush=True)
        _prepare_database(ctx)
        _collect_static()
        print("bench: load: counting each endpoint's queries (one request each, in-process)", flush=True)
        counts = _query_counts(probes)
        redis.Redis.from_url(REDIS_URL).flushdb()
        env = _server_env(ctx, workdir)
        web = _start("web", [str(VENV_BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "--bind", host,
                             "--workers", str(WORKERS)], env, workdir)
        worker = _start("worker", [str(VENV_BIN / "celery"), "-A", "empathy_site", "worker", "--loglevel=WARNING",
                                   "--concurrency=1", "--hostname", f"load-{port}@%h"], env, workdir)
        try:
            _wait_ready(base, web, workdir)
            bare = _series("bare", base, workdir, first_users=4)
            mix = _series("mix", base, workdir, first_users=1)
        finally:
            _stop(web)
            _stop(worker)
            redis.Redis.from_url(REDIS_URL).flushdb()

    bare_best, bare_knee = _summary(bare)
    mix_best, mix_knee = _summary(mix)
    bare_peak, mix_peak = max(bare, key=lambda s: s.rps), max(mix, key=lambda s: s.rps)
    rows = [
        Row("mix: sustained req/s at p95 < 300 ms and 0 errors", mix_best.rps if mix_best else 0, "req/s",
            bare_best.rps if bare_best else None, "bare /healthz, same run", "", None),
        Row("  users then (think time 0.5-1.5 s)", mix_best.users if mix_best else 0, "users",
            bare_best.users if bare_best else None, "bare", "", None),
        Row("mix: knee, fewest users with p95 ≥ 300 ms or errors", mix_knee.users if mix_knee else float("nan"),
            "users", bare_knee.users if bare_knee else None, "bare", "", None),
        Row("  p95 at the knee", mix_knee.p95 if mix_knee else float("nan"), "ms",
            bare_knee.p95 if bare_knee else None, "bare", "", None),
        Row("mix: peak req/s, any p95", mix_peak.rps, "req/s", bare_peak.rps, "bare peak", "", None),
        Row(f"  users / p95 / errors at the peak: {mix_peak.users} / {mix_peak.p95:.0f} ms / {mix_peak.failures}",
            mix_peak.p95, "ms", bare_peak.p95, f"bare p95 at {bare_peak.users} users", "", None),
        Row("mix: p95 at the fewest users (no contention)", mix[0].p95, "ms", bare[0].p95,
            f"bare at {bare[0].users} users", "", None),
    ]
    # The endpoints, slowest first, at the mix's peak (the step with the most samples).
    for name, (_rps, p95, requests) in sorted(mix_peak.endpoints.items(), key=lambda item: -item[1][1]):
        queries, status_code = counts.get(name, (0, 0))
        rows.append(Row(f"  p95 {name} ({queries} queries, HTTP {status_code}) at {mix_peak.users} users, n={requests}",
                        p95, "ms", bare_peak.p95, "bare p95 at its peak", "", None))
    return rows
