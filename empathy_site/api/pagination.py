import base64
import binascii
import re
from datetime import UTC, datetime
from urllib import parse

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

_BAD_CURSOR = "This cursor is not one we handed out; start without one or follow `next`."


class CursorPagination(pagination.CursorPagination):
    """`{"results": [...], "next": url|null}`, newest first, by an opaque cursor.

    Everything read from the client is checked before it reaches a query: a cursor we did not hand out
    (garbage, unknown fields, a position its ordering field cannot hold) and a page_size that is not
    a whole number from 1 to max_page_size are a 400, never a 500 nor a silent default.
    """

    ordering = ("-created_at", "-id")
    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model  # decode_cursor checks the position against the ordering field
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param, "")
        if raw == "":
            return self.page_size
        if not re.fullmatch(r"[0-9]{1,6}", raw) or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError({self.page_size_query_param: [f"Give a whole number from 1 to {self.max_page_size}."]})
        return int(raw)

    def decode_cursor(self, request):
        encoded = request.query_params.get(self.cursor_query_param)
        if not encoded:
            return None
        try:
            text = base64.b64decode(encoded.encode("ascii"), validate=True).decode("ascii")
            tokens = parse.parse_qs(text, keep_blank_values=True, strict_parsing=True)
        except (ValueError, binascii.Error, UnicodeError):
            raise ValidationError({self.cursor_query_param: [_BAD_CURSOR]}) from None
        # The shape encode_cursor writes: o (offset), r (reverse), p (position), each at most once.
        if not tokens or set(tokens) - {"o", "r", "p"} or any(len(values) != 1 for values in tokens.values()):
            raise ValidationError({self.cursor_query_param: [_BAD_CURSOR]})
        offset, reverse = tokens.get("o", ["0"])[0], tokens.get("r", ["0"])[0]
        position = tokens.get("p", [None])[0]
        if not re.fullmatch(r"[0-9]{1,6}", offset) or int(offset) > self.offset_cutoff or reverse not in ("0", "1"):
            raise ValidationError({self.cursor_query_param: [_BAD_CURSOR]})
        if position is not None and not self._position_fits(position):
            raise ValidationError({self.cursor_query_param: [_BAD_CURSOR]})
        return pagination.Cursor(offset=int(offset), reverse=reverse == "1", position=position)

    def _position_fits(self, position: str) -> bool:
        """Whether the ordering field can hold the position: a number in its range, an aware time..."""
        model = getattr(self, "_model", None)
        if model is None:
            return False
        field = model._meta.get_field(self.ordering[0].lstrip("-"))
        try:
            value = field.clean(position, None)
            if isinstance(value, datetime):
                if timezone.is_naive(value):
                    return False
                value.astimezone(UTC)
        except (DjangoValidationError, ValueError, OverflowError, TypeError):
            return False
        return True

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": self.max_page_size})
        return parameters

    def get_paginated_response(self, data):
        return Response({"results": data, "next": self.get_next_link()})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results", "next"],
            "properties": {
                "results": schema,
                "next": {"type": "string", "nullable": True, "format": "uri"},
            },
        }
