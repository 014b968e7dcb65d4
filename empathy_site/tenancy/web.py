"""Base for every web view under /o/<org-slug>/.

The middleware has already resolved the organisation (404 for non-members);
this adds the role check: GET needs VIEW, anything else `write_permission`.
"""

import csv
import re
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.http import content_disposition_header
from django.views import View

from .roles import Perm, role_allows


class OrgView(View):
    read_permission = Perm.VIEW
    write_permission = Perm.RESEARCH

    def dispatch(self, request, *args, **kwargs):
        # PostgreSQL refuses NUL in text and no real value holds one: a 400 page, before any view queries with it.
        if any("\x00" in name or any("\x00" in v for v in values) for name, values in request.GET.lists()):
            raise BadRequest("A query parameter contains a NUL character.")
        kwargs.pop("org_slug", None)
        self.organization = request.organization
        self.membership = request.membership
        needed = self.read_permission if request.method in ("GET", "HEAD", "OPTIONS") else self.write_permission
        if not role_allows(self.membership.role, needed):
            raise PermissionDenied("Your role does not allow this.")
        return super().dispatch(request, *args, **kwargs)

    def can(self, perm: str) -> bool:
        return role_allows(self.membership.role, perm)

    def org_url_kwargs(self, **extra):
        return {"org_slug": self.organization.slug, **extra}


class ServiceFormView(OrgView):
    """A POST that binds a form, calls one service, and either says so and redirects or shows the form again.

    The service's ValidationError lands on the form (per field where the form has one), and the
    page is rendered again by the view's own `get(request, form=form, status=..., **url_kwargs)`.
    Subclasses set `form_class` and implement `perform(form, **url_kwargs)` (calls the service,
    returns its result) and `success_url(result, **url_kwargs)`; `success_message(result)` and
    `form_kwargs(**url_kwargs)` (e.g. the instance being edited) are optional. A view whose
    result holds a secret shown once overrides `success_response` to render it instead: a
    redirect would have to carry the secret in a session or URL.
    """

    form_class = None
    # The status of the page shown again with errors; pages that always answered 200 keep it.
    error_status = 400

    def form_kwargs(self, **url_kwargs) -> dict:
        return {}

    def perform(self, form, **url_kwargs):
        raise NotImplementedError

    def success_message(self, result) -> str:
        return "Saved."

    def success_url(self, result, **url_kwargs) -> str:
        raise NotImplementedError

    def post(self, request, **url_kwargs):
        form = self.form_class(request.POST, request.FILES or None, **self.form_kwargs(**url_kwargs))
        if form.is_valid():
            try:
                result = self.perform(form, **url_kwargs)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return self.success_response(result, **url_kwargs)
        return self.get(request, form=form, status=self.error_status, **url_kwargs)

    def success_response(self, result, **url_kwargs):
        message = self.success_message(result)
        if message:
            messages.success(self.request, message)
        return redirect(self.success_url(result, **url_kwargs))


def add_service_errors(form, error) -> None:
    """Show a service's ValidationError on the form: per field where the form has it, else at the top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


# Spreadsheets read a text cell starting with one of these as a formula (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def csv_safe(value):
    """A cell that can't run a formula: text starting with = + - @ (or a tab or line break) gets a leading '.
    Numbers stay numbers (a negative count is not a formula); anything else is written as its text."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in _FORMULA_STARTS else text


class FormulaSafeCsvWriter:
    """csv.writer whose every cell, header rows included, goes through csv_safe."""

    def __init__(self, stream):
        self._writer = csv.writer(stream)

    def writerow(self, row):
        return self._writer.writerow([csv_safe(cell) for cell in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def csv_download(filename: str) -> tuple[HttpResponse, FormulaSafeCsvWriter]:
    """A CSV attachment and its writer: the one way the project writes CSV, so no export can forget csv_safe.
    The filename may carry user text (an attribute key): control characters are dropped, quoting is Django's."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, re.sub(r"[\x00-\x1f\x7f]", "", filename))
    return response, FormulaSafeCsvWriter(response)
