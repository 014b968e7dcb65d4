"""Base classes every API view stands on.

The organisation is resolved once, from the API key or the X-Organization
header of a signed-in member, and the whole request runs in one transaction
bound to it. Subclasses cannot replace get_queryset: they name a model and may
narrow the already-scoped queryset in `scope_queryset`.
"""

from django.db import transaction
from drf_spectacular import generators
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from ..context import activate, deactivate, introspection_scope
from ..roles import Perm, role_allows, scopes_allow
from ..selectors import membership_get_by_slug
from .authentication import ApiKeyPrincipal

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
        kind, value = grant
        allowed = scopes_allow(value, needed) if kind == "scopes" else role_allows(value, needed)
        if not allowed:
            raise exceptions.PermissionDenied(
                "Your role does not allow this." if kind == "role" else "This API key lacks the scope for this."
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

    @property
    def actor(self):
        """The person behind the request, or None for an API key."""
        user = self.request.user
        return None if isinstance(user, ApiKeyPrincipal) else user


class TenantViewSet(OrgAPIView, viewsets.GenericViewSet):
    model = None
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
        instance = super().get_object()
        self._etag_target = instance
        expected = self.request.headers.get("If-Match")
        if expected and self.request.method in ("PUT", "PATCH", "DELETE"):
            current = etag_of(instance)
            if expected.strip() != "*" and current not in [tag.strip() for tag in expected.split(",")]:
                raise PreconditionFailed()
        return instance


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



def changed_since(queryset, model, raw: str):
    """`updated_since` guarded like the changes feed: by the time a change was positioned
    after commit, not by updated_at, which a late-committing transaction can put in the past."""
    from django.utils.dateparse import parse_datetime

    from empathy_site.sync.models import ChangeEvent
    from empathy_site.sync.positions import assign_positions
    from empathy_site.sync.registry import type_of

    since = parse_datetime(raw)
    if since is None:
        raise exceptions.ValidationError({"updated_since": "Give an ISO 8601 time, e.g. 2026-11-23T10:00:00Z."})
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
