"""The smoke test's client: drives a running deployment through HTTP only (run by deploy/smoke.sh).

Signs in through the login form (CSRF), checks a page and its fingerprinted static file, registers a
webhook to a receiver of its own, uploads a transcript, waits for it to be ready, searches, creates a
highlight, builds and publishes a persona citing it, writes a message with its assumption check, and
waits for the signed webhooks: the receiver refuses the first delivery, so the retry proves the beat
sweep runs; every signature is verified with the secret shown at registration.

Exit status 0 when every step passed; otherwise the step that failed is printed.
"""

import argparse
import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
from standardwebhooks.webhooks import Webhook

TRANSCRIPT = """WEBVTT

00:00:01.000 --> 00:00:06.000
<v Interviewer>How do you choose a supplier for packaging?

00:00:06.500 --> 00:00:15.000
<v Dana>We compare three quotes every quarter, and the procurement spreadsheet decides, not the sales pitch.

00:00:15.500 --> 00:00:20.000
<v Interviewer>What makes a quote stand out?

00:00:20.500 --> 00:00:30.000
<v Dana>Delivery reliability. A late pallet costs us a whole production shift.
"""


def step(message):
    print(f"smoke: {message}", flush=True)


class Failed(Exception):
    pass


def expect(response, status, what):
    if response.status_code != status:
        raise Failed(f"{what}: expected {status}, got {response.status_code}: {response.text[:500]}")
    return response


