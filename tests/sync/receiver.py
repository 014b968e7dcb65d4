"""A real HTTP receiver on 127.0.0.1 for webhook tests: verifies signatures, dedups by webhook-id."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook


class Receiver:
    def __init__(self, secret: str | None = None, *, statuses=None, delay: float = 0.0):
        self.secret = secret
        self.statuses = list(statuses or [])  # answered in order, then 200
        self.delay = delay
        self.requests = []  # (headers, body) of every request
        self.side_effects = {}  # webhook-id -> count of effects applied (at most 1 with dedup)
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0))).decode()
                headers = {k.lower(): v for k, v in self.headers.items()}
                if receiver.delay:
                    time.sleep(receiver.delay)
                with receiver.lock:
                    receiver.requests.append((headers, body))
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                    if status == 200 and receiver.secret:
                        Webhook(receiver.secret).verify(body, headers)  # raises on a bad signature
                        # Idempotent consumer: one side effect per webhook-id.
                        receiver.side_effects.setdefault(headers["webhook-id"], 1)
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
