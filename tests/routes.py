"""Every URL pattern of the project, walked one way for the isolation and the schema tests.

A route is the full pattern string as Django holds it, prefixes joined: "o/<slug:org_slug>/interviews/"
for path(), "api/v1/^tags/(?P<id>[^/.]+)/$" for a DRF router's regex.
"""

import re
from collections.abc import Iterator

from django.urls import URLPattern, URLResolver, get_resolver


def walk_routes(patterns=None, prefix="") -> Iterator[tuple[str, URLPattern]]:
    """(route, pattern) for every URL pattern, included URLconfs followed."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from walk_routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


def url_arguments(route: str) -> list[str]:
    """The names of a route's URL arguments, "<uuid:id>" and "(?P<id>...)" alike."""
    return re.findall(r"<(?:\w+:)?(\w+)>", route)


def as_openapi_path(route: str) -> str:
    """Django's "api/v1/x/<uuid:id>/" and DRF's regex "api/v1/^x/(?P<id>[^/.]+)/$" -> "/api/v1/x/{id}/"."""
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", route)
    route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
    return "/" + route.replace("^", "").replace("$", "")