class Receiver:
    """A local webhook receiver: refuses the very first delivery (503), accepts every later one."""

    def __init__(self):
        self.deliveries = []  # (webhook-id, headers, body, status answered)
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    status = 503 if not receiver.deliveries else 200
                    receiver.deliveries.append((self.headers.get("webhook-id"), dict(self.headers), body, status))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def wait_for(what, check, timeout, interval=0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(interval)
    raise Failed(f"timed out after {timeout} s waiting for {what}")


def run(base, ca, email, password, org, webhook_timeout):
    web = requests.Session()
    web.trust_env = False  # REQUESTS_CA_BUNDLE in the environment would override verify
    web.verify = ca
    # Django checks the Referer of every secure unsafe request against the host.
    web.headers["Referer"] = f"{base}/"

    step("health checks")
    expect(web.get(f"{base}/healthz", timeout=10), 200, "/healthz")
    ready = expect(web.get(f"{base}/readyz", timeout=10), 200, "/readyz").json()
    if ready["checks"] != {"database": True, "broker": True}:
        raise Failed(f"/readyz: {ready}")

    step("sign in through the form (CSRF)")
    login = expect(web.get(f"{base}/accounts/login/", timeout=10), 200, "login page")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)
    if not token:
        raise Failed("login page has no CSRF token")
    refused = web.post(f"{base}/accounts/login/", data={"username": email, "password": password}, timeout=10)
    if refused.status_code != 403:
        raise Failed(f"a sign-in without its CSRF token answered {refused.status_code}, not 403")
    signed_in = web.post(
        f"{base}/accounts/login/",
        data={"csrfmiddlewaretoken": token.group(1), "username": email, "password": password},
        timeout=10,
    )
    expect(signed_in, 200, "sign in")
    if f"/o/{org}/" not in signed_in.url:
        raise Failed(f"sign-in did not land on the organisation's pages but on {signed_in.url}")

    step("a page and its fingerprinted static files (collectstatic manifest, DEBUG off)")
    page = expect(web.get(f"{base}/o/{org}/", timeout=10), 200, "dashboard")
    sheets = re.findall(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', page.text)
    if not sheets:
        raise Failed("the page links no fingerprinted stylesheet: is the static manifest in use?")
    sheet = expect(web.get(f"{base}{sheets[0]}", timeout=10), 200, "stylesheet")
    if "max-age=315360000" not in sheet.headers.get("Cache-Control", ""):
        raise Failed(f"a fingerprinted file is not cached for ever: {sheet.headers.get('Cache-Control')}")
    expect(web.get(f"{base}/o/{org}/does-not-exist/", timeout=10), 404, "an unknown page")

    api = requests.Session()
    api.trust_env = False
    api.verify = ca
    api.cookies = web.cookies
    api.headers.update({"Referer": f"{base}/", "X-CSRFToken": web.cookies["csrftoken"], "X-Organization": org})

    receiver = Receiver()
    try:
        step(f"register a webhook to {receiver.url}")
        events = ["interview.ready", "persona.published", "message.created"]
        hook = expect(
            api.post(f"{base}/api/v1/webhooks/", json={"url": receiver.url, "events": events}, timeout=10),
            201,
            "webhook registration",
        ).json()
        secret = hook.get("secret")
        if not secret:
            raise Failed(f"the registration answer shows no secret: {sorted(hook)}")

        step("upload a transcript")
        files = {"file": ("supplier-call.vtt", TRANSCRIPT.encode(), "text/vtt")}
        interview = expect(
            api.post(f"{base}/api/v1/interviews/", files=files, data={"title": "Supplier call"}, timeout=30),
            202,
            "upload",
        ).json()
        iid = interview["id"]

        step("wait until the worker has processed it")

        def is_ready():
            current = expect(api.get(f"{base}/api/v1/interviews/{iid}/", timeout=10), 200, "interview").json()
            if current["status"] == "failed":
                raise Failed(f"the interview failed: {current}")
            return current["status"] == "ready"

        wait_for("the interview to be ready", is_ready, timeout=120)
        utterances = expect(
            api.get(f"{base}/api/v1/interviews/{iid}/utterances/", timeout=10), 200, "utterances"
        ).json()["results"]
        quote = next(u for u in utterances if "spreadsheet" in u["text"])

        step("search")
        found = expect(
            api.get(f"{base}/api/v1/search/", params={"q": "procurement spreadsheet"}, timeout=10), 200, "search"
        )
        hits = found.json()["results"]
        if not any(hit.get("interview") == iid for hit in hits):
            raise Failed(f"search did not find the uploaded interview: {found.text[:500]}")

        step("highlight the customer's words")
        highlight = expect(
            api.post(
                f"{base}/api/v1/highlights/",
                json={
                    "interview": iid,
                    "start_position": quote["position"],
                    "start_offset": 0,
                    "end_position": quote["position"],
                    "end_offset": len(quote["text"]),
                },
                timeout=10,
            ),
            201,
            "highlight",
        ).json()

        step("build a persona citing it and publish it")
        expect(
            api.patch(f"{base}/api/v1/evidence-policy/", json={"min_citations": 1, "min_participants": 1}, timeout=10),
            200,
            "evidence policy",
        )
        persona = expect(
            api.post(f"{base}/api/v1/personas/", json={"name": "Careful Buyer"}, timeout=10), 201, "persona"
        ).json()
        claim = expect(
            api.post(
                f"{base}/api/v1/claims/",
                json={"persona": persona["id"], "kind": "behaviour", "statement": "Lets the spreadsheet decide"},
                timeout=10,
            ),
            201,
            "claim",
        ).json()
        expect(
            api.post(
                f"{base}/api/v1/citations/", json={"claim": claim["id"], "highlight": highlight["id"]}, timeout=10
            ),
            201,
            "citation",
        )
        published = expect(api.post(f"{base}/api/v1/personas/{persona['id']}/publish/", timeout=10), 200, "publish")
        if published.json().get("number") != 1:
            raise Failed(f"publish answered {published.text[:300]}")

        step("write a message with its assumption check")
        message = expect(
            api.post(
                f"{base}/api/v1/messages/",
                json={
                    "title": "Quotes that add up",
                    "channel": "email",
                    "body": "Every figure in our quote drops straight into your comparison sheet.",
                    "target_personas": [persona["id"]],
                    "assumption_check": {
                        "basis": "insight",
                        "own_taste": 3,
                        "predicted_reaction": 4,
                        "claims": [claim["id"]],
                        "highlights": [highlight["id"]],
                    },
                },
                timeout=10,
            ),
            201,
            "message",
        ).json()

        step("wait for the signed webhooks (the first is refused once, so its retry needs beat)")

        def all_received():
            with receiver.lock:
                accepted = [d for d in receiver.deliveries if d[3] == 200]
            seen = set()
            for _, headers, body, _ in accepted:
                event = Webhook(secret).verify(body, {k.lower(): v for k, v in headers.items()})
                seen.add(event["type"])
            return set(events) <= seen

        wait_for("interview.ready, persona.published and message.created", all_received, timeout=webhook_timeout)
        with receiver.lock:
            first_id = receiver.deliveries[0][0]
            retried = [d for d in receiver.deliveries[1:] if d[0] == first_id and d[3] == 200]
            forged = receiver.deliveries[0][2] + b" "
            headers = {k.lower(): v for k, v in receiver.deliveries[0][1].items()}
        if not retried:
            raise Failed("the refused delivery was never retried with the same webhook-id")
        try:
            Webhook(secret).verify(forged, headers)
        except Exception:  # the library raises its own verification error for a changed body
            pass
        else:
            raise Failed("a changed body passed signature verification")
        data = json.loads(retried[0][2])
        step(f"webhooks verified: {len(receiver.deliveries)} deliveries, first refused and retried ({data['type']})")
        revisions = expect(
            api.get(f"{base}/api/v1/messages/{message['id']}/revisions/", timeout=10), 200, "message revisions"
        ).json()["results"]
        checks = [revision.get("assumption_check") for revision in revisions if revision.get("assumption_check")]
        if not message.get("grounding") or not checks or checks[0]["basis"] != "insight":
            raise Failed(f"the message's assumption check is missing: {message} {revisions}")
        step(f"message grounding {message['grounding']!r}, check basis {checks[0]['basis']!r}")
    finally:
        receiver.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="https://host:port of the running site")
    parser.add_argument("--ca", required=True, help="the certificate the site serves (self-signed)")
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--org", required=True, help="organisation slug")
    parser.add_argument("--webhook-timeout", type=float, default=150)
    args = parser.parse_args()
    try:
        run(args.base, args.ca, args.email, args.password, args.org, args.webhook_timeout)
    except Failed as failure:
        print(f"smoke: FAILED: {failure}", file=sys.stderr, flush=True)
        return 1
    step("all steps passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
