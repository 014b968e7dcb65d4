from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from empathy_site import health, views
from empathy_site.api.base import UnknownEndpointView
from empathy_site.tenancy import views as tenancy_views
from interviews.views import media as media_views

api_v1 = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("interviews.api.urls")),
    path("", include("personas.api.urls")),
    path("", include("empathy_site.sync.api.urls")),
    path("", include("collaboration.api.urls")),
    path("", include("empathy_site.api.invitations")),
    path("", include("interop.api.urls")),
    # Last: any other /api/v1/ path is a 404 in the API's format, with the RateLimit headers every answer has.
    re_path(r"^.*$", UnknownEndpointView.as_view(), name="api-unknown"),
]

org_patterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("settings/members/", tenancy_views.MembersView.as_view(), name="members"),
    path("settings/members/<uuid:user_id>/role/", tenancy_views.MemberRoleView.as_view(), name="member_role"),
    path("settings/members/<uuid:user_id>/remove/", tenancy_views.MemberRemoveView.as_view(), name="member_remove"),
    path(
        "settings/members/invitations/<uuid:invitation_id>/revoke/", tenancy_views.InvitationRevokeView.as_view(),
        name="invitation_revoke",
    ),
    path(
        "settings/members/invitations/<uuid:invitation_id>/resend/", tenancy_views.InvitationResendView.as_view(),
        name="invitation_resend",
    ),
    path("settings/api-keys/", tenancy_views.ApiKeysView.as_view(), name="api_keys"),
    path("settings/api-keys/<uuid:key_id>/revoke/", tenancy_views.ApiKeyRevokeView.as_view(), name="api_key_revoke"),
    path("settings/audit/", tenancy_views.AuditLogView.as_view(), name="audit_log"),
    path("notifications/", views.NotificationsView.as_view(), name="notifications"),
    path("notifications/settings/", views.NotificationSettingsView.as_view(), name="notification_settings"),
    path("notifications/<uuid:notification_id>/read/", views.NotificationReadView.as_view(), name="notification_read"),
    path("", include("interviews.urls")),
    path("", include("personas.urls")),
    path("", include("empathy_site.sync.urls")),
    path("", include("collaboration.urls")),
    path("", include("interop.urls")),
]

urlpatterns = [
    path("", tenancy_views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("accounts/login/", tenancy_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/", tenancy_views.AccountView.as_view(), name="account"),
    path("accounts/sessions/end/", tenancy_views.SessionsEndView.as_view(), name="sessions_end"),
    path("accounts/password_change/", tenancy_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password_change/done/", tenancy_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/password_reset/", tenancy_views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password_reset/done/", tenancy_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("accounts/reset/<uidb64>/<token>/", tenancy_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("accounts/reset/done/", tenancy_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    # Outside /o/<slug>/: the invited person is not a member yet; the token names the organisation.
    path("accounts/invitations/<str:token>/", tenancy_views.InvitationAcceptView.as_view(), name="invitation_accept"),
    # Outside /o/<slug>/ and without a session: the signed token is the credential and fixes the organisation.
    path("files/<str:token>", media_views.media_file, name="media_file"),
    path("o/<slug:org_slug>/", include(org_patterns)),
    path("api/v1/", include(api_v1)),
]

handler400 = "empathy_site.views.bad_request"
handler403 = "empathy_site.views.permission_denied"
handler404 = "empathy_site.views.not_found"
handler500 = "empathy_site.views.server_error"
