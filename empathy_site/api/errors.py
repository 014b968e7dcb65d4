"""One error shape for the whole API: {"error": {"code", "message", "details"}}.

`details` is always {name: [messages]}: the request field (a nested one as `items[0].note`), query
parameter or header at fault, `non_field_errors` for the request as a whole; {} when there is nothing to add.
Each code belongs to exactly one HTTP status (ERROR_CODES), which docs/api-errors.md lists.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from empathy_site.tenancy.concurrency import Conflict
from empathy_site.tenancy.context import NoActiveTenant


class ConflictError(exceptions.APIException):
    """A service's Conflict: the value is taken (perhaps by a concurrent write). 409, details per field."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "This conflicts with the current state; reload and try again."
    default_code = "conflict"


@dataclass(frozen=True)
class ErrorCode:
    status: int
    meaning: str


# Every code the API answers with, its one status and what it means (docs/api-errors.md lists them all;
# tests/test_api_params_and_errors.py checks both). A new code goes here first: error_response and the
# exception handler take the status from this table.
ERROR_CODES: dict[str, ErrorCode] = {
    "invalid": ErrorCode(400, "The request is not valid: a field, query parameter or header (named in details), "
                              "an unknown query parameter, or a body that is not well-formed JSON or multipart."),
    "policy_not_met": ErrorCode(400, "The persona cannot be published: details has `claims.<claim id>` for each "
                                     "claim that falls short of the evidence policy, with its reasons."),
    "bad_request": ErrorCode(400, "Refused before reaching the API (e.g. a malformed Host header or cookie)."),
    "not_authenticated": ErrorCode(401, "No credentials: send `Authorization: Bearer <api key>`."),
    "authentication_failed": ErrorCode(401, "The credentials are wrong: an unknown, revoked or expired API key."),
    "permission_denied": ErrorCode(403, "Your role, or the API key's scopes, do not allow this."),
    "self_approval": ErrorCode(403, "Four-eyes review is on: the author of a message cannot approve it; someone "
                                    "else must."),
    "not_found": ErrorCode(404, "No such endpoint, or no such object in this organisation (another "
                                "organisation's objects do not exist for you)."),
    "method_not_allowed": ErrorCode(405, "The endpoint does not take this HTTP method."),
    "not_acceptable": ErrorCode(406, "No representation matches the Accept header (ask for application/json)."),
    "conflict": ErrorCode(409, "A unique value (name, pseudonym, CRM id...) is taken, perhaps by a concurrent "
                               "request; details names the field."),
    "duplicate": ErrorCode(409, "The same file was already uploaded: details.existing[0] is that interview's id."),
    "no_media": ErrorCode(409, "The highlight's interview has no usable recording: attach one with "
                               "POST /api/v1/interviews/{id}/media/ first (or again, if it failed)."),
    "precondition_failed": ErrorCode(412, "If-Match does not match the object's current ETag: read it again."),
    "too_large": ErrorCode(413, "The request body or the uploaded file is larger than the limit."),
    "unsupported_media_type": ErrorCode(415, "The body's Content-Type is not one this endpoint takes."),
    "unsupported_file": ErrorCode(415, "The upload is not a supported file: empty, binary, an unknown format, "
                                       "damaged, or a zip bomb."),
    "throttled": ErrorCode(429, "Too many requests for this key or person: wait for Retry-After seconds."),
    "server_error": ErrorCode(500, "Something went wrong on our side; it has been logged."),
}

NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY  # "non_field_errors"


def error_body(code: str, message: str, details: dict[str, list[str]] | None = None) -> dict:
    if code not in ERROR_CODES:
        raise ValueError(f"{code!r} is not in ERROR_CODES; add it there with its status and meaning.")
    return {"error": {"code": code, "message": message, "details": details or {}}}


def error_response(code: str, message: str, details: dict[str, list[str]] | None = None) -> Response:
    """An error a view answers itself; the status is the code's (ERROR_CODES), never chosen per call."""
    return Response(error_body(code, message, details), status=ERROR_CODES[code].status)


