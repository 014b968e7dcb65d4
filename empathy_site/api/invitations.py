"""API for invitations: admins invite by email, resend (a new link; the old one dies) and withdraw.

The answer never says whether the address has an account anywhere: the invited person decides on the page
the emailed link opens. The link itself is never in an API answer; it travels by email only.
"""

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from empathy_site.tenancy import services
from empathy_site.tenancy.models import Invitation, Role
from empathy_site.tenancy.roles import Perm

from .base import TenantModelViewSet
from .errors import error_response


class InvitationSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    status = serializers.ChoiceField(choices=Invitation.Status.choices, read_only=True,
                                     help_text="pending, accepted, expired or revoked (withdrawn).")
    created_by = serializers.UUIDField(source="created_by.public_id", read_only=True, allow_null=True)
    accepted_by = serializers.UUIDField(source="accepted_by.public_id", read_only=True, allow_null=True)

    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "status", "created_by", "created_at", "expires_at", "accepted_at", "accepted_by",
                  "revoked_at"]
        read_only_fields = fields


class InvitationCreateSerializer(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices, default=Role.VIEWER)


class InvitationViewSet(TenantModelViewSet):
    """Invitations of the organisation, newest first, each with its state; admins only."""

    http_method_names = ["get", "post", "head", "options"]
    model = Invitation
    serializer_class = InvitationSerializer
    write_permission = Perm.MANAGE_ORG
    action_permissions = {"list": Perm.MANAGE_ORG, "retrieve": Perm.MANAGE_ORG}
    filterset_fields = ["email"]

    def scope_queryset(self, queryset):
        return queryset.select_related("created_by", "accepted_by")

    def _mail(self, invitation, raw_token):
        link = self.request.build_absolute_uri(reverse("invitation_accept", args=[raw_token]))
        services.invitation_email(invitation=invitation, link=link, by=self.actor)

    @extend_schema(request=InvitationCreateSerializer, responses={201: InvitationSerializer})
    def create(self, request, *args, **kwargs):
        serializer = InvitationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation, raw_token = services.invitation_create(
            organization=request.organization, email=serializer.validated_data["email"],
            role=serializer.validated_data["role"], by=self.actor,
        )
        self._mail(invitation, raw_token)
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=InvitationSerializer)
    @action(detail=True, methods=["post"])
    def resend(self, request, *args, **kwargs):
        """A new link by email, valid for 7 days from now; the previous link stops working."""
        try:
            invitation, raw_token = services.invitation_resend(invitation=self.get_object(), by=self.actor)
        except services.InvitationUnusable as error:
            return error_response("invalid", f"The invitation is {error.status}; it can't be sent again.",
                                  {"non_field_errors": [f"The invitation is {error.status}."]})
        self._mail(invitation, raw_token)
        return Response(InvitationSerializer(invitation).data)

    @extend_schema(request=None, responses=InvitationSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, *args, **kwargs):
        """Withdraw a pending invitation: its link stops working. Withdrawing twice changes nothing."""
        invitation = services.invitation_revoke(invitation=self.get_object(), by=self.actor)
        return Response(InvitationSerializer(invitation).data)


router = SimpleRouter(trailing_slash=True)
router.register("invitations", InvitationViewSet, basename="invitation")
urlpatterns = router.urls
