"""Webhooks cannot be aimed inside, nor stall delivery; old outbox and idempotency rows are pruned."""

import socket
import struct
import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from empathy_site.api.models import IdempotencyRecord
from empathy_site.sync import webhooks
from empathy_site.sync.models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from empathy_site.tenancy.context import active_org_id, tenant_scope

from .receiver import Receiver

HOOK_HOST = "hooks.example"


@pytest.fixture(autouse=True)
def local_receivers_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True  # tests that check the public-only rule turn it off


@pytest.fixture
def dns(monkeypatch):
    """Fake DNS for HOOK_HOST (socket.getaddrinfo lies outside the project); other names resolve for real.

    `dns.answers` is a list of answers, one per lookup; the last one repeats. `dns.lookups` counts lookups.
    """
    real_getaddrinfo = socket.getaddrinfo

    class FakeDns:
        answers: list[list[str]] = [["8.8.8.8"]]
        lookups = 0

    def getaddrinfo(host, port, *args, **kwargs):
        if host != HOOK_HOST:
            return real_getaddrinfo(host, port, *args, **kwargs)
        answer = FakeDns.answers[min(FakeDns.lookups, len(FakeDns.answers) - 1)]
        FakeDns.lookups += 1
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port or 443, 0, 0)) if ":" in address
            else (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port or 443))
            for address in answer
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return FakeDns


def register(org, url, events=("persona.published",)):
    with tenant_scope(org):
        return webhooks.endpoint_create(url=url, events=list(events))


def deliver_now(org):
    from empathy_site.tenancy.context import activate_without_transaction, deactivate

    token = activate_without_transaction(org.pk)
    try:
        return webhooks.deliver_due()
    finally:
        deactivate(token)


# Destinations ---------------------------------------------------------------------------------

PUBLIC = ["8.8.8.8", "93.184.215.14", "1.1.1.1", "2606:4700:4700::1111", "2a00:1450:4001:82b::200e"]

NOT_PUBLIC = [
    # private, loopback, link-local (cloud metadata), unspecified
    "127.0.0.1", "10.0.0.1", "172.16.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0",
    # shared address space (carrier NAT, Alibaba's metadata service at 100.100.100.200)
    "100.64.0.1", "100.100.100.200",
    # benchmarking, documentation, 6to4 relay anycast, multicast, reserved, broadcast
    "198.18.0.1", "192.0.2.1", "192.88.99.1", "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255",
    # IPv6: loopback, unspecified, link-local, unique local, site-local, multicast, documentation, discard
    "::1", "::", "fe80::1", "fd12:3456::1", "fec0::1", "ff02::1", "ff0e::1", "2001:db8::1", "100::1",
    # Teredo, and tunnel forms of 127.0.0.1 and 10.0.0.1: IPv4-mapped, IPv4-compatible, NAT64, 6to4
    "2001::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::127.0.0.1", "64:ff9b::7f00:1", "64:ff9b::a00:1",
    "64:ff9b:1::7f00:1", "64:ff9b:1::a00:1", "2002:7f00:1::1", "2002:a00:1::1",
]


@pytest.mark.parametrize("address", PUBLIC)
def test_a_host_resolving_to_public_addresses_is_accepted(org_a, settings, dns, address):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    dns.answers = [[address]]
    assert register(org_a, f"https://{HOOK_HOST}/hook").url == f"https://{HOOK_HOST}/hook"


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_a_host_resolving_to_anything_but_a_public_address_is_refused(org_a, settings, dns, address):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    dns.answers = [[address]]
    with pytest.raises(ValidationError, match="not a public internet address"):
        register(org_a, f"https://{HOOK_HOST}/hook")


@pytest.mark.parametrize("url", ["https://100.100.100.200/latest/meta-data", "https://[fec0::1]/hook",
                                 "https://[2002:7f00:1::1]/hook", "https://[::ffff:127.0.0.1]/hook",
                                 "https://[64:ff9b::a00:1]/hook"])