def field_errors(detail, path: str = "") -> dict[str, list[str]]:
    """DRF's or Django's error detail, whatever its nesting, as {name: [messages]}.

    Nested names join with dots and indexes (`participants[0].email`, `attributes.plan`, `tags[1]`); a
    nested serializer's own non-field errors go under its path; a bare message or list under non_field_errors.
    """
    errors: dict[str, list[str]] = {}

    def add(name: str, messages: list[str]) -> None:
        errors.setdefault(name or NON_FIELD, []).extend(messages)

    if isinstance(detail, dict):
        for key, value in detail.items():
            if key in (NON_FIELD, "__all__"):
                name = path
            elif isinstance(key, int):
                name = f"{path}[{key}]"
            else:
                name = f"{path}.{key}" if path else str(key)
            for nested, messages in field_errors(value, name).items():
                add(nested, messages)
    elif isinstance(detail, list | tuple):
        if all(not isinstance(item, dict | list | tuple) for item in detail):
            if detail:
                add(path, [str(item) for item in detail])
        else:
            for index, item in enumerate(detail):  # a list serializer's errors: {} for each valid item
                for nested, messages in field_errors(item, f"{path}[{index}]").items():
                    add(nested, messages)
    else:
        add(path, [str(detail)])
    return errors


def _message_from(details: dict[str, list[str]], fallback: str) -> str:
    for name, messages in details.items():
        return messages[0] if name == NON_FIELD else f"{name}: {messages[0]}"
    return fallback


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is larger than the limit; send fewer or smaller items per call."
    default_code = "too_large"


# Django refuses these while parsing a form or multipart body (DATA_UPLOAD_MAX_MEMORY_SIZE,
# DATA_UPLOAD_MAX_NUMBER_FIELDS, DATA_UPLOAD_MAX_NUMBER_FILES); left alone they become an HTML 400.
_BODY_LIMITS = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)


def _too_large(exc) -> RequestTooLarge:
    return RequestTooLarge(f"{exc} Send fewer or smaller fields per call.")


def _field_errors(exc: DjangoValidationError) -> dict:
    return exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}


def exception_handler(exc, context):
    if isinstance(exc, _BODY_LIMITS):
        exc = _too_large(exc)
    elif isinstance(exc, Conflict):
        exc = ConflictError(_field_errors(exc))
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_field_errors(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, NoActiveTenant):
        exc = exceptions.NotFound("Not found.")

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = exception_code(exc)
    if isinstance(exc, exceptions.ValidationError | ConflictError | exceptions.ParseError):
        details = field_errors(exc.detail)
        message = _message_from(details, "The request is not valid.")
    else:
        details = {}
        message = _message_from(field_errors(exc.detail), exc.default_detail)
    response.data = error_body(code, message, details)
    return response


# DRF's ParseError (a body that is not well-formed JSON) is one more kind of invalid request: its own code
# would be a second name for a 400. A bare APIException is DRF's 500.
_CODE_OF_DRF_CODE = {"parse_error": "invalid", "error": "server_error"}


def exception_code(exc: exceptions.APIException) -> str:
    """The code of an exception the handler formats: its class's, so a code passed at a raise site (DRF's
    `code=`) cannot invent one outside ERROR_CODES."""
    code = type(exc).default_code
    return _CODE_OF_DRF_CODE.get(code, code)


def json_error_response(code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=ERROR_CODES[code].status)


def api_not_found(request, exception=None):
    return json_error_response("not_found", "No such endpoint or object.")


def api_bad_request(request, exception=None):
    """Django's 400 (handler400) for an API path: a body limit hit outside a view is a 413 too."""
    if isinstance(exception, _BODY_LIMITS):
        return json_error_response("too_large", _too_large(exception).detail)
    return json_error_response("bad_request", "The request is not valid.")


def api_server_error(request):
    return json_error_response("server_error", ERROR_CODES["server_error"].meaning)


__all__ = ["ERROR_CODES", "exception_handler", "error_body", "error_response", "field_errors", "Response"]
