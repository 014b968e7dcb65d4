"""One error shape for the whole API: {"error": {"code", "message", "details"}}."""

from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from empathy_site.tenancy.concurrency import Conflict
from empathy_site.tenancy.context import NoActiveTenant


class ConflictError(exceptions.APIException):
    """A service's Conflict: the value is taken (perhaps by a concurrent write). 409, details per field."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "This conflicts with the current state; reload and try again."
    default_code = "conflict"


def error_body(code: str, message: str, details=None) -> dict:
    return {"error": {"code": code, "message": message, "details": details if details is not None else {}}}


def _message_from(detail) -> str:
    if isinstance(detail, dict):
        for field, value in detail.items():
            text = _message_from(value)
            return text if field in ("non_field_errors", "__all__") else f"{field}: {text}"
        return "The request is not valid."
    if isinstance(detail, list):
        return _message_from(detail[0]) if detail else "The request is not valid."
    return str(detail)


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
    if isinstance(exc, exceptions.ValidationError | ConflictError):
        code = "conflict" if isinstance(exc, ConflictError) else "invalid"
        details, message = exc.detail, _message_from(exc.detail)
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        code = codes if isinstance(codes, str) else "error"
        details = {}
        message = str(getattr(exc, "detail", exc))
    response.data = error_body(code, message, details)
    return response


def json_error_response(status_code: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status_code)


def api_not_found(request, exception=None):
    return json_error_response(status.HTTP_404_NOT_FOUND, "not_found", "No such endpoint or object.")


def api_bad_request(request, exception=None):
    """Django's 400 (handler400) for an API path: a body limit hit outside a view is a 413 too."""
    if isinstance(exception, _BODY_LIMITS):
        return json_error_response(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, "too_large", _too_large(exception).detail)
    return json_error_response(status.HTTP_400_BAD_REQUEST, "bad_request", "The request is not valid.")


def api_server_error(request):
    return json_error_response(500, "server_error", "Something went wrong on our side; it has been logged.")


__all__ = ["exception_handler", "error_body", "Response"]