def test_address_literals_from_the_issue_are_refused(org_a, settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    with pytest.raises(ValidationError, match="not a public internet address"):
        register(org_a, url)


def test_every_resolved_address_must_be_public(org_a, settings, dns):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    dns.answers = [["8.8.8.8", "10.0.0.1"]]
    with pytest.raises(ValidationError, match="10.0.0.1"):
        register(org_a, f"https://{HOOK_HOST}/hook")


@pytest.mark.parametrize("url", [
    "https://127.0.0.1\\@8.8.8.8/",  # urlsplit saw 8.8.8.8, urllib connected to 127.0.0.1
    "https://hooks.example\\@8.8.8.8/",
    "https://user:secret@hooks.example/hook",
    "https://hooks.example@8.8.8.8/",
    "https://hooks.example/a b",
    "https://hooks.example/x\r\nX-Injected: 1",
    "https://hooks.example/\t",
    "https://hooks.ex\x00ample/",
    "https://hooks.example:0/hook",
    "https://hooks.example:65536/hook",
    "https://hooks.example:99999/hook",
    "https://hooks.example:http/hook",
    "https://[hooks.example]/hook",
    "https://[::1/hook",
    "ftp://hooks.example/hook",
    "https:///hook",
])
def test_ambiguous_or_malformed_urls_are_refused(org_a, settings, dns, url):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    with pytest.raises(ValidationError):
        register(org_a, url)


@pytest.mark.parametrize("port", ["0", "65536", "99999"])
def test_a_bad_port_is_a_400_from_the_api(alice, org_a, settings, dns, port):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    api = APIClient()
    api.force_login(alice.user)
    answer = api.post("/api/v1/webhooks/", {"url": f"https://{HOOK_HOST}:{port}/hook", "events": ["persona.published"]},
                      format="json", HTTP_X_ORGANIZATION=org_a.slug)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid" and "port" in answer.json()["error"]["message"].lower()


def test_a_url_refused_now_is_refused_at_send_time_too(org_a, settings):
    """An endpoint stored before the rules tightened is checked with the same parser before any byte leaves."""
    with Receiver() as receiver:
        port = receiver.server.server_address[1]
        with tenant_scope(org_a):
            WebhookEndpoint.objects.create(organization=org_a, url=f"http://127.0.0.1:{port}\\@8.8.8.8/",
                                           events=["persona.published"], secret=webhooks.new_secret())
            webhooks.emit("persona.published", payload={"type": "persona", "id": "x"})
        deliver_now(org_a)
        assert receiver.requests == []
    with tenant_scope(org_a):
        delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 1 and delivery.status == "pending" and delivery.last_error


def test_the_send_connects_to_the_address_that_was_checked(org_a, dns):
    """A second lookup could answer differently (DNS rebinding): the send resolves once and pins that address."""
    with Receiver() as receiver:
        port = receiver.server.server_address[1]
        dns.answers = [["127.0.0.1"]]
        register(org_a, f"http://{HOOK_HOST}:{port}/hook")
        with tenant_scope(org_a):
            webhooks.emit("persona.published", payload={"type": "persona", "id": "x"})
        # The first lookup of the send answers the receiver; any later one answers an address nobody listens on.
        dns.lookups, dns.answers = 0, [["127.0.0.1"], ["127.0.0.2"]]
        deliver_now(org_a)
        assert dns.lookups == 1
        assert len(receiver.requests) == 1
        headers, _ = receiver.requests[0]
        assert headers["host"] == f"{HOOK_HOST}:{port}"  # the name, not the address, goes in the Host header
    with tenant_scope(org_a):
        assert WebhookDelivery.objects.get().status == "succeeded"


# Misbehaving receivers --------------------------------------------------------------------------


class RawServer:
    """A TCP server on 127.0.0.1 that reads one HTTP request and then answers with `respond(conn, stop)`."""

    def __init__(self, respond):
        self.respond = respond
        self.stop = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}/hook"

    def _serve(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn):
        with conn:
            conn.settimeout(10)
            try:
                received = b""
                while b"\r\n\r\n" not in received:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    received += chunk
                self.respond(conn, self.stop)
            except OSError:
                pass

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(5)
        self.listener.close()


def answer_garbage(conn, stop):
    conn.sendall(b"\x00\xff this is not HTTP \x00\r\n\r\n")


def reset_connection(conn, stop):
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close() sends RST


def dribble_a_byte_every_second(conn, stop):
    # Complete, valid and slow: each read returns within a second, the whole answer takes ~40 s.
    for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Slow: yes\r\n\r\n":
        conn.sendall(bytes([byte]))
        if stop.wait(1):
            return


def redirect_elsewhere(conn, stop):
    conn.sendall(b"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:1/elsewhere\r\nContent-Length: 0\r\n\r\n")


