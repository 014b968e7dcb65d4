"""OpenAPI generation: every operation documents the one error shape for every 4xx it can answer."""

from django.db.models import UniqueConstraint
from drf_spectacular import openapi
from drf_spectacular.plumbing import force_instance, is_serializer
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers

from . import idempotency
from .base import OrgAPIView, TenantViewSet, org_header_parameter
from .changes import updated_since_supported


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField(help_text="A sentence a person can act on.")
    details = serializers.JSONField(help_text="Per-field messages for validation errors; {} otherwise.")


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


ERROR_CODES = {
    "400": "The request is not valid (see error.details).",
    "401": "No valid credentials.",
    "403": "Your role or the key's scopes do not allow this.",
    "404": "No such object in this organisation.",
    "409": "Conflicts with the current state: a unique value (name, pseudonym, CRM id) is taken, perhaps by a "
           "concurrent request (code conflict, error.details names the field), the same file was already "
           "uploaded (code duplicate), or the object's state refuses the change (code conflict).",
    "412": "If-Match does not match the object's current ETag.",
    "413": "The request body or upload is larger than the limit (code too_large).",
    "415": "The body is not in the media type this operation takes (JSON; multipart for uploads), or the "
           "upload is not a supported transcript file (code unsupported_media_type or unsupported_file).",
    "429": "Too many requests for this key; see Retry-After.",
}


# Request headers the base views read, and response headers they write (empathy_site/api/base.py, idempotency.py,
# throttling.py). Declared here once, by method and route, so no view can forget them.
IDEMPOTENCY_KEY = OpenApiParameter(
    idempotency.HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="Any unique string under 256 characters: the same key and body again "
    "replays the first answer instead of acting twice.",
)
IF_MATCH = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="The ETag you read (several comma-separated, or *): the write is refused with 412 if the object "
    "changed since. Without it the write goes over the latest version.",
)
ETAG = OpenApiParameter(
    "ETag", OpenApiTypes.STR, OpenApiParameter.HEADER, response=[200], required=True,
    description="The object's current version; send it in If-Match to write only over what you read.",
)
IDEMPOTENT_REPLAYED = OpenApiParameter(
    "Idempotent-Replayed", OpenApiTypes.STR, OpenApiParameter.HEADER, response=True, enum=["true"],
    description="Present when this is the stored answer to an earlier request with the same Idempotency-Key.",
)
RETRY_AFTER = OpenApiParameter(
    "Retry-After", OpenApiTypes.INT, OpenApiParameter.HEADER, response=[429], required=True,
    description="Seconds to wait before the next request.",
)
# IETF httpapi "RateLimit header fields for HTTP" (structured-field lists, one item per policy).
RATE_LIMIT_POLICY = OpenApiParameter(
    "RateLimit-Policy", OpenApiTypes.STR, OpenApiParameter.HEADER, response=True, required=True,
    description='On every answer. The quota of this key (or signed-in person, or address before authentication): '
    'e.g. `"default";q=1200;w=60`, 1200 requests per 60 seconds.',
)
RATE_LIMIT = OpenApiParameter(
    "RateLimit", OpenApiTypes.STR, OpenApiParameter.HEADER, response=True, required=True,
    description='On every answer. What is left of the quota: e.g. `"default";r=1187;t=42`, 1187 requests in the 42 '
    'seconds until it resets.',
)
UPDATED_SINCE = OpenApiParameter(
    "updated_since", OpenApiTypes.DATETIME,
    description="Only objects created or changed at or after this time (ISO 8601, e.g. 2026-11-23T10:00:00Z).",
)

NOT_FOUND_WITH_ID = "No such object in this organisation (or, signed in, no organisation of yours named in X-Organization)."
NOT_FOUND_ORG_ONLY = "Signed in: no organisation of yours has the slug named in X-Organization."


