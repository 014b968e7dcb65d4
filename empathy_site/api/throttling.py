"""Rate limit per API key (people signed in are limited per user). 429 with Retry-After.

One atomic counter per caller and window: the first request opens a window of the rate's length
(cache.add of its start time), every request increments the window's counter (cache.incr) and is
refused once the count passes the limit. Concurrent requests each get their own count from the
cache, so a burst cannot overshoot the limit (DRF's throttle reads a list of timestamps, appends
and writes it back: requests that read it at the same time all pass).

Every API response carries the state in the IETF httpapi RateLimit headers
(draft-ietf-httpapi-ratelimit-headers): `RateLimit-Policy: "default";q=<limit>;w=<window seconds>`
and `RateLimit: "default";r=<remaining>;t=<seconds until the window resets>`.
"""

import math

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from empathy_site.tenancy.audit import client_ip

POLICY_NAME = "default"


class ApiKeyRateThrottle(SimpleRateThrottle):
    scope = "api"

    def __init__(self):
        # The rate is read per request (get_rate), so a deployment (or a test) can change it without a restart.
        self.num_requests = self.duration = None
        self._state: tuple[int, int] | None = None  # (count in the window, seconds until it resets)

    def get_rate(self):
        return settings.API_RATE_LIMIT

    def _load_rate(self) -> None:
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def allow_request(self, request, view):
        self._load_rate()
        self.key = self.get_cache_key(request, view)
        self.now = self.timer()
        start_key = f"{self.key}:start"
        for _ in range(3):  # the window may close between reading its start and counting in it
            self.cache.add(start_key, self.now, self.duration)
            start = self.cache.get(start_key)
            if start is None:
                continue
            count_key = f"{self.key}:{start!r}"
            self.cache.add(count_key, 0, self.duration)
            try:
                count = self.cache.incr(count_key)
            except ValueError:  # the counter expired after add: this window is over
                continue
            self._state = (count, self._reset_in(start))
            return count <= self.num_requests
        self._state = (1, self.duration)  # the cache keeps dropping the window: let the request through
        return True

    def wait(self):
        """Seconds until the window resets: the 429's Retry-After, the same number as the RateLimit header's t."""
        return self._state[1]

    def _reset_in(self, start: float) -> int:
        return max(1, math.ceil(start + self.duration - self.timer()))

    def _peek(self, request) -> None:
        """The caller's state without counting a request (for answers given before the throttle ran)."""
        self._load_rate()
        self.key = self.get_cache_key(request, None)
        start = self.cache.get(f"{self.key}:start")
        if start is None:
            self._state = (0, self.duration)  # the next request opens a window
        else:
            self._state = (self.cache.get(f"{self.key}:{start!r}", 0), self._reset_in(start))

    def headers(self, request) -> dict[str, str]:
        """The RateLimit-Policy and RateLimit headers for this caller's current window."""
        if self._state is None:
            self._peek(request)
        count, reset_in = self._state
        remaining = max(0, self.num_requests - count)
        return {
            "RateLimit-Policy": f'"{POLICY_NAME}";q={self.num_requests};w={self.duration}',
            "RateLimit": f'"{POLICY_NAME}";r={remaining};t={reset_in}',
        }

    def get_cache_key(self, request, view):
        # request.user only once authentication has run: an answer given before it (a 400 for a NUL byte)
        # must not start authenticating in finalize_response. Until then the caller is its address.
        user = getattr(request, "_user", None)
        api_key = getattr(user, "api_key", None)
        if api_key is not None:
            ident = f"key-{api_key.pk}"
        elif user is not None and user.is_authenticated:
            ident = f"user-{user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def get_ident(self, request):
        # The project's one reading of the client address (TRUSTED_PROXY_COUNT), not DRF's trust of any X-Forwarded-For.
        return client_ip(request) or "unknown"
