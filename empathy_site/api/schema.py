"""OpenAPI generation: every operation documents the one error shape for every 4xx it can answer."""

from drf_spectacular import openapi
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers

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
           "concurrent request (code conflict, error.details names the field), or the same file was already "
           "uploaded (code duplicate).",
    "412": "If-Match does not match the object's current ETag.",
    "413": "The request body or upload is larger than the limit (code too_large or unsupported_file).",
    "415": "The upload is not a supported transcript file.",
    "429": "Too many requests for this key; see Retry-After.",
}


class AutoSchema(openapi.AutoSchema):
    def get_override_parameters(self):
        """What every view reads besides its own parameters, documented so clients (and schemathesis,
        which generates only what the schema lists) know it: the organisation header, Idempotency-Key
        on POST, updated_since on the lists of objects the changes feed tracks."""
        parameters = list(super().get_override_parameters())
        view = self.view
        if isinstance(view, OrgAPIView):
            parameters.append(org_header_parameter)
        if self.method == "POST" and isinstance(view, OrgAPIView):
            parameters.append(OpenApiParameter(
                "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,  # sync.idempotency.HEADER
                description="Any unique string under 256 characters: the same key and body again "
                "replays the first answer instead of acting twice.",
            ))
        if isinstance(view, TenantViewSet) and getattr(view, "action", None) == "list" and updated_since_supported(view.model):
            parameters.append(OpenApiParameter(
                "updated_since", OpenApiTypes.DATETIME,
                description="Only objects created or changed at or after this time (ISO 8601, e.g. 2026-11-23T10:00:00Z).",
            ))
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, description in ERROR_CODES.items():
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = description
                responses[code] = response
        return responses


def results_of(serializer_class, name: str):
    """The list envelope {"results": [...], "next": url|null} for non-paginated actions."""
    return inline_serializer(name, {
        "results": serializer_class(many=True),
        "next": serializers.URLField(allow_null=True),
    })
