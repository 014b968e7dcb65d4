"""Base classes every API view stands on.

The organisation is resolved once, from the API key or the X-Organization
header of a signed-in member, and the whole request runs in one transaction
bound to it. Subclasses cannot replace get_queryset: they name a model and may
narrow the already-scoped queryset in `scope_queryset`.
"""

from datetime import UTC, datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from drf_spectacular import generators
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from ..concurrency import org_lock
from ..context import activate, deactivate, introspection_scope
from ..roles import Perm, grant_allows
from ..selectors import membership_get_by_slug
from .authentication import ApiKeyPrincipal
from .errors import RequestTooLarge

ORG_HEADER = "X-Organization"


class OrgPermission(permissions.BasePermission):
    """Reads need VIEW; writes need the view's write permission.

    A member whose role lacks the right gets 403; somebody signed in who is not
    a member never gets this far (404 while resolving the organisation).
    """

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        needed = view.required_permission(request)
        grant = getattr(request, "org_grant", None)
        if grant is None:
            return False
        if not grant_allows(grant, needed):
            raise exceptions.PermissionDenied(
                "Your role does not allow this." if grant[0] == "role" else "This API key lacks the scope for this."
            )
        return True


class OrgAPIView(APIView):
    permission_classes = [OrgPermission]
    # What a write needs; reads need Perm.VIEW. Per-action overrides in `action_permissions`.
    write_permission = Perm.RESEARCH
    action_permissions: dict[str, str] = {}

    def required_permission(self, request) -> str:
        action = getattr(self, "action", None)
        if action in self.action_permissions:
            return self.action_permissions[action]
        if request.method in permissions.SAFE_METHODS:
            return Perm.VIEW
        return self.write_permission

    def get_throttles(self):
        from empathy_site.sync.throttling import ApiKeyRateThrottle

        return [ApiKeyRateThrottle()]

    def initial(self, request, *args, **kwargs):
        # Before authentication and parsing: nothing below may see a NUL byte or start reading a huge body.
        refuse_hostile_request(request, kwargs)
        super().initial(request, *args, **kwargs)
        self._idempotency = None
        if request.method == "POST" and getattr(request, "organization", None) is not None:
            from empathy_site.sync import idempotency

            self._idempotency = idempotency.begin(request, request.organization.pk)

    def handle_exception(self, exc):
        from empathy_site.sync.idempotency import Replay

        if isinstance(exc, Replay):
            self._idempotency = None
            return Response(exc.record.response_body, status=exc.record.status_code, headers={"Idempotent-Replayed": "true"})
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if getattr(self, "_idempotency", None):
            from empathy_site.sync import idempotency

            idempotency.store(self._idempotency, response, request.organization.pk)
        target = getattr(self, "_etag_target", None)
        if target is not None and response.status_code == 200 and request.method in ("GET", "HEAD", "PUT", "PATCH"):
            response["ETag"] = etag_of(target, refresh=request.method != "GET")
        return response

    def dispatch(self, request, *args, **kwargs):
        self._tenant_token = None
        with transaction.atomic():
            try:
                response = super().dispatch(request, *args, **kwargs)
                if response.status_code >= 500:
                    transaction.set_rollback(True)
                return response
            finally:
                if self._tenant_token is not None:
                    deactivate(self._tenant_token)

    def perform_authentication(self, request):
        user = request.user  # forces authentication
        if not user or not user.is_authenticated:
            return
        if isinstance(user, ApiKeyPrincipal):
            organization = user.organization
            request._request.org_grant = ("scopes", user.scopes)
        else:
            slug = request.headers.get(ORG_HEADER, "").strip()
            if not slug:
                raise exceptions.ParseError(
                    f"Name the organisation in the {ORG_HEADER} header (its slug), or use an API key."
                )
            membership = membership_get_by_slug(user=user, slug=slug)
            if membership is None:
                raise exceptions.NotFound("No such organisation.")
            organization = membership.organization
            request._request.org_grant = ("role", membership.role)
        request.organization = organization
        request._request.organization = organization
        self._tenant_token = activate(organization.pk)

    @property
    def org_grant(self):
        return getattr(self.request, "org_grant", None)

    def can(self, perm: str) -> bool:
        """Whether the member's role or the key's scopes allow `perm` (as OrgView.can for the web UI)."""
        return grant_allows(self.org_grant, perm)

    @property
    def actor(self):
        """The person behind the request, or None for an API key."""
        user = self.request.user
        return None if isinstance(user, ApiKeyPrincipal) else user


