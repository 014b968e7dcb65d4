"""One error shape for the whole API: {"error": {"code", "message", "details"}}."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ..context import NoActiveTenant


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


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, NoActiveTenant):
        exc = exceptions.NotFound("Not found.")

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        code, details = "invalid", exc.detail
        message = _message_from(exc.detail)
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


def api_server_error(request):
    return json_error_response(500, "server_error", "Something went wrong on our side; it has been logged.")


__all__ = ["exception_handler", "error_body", "Response"]
