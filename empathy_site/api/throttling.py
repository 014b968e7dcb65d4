"""Rate limit per API key (people signed in are limited per user). 429 with Retry-After."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from empathy_site.tenancy.audit import client_ip


class ApiKeyRateThrottle(SimpleRateThrottle):
    scope = "api"

    def get_rate(self):
        # Read at request time, so a deployment (or a test) can change it without a restart of the class.
        return settings.API_RATE_LIMIT

    def allow_request(self, request, view):
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        api_key = getattr(request.user, "api_key", None)
        if api_key is not None:
            ident = f"key-{api_key.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def get_ident(self, request):
        # The project's one reading of the client address (TRUSTED_PROXY_COUNT), not DRF's trust of any X-Forwarded-For.
        return client_ip(request) or "unknown"