class TenantViewSet(OrgAPIView, viewsets.GenericViewSet):
    model = None
    # When the model's services take an org-wide lock (concurrency.org_lock) name its topic:
    # writes take it before the row lock, so API and service paths lock in one order.
    org_write_lock: str | None = None
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_converter = "uuid"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(
                f"{cls.__name__} overrides get_queryset; narrow the scoped queryset in scope_queryset instead."
            )

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()  # schema generation outside a request
        # The tenant manager has already scoped this to request.organization.
        queryset = self.scope_queryset(self.model.objects.all())
        since = self.request.query_params.get("updated_since") if self.request else None
        if since and self.action == "list":
            queryset = changed_since(queryset, self.model, since)
        return queryset

    def scope_queryset(self, queryset):
        return queryset

    def get_object(self):
        writing = self.request.method in ("PUT", "PATCH", "DELETE")
        if writing:
            self._lock_target_row()
        instance = super().get_object()
        self._etag_target = instance
        expected = self.request.headers.get("If-Match")
        if expected and writing:
            current = etag_of(instance)
            if expected.strip() != "*" and current not in [tag.strip() for tag in expected.split(",")]:
                raise PreconditionFailed()
        return instance

    def _lock_target_row(self) -> None:
        """Lock the row before reading it, for the rest of the request transaction.

        The If-Match compare and the write then see the same version: a concurrent writer
        carrying the same ETag waits here, reads the committed change and gets 412, and a
        write without If-Match starts from the latest version instead of overwriting it.
        A row that does not exist locks nothing; get_object answers 404 as usual.
        """
        if self.org_write_lock:
            org_lock(self.org_write_lock)
        lookup = {self.lookup_field: self.kwargs[self.lookup_url_kwarg or self.lookup_field]}
        list(self.model.objects.filter(**lookup).select_for_update().values_list("pk", flat=True))


class PreconditionFailed(exceptions.APIException):
    status_code = 412
    default_detail = "The object changed since you read it (If-Match does not match its ETag). Read it again and retry."
    default_code = "precondition_failed"


def etag_of(instance, *, refresh: bool = False) -> str:
    """A strong ETag from the object's identity and last change time."""
    import hashlib

    stamp_field = "updated_at" if hasattr(instance, "updated_at") else "created_at"
    stamp = getattr(instance, stamp_field, None)
    if refresh:
        stamp = type(instance).unscoped.filter(pk=instance.pk).values_list(stamp_field, flat=True).first() or stamp
    digest = hashlib.sha256(f"{instance.public_id}:{stamp.isoformat() if stamp else ''}".encode()).hexdigest()[:32]
    return f'"{digest}"'


org_header_parameter = OpenApiParameter(
    ORG_HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="Organisation slug, for a signed-in person (API keys fix the organisation).",
)