class AutoSchema(openapi.AutoSchema):
    """Documents what the base views add to every operation: headers, updated_since, and exactly the error
    statuses the operation can answer, each in the one error shape."""

    def get_override_parameters(self):
        """What every view reads and writes besides its own parameters, documented so clients (and
        schemathesis, which generates only what the schema lists) know it."""
        parameters = list(super().get_override_parameters())
        view = self.view
        if not isinstance(view, OrgAPIView):
            return parameters
        parameters += [org_header_parameter, RATE_LIMIT_POLICY, RATE_LIMIT, RETRY_AFTER]
        if self.method == "POST":  # OrgAPIView.initial: idempotency.begin
            parameters += [IDEMPOTENCY_KEY, IDEMPOTENT_REPLAYED]
        if self._names_object():
            if self.method in ("PUT", "PATCH", "DELETE"):  # TenantViewSet.get_object compares If-Match
                parameters.append(IF_MATCH)
            if self.method in ("GET", "PUT", "PATCH"):  # OrgAPIView.finalize_response, once get_object ran
                parameters.append(ETAG)
        if isinstance(view, TenantViewSet) and getattr(view, "action", None) == "list" and updated_since_supported(view.model):
            parameters.append(UPDATED_SINCE)
        return parameters

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation["responses"]
        for code in self._error_statuses(operation.get("requestBody")):
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction="response")
                response["description"] = self._error_description(code)
                responses[code] = response
        for code, response in responses.items():  # drf-spectacular writes DELETE's 204 without its headers
            headers = {**self._get_response_headers_for_code(code), **response.get("headers", {})}
            if headers:
                response["headers"] = headers
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _names_object(self) -> bool:
        """A TenantViewSet route with the object's id in its path (detail routes and their actions)."""
        view = self.view
        return isinstance(view, TenantViewSet) and f"{{{view.lookup_url_kwarg or view.lookup_field}}}" in self.path

    def _error_statuses(self, request_body) -> list[str]:
        """The 4xx this operation can answer, by the rules of the base views:
        400 bad input, and a signed-in caller without X-Organization; 401, 403 and 429 everywhere;
        404 an unknown path id or X-Organization slug (every operation takes the header);
        409 writes of a value the organisation holds unique; 412 If-Match on writes to an object;
        413 and 415 only where a body is taken (a JSON endpoint refuses another media type; an upload also
        refuses a file it cannot read)."""
        codes = ["400", "401", "403", "404", "429"]
        if self._may_conflict():
            codes.append("409")
        if self._names_object() and self.method in ("PUT", "PATCH", "DELETE"):
            codes.append("412")
        if request_body:
            codes += ["413", "415"]
        return codes

    def _may_conflict(self) -> bool:
        """A create (POST to a collection) of a model with a unique constraint inside the organisation
        (a name, a pseudonym, a file's hash, a citation's claim and highlight), or an update that can set
        one of the constrained fields: the services answer Conflict (409) when the value is taken. A view names
        the actions whose service refuses a change by the object's state in ``state_conflict_actions``."""
        if getattr(self.view, "action", None) in getattr(self.view, "state_conflict_actions", ()):
            return True
        model = getattr(self.view, "model", None)
        if model is None or self.method not in ("POST", "PUT", "PATCH"):
            return False
        unique_fields = {
            field for constraint in model._meta.constraints if isinstance(constraint, UniqueConstraint)
            for field in constraint.fields if field not in ("organization", "public_id")  # public_id: server-made
        }
        if not unique_fields:
            return False
        if self.method == "POST":
            return not self._names_object()
        return bool(unique_fields & self._request_fields())

    def _request_fields(self) -> set[str]:
        serializer = self.get_request_serializer()
        if isinstance(serializer, dict):  # per media type
            serializer = next(iter(serializer.values()), None)
        serializer = force_instance(serializer)
        return set(serializer.fields) if is_serializer(serializer) else set()

    def _error_description(self, code: str) -> str:
        if code == "404":
            return NOT_FOUND_WITH_ID if self._names_object() else NOT_FOUND_ORG_ONLY
        return ERROR_CODES[code]


def results_of(serializer_class, name: str):
    """The list envelope {"results": [...], "next": url|null} for non-paginated actions."""
    return inline_serializer(name, {
        "results": serializer_class(many=True),
        "next": serializers.URLField(allow_null=True),
    })