@pytest.mark.parametrize("respond", [answer_garbage, reset_connection, dribble_a_byte_every_second, redirect_elsewhere])
def test_a_misbehaving_receiver_is_a_failed_attempt_and_the_next_delivery_still_goes_out(org_a, settings, respond):
    settings.WEBHOOK_SEND_DEADLINE_SECONDS = 2
    with RawServer(respond) as bad, Receiver() as good:
        bad_endpoint = register(org_a, bad.url, events=["persona.published"])
        register(org_a, good.url, events=["highlight.created"])
        with tenant_scope(org_a):
            webhooks.emit("persona.published", payload={"type": "persona", "id": "first"})
        with tenant_scope(org_a):  # due after the bad one, so it is sent after it
            webhooks.emit("highlight.created", payload={"type": "highlight", "id": "second"})
        assert deliver_now(org_a) == 2
        assert len(good.requests) == 1
    with tenant_scope(org_a):
        failed = WebhookDelivery.objects.get(endpoint=bad_endpoint)
        assert (failed.status, failed.attempts) == ("pending", 1)
        assert failed.last_error and failed.next_attempt_at > timezone.now() + timedelta(seconds=20)
        attempt = DeliveryAttempt.objects.get(delivery=failed)
        assert attempt.error == failed.last_error
        bad_endpoint.refresh_from_db()
        assert bad_endpoint.failing_since is not None  # counts toward disabling
        assert WebhookDelivery.objects.exclude(endpoint=bad_endpoint).get().status == "succeeded"
    if respond is dribble_a_byte_every_second:
        assert "deadline" in failed.last_error
    if respond is redirect_elsewhere:
        assert failed.last_status_code == 307 and "redirect" in failed.last_error.lower()


def test_a_garbage_answer_fails_for_days_disables_the_endpoint(org_a, alice):
    with RawServer(answer_garbage) as bad:
        endpoint = register(org_a, bad.url)
        with tenant_scope(org_a):
            webhooks.emit("persona.published", payload={"type": "persona", "id": "x"})
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=timezone.now() - timedelta(days=4))
        deliver_now(org_a)
    with tenant_scope(org_a):
        endpoint.refresh_from_db()
    assert not endpoint.enabled


# The sweep fans out -----------------------------------------------------------------------------


def test_the_sweep_queues_one_delivery_task_per_org_with_due_deliveries(org_a, org_b, monkeypatch):
    from empathy_site.sync import tasks

    register(org_a, "http://127.0.0.1:9/hook")
    register(org_b, "http://127.0.0.1:9/hook")
    with tenant_scope(org_a):
        webhooks.emit("persona.published", payload={"type": "persona", "id": "x"})
    queued = []
    monkeypatch.setattr(tasks.webhooks_deliver_task, "delay", lambda org_id: queued.append(org_id))
    tasks.webhooks_sweep_task()
    assert queued == [org_a.pk]  # org B has nothing due


def test_one_orgs_failure_does_not_stop_another_orgs_deliveries(org_a, org_b, monkeypatch):
    from empathy_site.sync import tasks

    with Receiver() as receiver_a, Receiver() as receiver_b:
        register(org_a, receiver_a.url)
        register(org_b, receiver_b.url)
        for org in (org_a, org_b):
            with tenant_scope(org):
                webhooks.emit("persona.published", payload={"type": "persona", "id": "x"})
        deliver_due = webhooks.deliver_due

        def broken_for_org_a(*args, **kwargs):
            if active_org_id() == org_a.pk:
                raise RuntimeError("org A's data is broken")
            return deliver_due(*args, **kwargs)

        monkeypatch.setattr(webhooks, "deliver_due", broken_for_org_a)
        tasks.webhooks_sweep_task()  # org A comes first (lower id) and fails
        assert receiver_a.requests == [] and len(receiver_b.requests) == 1
    with tenant_scope(org_b):
        assert WebhookDelivery.objects.get().status == "succeeded"


# Pruning --------------------------------------------------------------------------------------------


def _outbox_rows(org, *, age: timedelta, status: str, label: str) -> WebhookEvent:
    with tenant_scope(org):
        endpoint = WebhookEndpoint.objects.filter(url="https://crm.example/hook").first() or WebhookEndpoint.objects.create(
            organization=org, url="https://crm.example/hook", events=["persona.published"], secret=webhooks.new_secret())
        event = WebhookEvent.objects.create(organization=org, event_type="persona.published", payload={"quote": label})
        delivery = WebhookDelivery.objects.create(organization=org, endpoint=endpoint, event=event, status=status,
                                                  attempts=1, next_attempt_at=timezone.now())
        DeliveryAttempt.objects.create(organization=org, delivery=delivery, number=1, status_code=200)
        then = timezone.now() - age
        WebhookEvent.objects.filter(pk=event.pk).update(created_at=then)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(created_at=then)
        DeliveryAttempt.objects.filter(delivery=delivery).update(attempted_at=then)
    return event