def refuse_hostile_request(request, path_kwargs) -> None:
    """400 for a NUL byte anywhere in the path, a query parameter's name or value or a header (PostgreSQL
    refuses NUL in text, and no real value holds one); 413 for a non-multipart body over
    DATA_UPLOAD_MAX_MEMORY_SIZE, which DRF's JSON parser would otherwise read whole (Django enforces the
    limit on form fields only; multipart files have their own upload limits)."""
    where = []
    if "\x00" in request.path or any("\x00" in str(value) for value in path_kwargs.values()):
        where.append("path")
    for name, values in request.query_params.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            where.append(name.replace("\x00", "\\x00"))
    # Servers refuse NUL in headers, but not every client goes through one (X-Organization is looked up).
    where += [name for name, value in request.headers.items() if "\x00" in value]
    if where:
        raise exceptions.ValidationError(
            {name: ["Remove the NUL character (\\x00): no value here can contain one."] for name in where}
        )
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise exceptions.ParseError("Content-Length is not a number.") from None
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is not None and length > limit and not request.content_type.startswith("multipart/"):
        raise RequestTooLarge(f"The request body is {length} bytes; the limit is {limit}. Send fewer items per call.")


def parse_updated_since(raw: str) -> datetime:
    """An ISO 8601 time within years 1..9999, in UTC too, or a 400 naming `updated_since`."""
    from django.utils.dateparse import date_re, datetime_re, parse_datetime

    message = "Give an ISO 8601 time, e.g. 2026-11-23T10:00:00Z (a real date, an offset within ±24:00)."
    try:
        # The shape first: Python's fromisoformat, which parse_datetime tries, takes "1111…1" (any digits) too.
        # Then Django's parser raises ValueError for month 13, hour 25, offset +25:00 and year 0;
        # converting to UTC raises OverflowError for 0001-01-01T00:00+05:00 or 9999-12-31T23:00-05:00.
        since = parse_datetime(raw) if datetime_re.match(raw) or date_re.match(raw) else None
        if since is not None:
            since = (timezone.make_aware(since, UTC) if timezone.is_naive(since) else since).astimezone(UTC)
    except (ValueError, OverflowError):
        since = None
    if since is None:
        raise exceptions.ValidationError({"updated_since": message})
    return since


def updated_since_supported(model) -> bool:
    """Lists of objects the changes feed tracks take updated_since (the schema documents it for those)."""
    from empathy_site.sync.registry import type_of

    return type_of(model) is not None


def changed_since(queryset, model, raw: str):
    """`updated_since` guarded like the changes feed: by the time a change was positioned
    after commit, not by updated_at, which a late-committing transaction can put in the past."""
    from empathy_site.sync.models import ChangeEvent
    from empathy_site.sync.positions import assign_positions
    from empathy_site.sync.registry import type_of

    since = parse_updated_since(raw)
    object_type = type_of(model)
    if object_type is None:
        raise exceptions.ValidationError({"updated_since": "This list does not support updated_since."})
    assign_positions()
    changed = ChangeEvent.objects.filter(object_type=object_type, positioned_at__gte=since).values("object_id")
    return queryset.filter(public_id__in=changed)


class TenantModelViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """List/retrieve from the scoped queryset; create/update/delete through services.

    Subclasses implement service_create(data), service_update(instance, data) and
    service_delete(instance); leaving one out leaves that method unsupported (405).
    """

    def create(self, request, *args, **kwargs):
        if not hasattr(self, "service_create"):
            raise exceptions.MethodNotAllowed(request.method)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instance = self.service_create(serializer.validated_data)
        return Response(self.get_serializer(instance).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, partial=False, **kwargs):
        if not hasattr(self, "service_update"):
            raise exceptions.MethodNotAllowed(request.method)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        instance = self.service_update(instance, serializer.validated_data)
        return Response(self.get_serializer(instance).data)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request, *args, **kwargs):
        if not hasattr(self, "service_delete"):
            raise exceptions.MethodNotAllowed(request.method)
        self.service_delete(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class SchemaGenerator(generators.SchemaGenerator):
    """OpenAPI generation introspects querysets with no request org (the schema view,
    `manage.py spectacular`, the deploy check): it runs as the introspection org, which owns nothing."""

    def get_schema(self, *args, **kwargs):
        with introspection_scope():
            return super().get_schema(*args, **kwargs)
