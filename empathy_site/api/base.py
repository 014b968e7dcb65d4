"""Base classes every API view stands on.

The organisation is resolved once, from the API key or the X-Organization
header of a signed-in member, and the whole request runs in one transaction
bound to it. Subclasses cannot replace get_queryset: they name a model and may
narrow the already-scoped queryset in `scope_queryset`.
"""

import hashlib

from django.conf import settings
from django.db import transaction
from django.urls import Resolver404, resolve
from drf_spectacular import generators
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from empathy_site.tenancy.concurrency import org_lock
from empathy_site.tenancy.context import activate, deactivate, introspection_scope
from empathy_site.tenancy.roles import Perm, grant_allows
from empathy_site.tenancy.selectors import membership_get_by_slug

from . import idempotency
from .authentication import ApiKeyPrincipal
from .changes import changed_since, updated_since_supported
from .errors import RequestTooLarge
from .throttling import ApiKeyRateThrottle

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
    # The query parameters a view reads from request.query_params itself, by viewset action or, on a plain
    # view, by lower-case HTTP method: {"list": ("q",)}. Pagination, filterset fields and updated_since are
    # derived (allowed_query_parameters); any other parameter answers 400, so none is silently ignored.
    query_parameters: dict[str, tuple[str, ...]] = {}

    def required_permission(self, request) -> str:
        action = getattr(self, "action", None)
        if action in self.action_permissions:
            return self.action_permissions[action]
        if request.method in permissions.SAFE_METHODS:
            return Perm.VIEW
        return self.write_permission

    def get_throttles(self):
        # One instance per request: finalize_response reads the state it counted for the RateLimit headers.
        if getattr(self, "_rate_throttle", None) is None:
            self._rate_throttle = ApiKeyRateThrottle()
        return [self._rate_throttle]

    def initial(self, request, *args, **kwargs):
        # Before authentication and parsing: nothing below may see a NUL byte or start reading a huge body.
        refuse_hostile_request(request, kwargs)
        super().initial(request, *args, **kwargs)
        refuse_unknown_query_parameters(request, self.allowed_query_parameters(request))
        self._idempotency = None
        if request.method == "POST" and getattr(request, "organization", None) is not None:
            self._idempotency = idempotency.begin(request, request.organization.pk)

    def allowed_query_parameters(self, request) -> set[str]:
        """Every query parameter this request's operation reads: the view's declaration and DRF's `format`
        (the renderer override). TenantViewSet adds its paginator's, filterset's and updated_since."""
        operation = getattr(self, "action", None) or ("get" if request.method == "HEAD" else request.method.lower())
        allowed = set(self.query_parameters.get(operation, ()))
        if api_settings.URL_FORMAT_OVERRIDE:
            allowed.add(api_settings.URL_FORMAT_OVERRIDE)
        return allowed

    def handle_exception(self, exc):
        if isinstance(exc, idempotency.Replay):
            self._idempotency = None
            return Response(exc.record.response_body, status=exc.record.status_code, headers={"Idempotent-Replayed": "true"})
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # On every answer, errors and 429 included; before the throttle ran (a 401, a 403) without counting.
        for name, value in self.get_throttles()[0].headers(request).items():
            response[name] = value
        if getattr(self, "_idempotency", None):
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
                raise exceptions.ValidationError(
                    {ORG_HEADER: [f"Name the organisation in the {ORG_HEADER} header (its slug), or use an API key."]}
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


class UnknownEndpointView(OrgAPIView):
    """Any /api/v1/ path no endpoint answers (the last route of the API): a 404 in the API's error format, to
    anybody, counted against the caller's rate limit and carrying the RateLimit headers like every API answer.

    The caller is authenticated (a bad key is still a 401) so the request counts in its own window; no
    organisation is resolved, there is nothing to read. Not in the OpenAPI document: it has no operations."""

    permission_classes = []

    def perform_authentication(self, request):
        request.user  # noqa: B018 -- authenticates: the caller fixes which rate-limit window counts this request

    def initial(self, request, *args, **kwargs):
        refuse_hostile_request(request, kwargs)
        APIView.initial(self, request, *args, **kwargs)  # authentication and the throttle; no query parameters
        raise exceptions.NotFound(self._hint(request.path_info))

    @staticmethod
    def _hint(path: str) -> str:
        if not path.endswith("/"):
            match = resolve_or_none(f"{path}/")
            if match is not None and match.func.__dict__.get("view_class") is not UnknownEndpointView:
                return f"No such endpoint: API paths end with a slash ({path}/)."
        return "No such endpoint."


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
        # These three are where the tenant scope, the If-Match lock and the role check live:
        # a subclass that replaced one could serve another org's object or skip the check.
        guarded = {
            "get_queryset": "narrow the scoped queryset in scope_queryset instead",
            "get_object": "narrow the queryset in scope_queryset; the lookup stays here",
            "get_permissions": "set write_permission or action_permissions instead",
        }
        for name, instead in guarded.items():
            if name in cls.__dict__:
                raise TypeError(f"{cls.__name__} overrides {name}; {instead}.")

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

    def allowed_query_parameters(self, request) -> set[str]:
        allowed = super().allowed_query_parameters(request)
        if self.action == "list":
            allowed |= self._filter_parameters()
            if updated_since_supported(self.model):
                allowed.add("updated_since")
        # A list paginates; an extra action does when its @action names a pagination_class (None for one that
        # answers a whole list), so a detail action never silently takes cursor or page_size.
        handler = getattr(self, self.action, None) if self.action else None
        paginates = self.action == "list" or "pagination_class" in getattr(handler, "kwargs", {})
        if paginates and self.paginator is not None:
            allowed |= {parameter["name"] for parameter in self.paginator.get_schema_operation_parameters(self)}
        return allowed

    def _filter_parameters(self) -> set[str]:
        """The query parameters of the view's filter backends: each filterset filter (a range filter's
        widget takes suffixed names, e.g. created_after), or what a plain DRF backend documents."""
        names: set[str] = set()
        for backend in (backend_class() for backend_class in self.filter_backends):
            if not hasattr(backend, "get_filterset_class"):
                names |= {parameter["name"] for parameter in backend.get_schema_operation_parameters(self)}
                continue
            filterset_class = backend.get_filterset_class(self, self.model.objects.none())
            for name, declared in (filterset_class.base_filters.items() if filterset_class else ()):
                suffixes = getattr(declared.field.widget, "suffixes", None)
                names |= {f"{name}_{suffix}" if suffix else name for suffix in suffixes} if suffixes else {name}
        return names

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


def resolve_or_none(path: str):
    try:
        return resolve(path)
    except Resolver404:
        return None


def refuse_unknown_query_parameters(request, allowed: set[str]) -> None:
    """400 naming every query parameter the operation does not read: a misspelt filter must not answer
    an unfiltered list as if it had worked."""
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        takes = ", ".join(sorted(allowed))
        raise exceptions.ValidationError(
            {name: [f"Not a query parameter of this operation; it takes: {takes}."] for name in unknown}
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
