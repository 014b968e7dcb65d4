"""OpenAPI generation: every operation documents the one error shape for every 4xx it can answer."""

from drf_spectacular import openapi
from rest_framework import serializers


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
    "409": "Conflicts with the current state (e.g. the same file was already uploaded).",
    "412": "If-Match does not match the object's current ETag.",
    "413": "The upload is larger than the limit.",
    "415": "The upload is not a supported transcript file.",
    "429": "Too many requests for this key; see Retry-After.",
}


class AutoSchema(openapi.AutoSchema):
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
    from drf_spectacular.utils import inline_serializer

    return inline_serializer(name, {
        "results": serializer_class(many=True),
        "next": serializers.URLField(allow_null=True),
    })
