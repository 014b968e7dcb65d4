"""Who uses Groundwork at once, for the load test (bench/bench_load.py starts locust with this file).

The plan (a JSON file named by LOAD_PLAN, written by bench_load after seeding) holds the
organisation, the signed-in sessions, an API key and the ids the users pick from. Every request
goes to gunicorn over plain HTTP with `X-Forwarded-Proto: https`, as the TLS-terminating proxy in
front of it would send (DEBUG is off, so the site insists on HTTPS and secure cookies).

- Researcher: reads the interview list and one-hour transcripts, searches the evidence.
- Marketer: reads the persona gallery and personas, the message list, and writes a message with
  its assumption check (the API, signed in with the browser session and its CSRF token).
- Integration: follows the changes feed with its API key and posts highlights in bulk.
- Bare: only the health endpoint, a trivial Django view: the reference every figure is divided by.
"""

import itertools
import json
import os
import random
import uuid

from locust import FastHttpUser, between, task

PLAN = json.loads(open(os.environ["LOAD_PLAN"], encoding="utf-8").read())  # noqa: SIM115
ORG = PLAN["org"]
THINK = between(PLAN["think_min"], PLAN["think_max"])
PROXY = {"X-Forwarded-Proto": "https", "Referer": f"https://{PLAN['host']}/"}
_counter = itertools.count()


class _Session(FastHttpUser):
    abstract = True
    wait_time = THINK
    role = ""

    def on_start(self):
        session = PLAN["sessions"][self.role][next(_counter) % len(PLAN["sessions"][self.role])]
        self.headers = {
            **PROXY,
            "Cookie": f"sessionid={session['sessionid']}; csrftoken={session['csrftoken']}",
        }
        self.api_headers = {**self.headers, "X-CSRFToken": session["csrftoken"], "X-Organization": ORG,
                            "Accept": "application/json"}


class Researcher(_Session):
    weight = 3
    role = "researcher"

    @task(1)
    def interview_list(self):
        self.client.get(f"/o/{ORG}/interviews/", headers=self.headers, name="page: interview list")

    @task(3)
    def transcript(self):
        interview = random.choice(PLAN["interviews"])
        self.client.get(f"/o/{ORG}/interviews/{interview['id']}/", headers=self.headers, name="page: transcript")

    @task(2)
    def search(self):
        self.client.get(f"/o/{ORG}/search/", params={"q": random.choice(PLAN["words"])}, headers=self.headers,
                        name="page: search")


class Marketer(_Session):
    weight = 2
    role = "marketer"

    @task(2)
    def persona_gallery(self):
        self.client.get(f"/o/{ORG}/personas/", headers=self.headers, name="page: persona gallery")

    @task(3)
    def persona(self):
        self.client.get(f"/o/{ORG}/personas/{random.choice(PLAN['personas'])}/", headers=self.headers,
                        name="page: persona")

    @task(1)
    def message_list(self):
        self.client.get(f"/o/{ORG}/messages/", headers=self.headers, name="page: message list")

    @task(1)
    def write_message(self):
        check = PLAN["check"]
        body = {
            "title": f"Load message {uuid.uuid4().hex[:8]}",
            "channel": "email",
            "body": "Every figure in our quote drops straight into your comparison sheet.",
            "target_personas": [check["persona"]],
            "assumption_check": {"basis": "insight", "own_taste": 3, "predicted_reaction": 4,
                                 "claims": check["claims"], "highlights": check["highlights"]},
        }
        with self.client.post("/api/v1/messages/", json=body, name="api: write message",
                              headers={**self.api_headers, "Idempotency-Key": uuid.uuid4().hex},
                              catch_response=True) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code}: {response.text[:200]}")


class Integration(FastHttpUser):
    weight = 1
    wait_time = THINK

    def on_start(self):
        self.api_headers = {**PROXY, "Authorization": f"Bearer {PLAN['api_key']}", "Accept": "application/json"}
        self.cursor = ""

    @task(3)
    def follow_changes(self):
        params = {"limit": 100, **({"cursor": self.cursor} if self.cursor else {})}
        with self.client.get("/api/v1/changes/", params=params, headers=self.api_headers, name="api: changes feed",
                             catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return
            self.cursor = response.json()["cursor"]

    @task(1)
    def post_highlights(self):
        spans = random.sample(PLAN["spans"], k=min(PLAN["bulk_size"], len(PLAN["spans"])))
        items = [{"interview": s["interview"], "start_position": s["position"], "start_offset": 0,
                  "end_position": s["position"], "end_offset": s["length"]} for s in spans]
        with self.client.post("/api/v1/highlights/bulk/", json={"items": items}, name="api: highlights bulk",
                              headers={**self.api_headers, "Idempotency-Key": uuid.uuid4().hex},
                              catch_response=True) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code}: {response.text[:200]}")


class Bare(FastHttpUser):
    """The reference: a trivial Django view through the same middleware, server and client."""

    wait_time = THINK

    @task
    def health(self):
        self.client.get("/healthz", headers=PROXY, name="bare: /healthz")