def _idempotency_record(org, *, age: timedelta, key: str) -> None:
    with tenant_scope(org):
        record = IdempotencyRecord.objects.create(organization=org, principal="key:1", key=key, request_hash="h",
                                                  status_code=201, response_body={"quote": "words said in a call"})
        IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=timezone.now() - age)


def test_prune_removes_old_outbox_and_idempotency_rows_in_every_org_and_keeps_recent_ones(org_a, org_b, settings):
    from empathy_site.sync.tasks import prune_sweep_task

    assert "sync.prune_sweep" in {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    settings.WEBHOOK_EVENT_RETENTION_DAYS = 30
    settings.IDEMPOTENCY_KEY_TTL_HOURS = 24
    for org in (org_a, org_b):
        _outbox_rows(org, age=timedelta(days=31), status="succeeded", label="old delivered")
        _outbox_rows(org, age=timedelta(days=31), status="failed", label="old given up")
        _outbox_rows(org, age=timedelta(days=31), status="pending", label="old still retrying")
        _outbox_rows(org, age=timedelta(days=29), status="succeeded", label="recent")
        _idempotency_record(org, age=timedelta(hours=25), key="old")
        _idempotency_record(org, age=timedelta(hours=23), key="recent")

    prune_sweep_task()

    for org in (org_a, org_b):
        with tenant_scope(org):
            kept = sorted(WebhookEvent.objects.values_list("payload__quote", flat=True))
            assert kept == ["old still retrying", "recent"]  # a delivery still due is never dropped
            assert WebhookDelivery.objects.count() == 2 and DeliveryAttempt.objects.count() == 2
            assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["recent"]


# TLS to the pinned address ---------------------------------------------------------------------


def _certificate(tmp_path, name: str) -> tuple[str, str, str]:
    """A throwaway CA and a certificate for `name` signed by it (the openssl command line, no extra package)."""
    import subprocess

    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=tmp_path, check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Test CA",
            "-keyout", "ca.key", "-out", "ca.pem", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}", "-keyout", "leaf.key", "-out", "leaf.csr")
    (tmp_path / "leaf.ext").write_text(f"subjectAltName=DNS:{name}\n")
    openssl("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
            "-extfile", "leaf.ext", "-out", "leaf.pem")
    return str(tmp_path / "ca.pem"), str(tmp_path / "leaf.pem"), str(tmp_path / "leaf.key")


@pytest.fixture
def tls_receiver(tmp_path, monkeypatch):
    """An HTTPS receiver on 127.0.0.1 whose certificate names `certificate_name`; our CA is trusted for the test."""
    import ssl
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    servers = []

    def start(certificate_name: str):
        ca, cert, key = _certificate(tmp_path, certificate_name)
        real_context = ssl.create_default_context
        monkeypatch.setattr(ssl, "create_default_context", lambda *a, **kw: real_context(*a, cafile=ca, **kw))
        seen = {"sni": [], "hosts": []}
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        context.sni_callback = lambda sslsocket, server_name, ctx: seen["sni"].append(server_name)

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("content-length", 0)))
                seen["hosts"].append(self.headers["host"])
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server.server_address[1], seen

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_https_goes_to_the_checked_address_with_the_name_for_sni_host_and_certificate(org_a, dns, tls_receiver):
    port, seen = tls_receiver(HOOK_HOST)
    dns.answers = [["127.0.0.1"]]
    register(org_a, f"https://{HOOK_HOST}:{port}/hook")
    with tenant_scope(org_a):
        webhooks.emit("persona.published", payload={"type": "persona", "id": "x"})
    dns.lookups, dns.answers = 0, [["127.0.0.1"], ["127.0.0.2"]]
    deliver_now(org_a)
    with tenant_scope(org_a):
        delivery = WebhookDelivery.objects.get()
    assert delivery.status == "succeeded", delivery.last_error
    assert dns.lookups == 1 and seen["sni"] == [HOOK_HOST] and seen["hosts"] == [f"{HOOK_HOST}:{port}"]


def test_a_certificate_for_another_name_is_a_failed_attempt(org_a, dns, tls_receiver):
    port, seen = tls_receiver("someone-else.example")
    dns.answers = [["127.0.0.1"]]
    register(org_a, f"https://{HOOK_HOST}:{port}/hook")
    with tenant_scope(org_a):
        webhooks.emit("persona.published", payload={"type": "persona", "id": "x"})
    deliver_now(org_a)
    with tenant_scope(org_a):
        delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("pending", 1) and "certificate" in delivery.last_error.lower()
    assert seen["hosts"] == []
