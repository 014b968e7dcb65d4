"""Sign-in, invitations, and the admin pages for members, API keys and the audit log."""

import ipaddress

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.views import View
from django.views.decorators.cache import never_cache
from django_ratelimit.decorators import ratelimit

from . import services
from .audit import AuditAction, audit_record, client_ip
from .context import tenant_scope
from .forms import (
    ApiKeyCreateForm,
    InvitationCreateForm,
    InvitationSignupForm,
    LoginForm,
    MailedPasswordResetForm,
    MemberRoleForm,
)
from .lookups import resolve_one
from .models import ApiKey, Invitation, Membership
from .roles import Perm
from .selectors import (
    invitation_by_token_outside_any_org,
    organization_api_keys,
    organization_audit_events,
    organization_invitations,
    organization_members,
    user_memberships,
    user_with_email_exists,
)
from .web import OrgView, ServiceFormView, add_service_errors


def _login_account_rate(group, request):
    return settings.LOGIN_RATE_LIMIT


def _login_address_rate(group, request):
    return settings.LOGIN_ADDRESS_RATE_LIMIT


def _throttled_address(request) -> str:
    """The client address as one bucket: an IPv6 client controls its whole /64, so that is one address here."""
    address = client_ip(request)
    if address is None:
        return "unknown"
    prefix = 64 if ":" in address else 32
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address)


def _login_account_address_key(group, request):
    return f"{(request.POST.get('username') or '').strip().lower()}\n{_throttled_address(request)}"


def _login_address_key(group, request):
    return _throttled_address(request)


# Per (account, address), not per account: one address guessing at an account
# cannot lock its owner out from anywhere else. Per address with a higher ceiling:
# one address cannot guess across many accounts, yet an office behind one
# address signs in normally.
@method_decorator(
    ratelimit(group="login:address", key=_login_address_key, rate=_login_address_rate, method="POST", block=False),
    name="post",
)
@method_decorator(
    ratelimit(
        group="login:account-address", key=_login_account_address_key, rate=_login_account_rate, method="POST",
        block=False,
    ),
    name="post",
)
class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if getattr(request, "limited", False):
            form = self.get_form()
            form.errors.clear()
            response = self.render_to_response(
                self.get_context_data(form=form, rate_limited=True)
            )
            response.status_code = 429
            response["Retry-After"] = "60"
            return response
        return super().post(request, *args, **kwargs)


@login_required
def home(request):
    memberships = list(user_memberships(user=request.user))
    if len(memberships) == 1:
        return redirect("dashboard", org_slug=memberships[0].organization.slug)
    return render(request, "tenancy/choose_org.html", {"memberships": memberships})


class MembersView(ServiceFormView):
    """Members and pending invitations; a POST invites, with the same answer whether or not the email
    has an account anywhere."""

    read_permission = write_permission = Perm.MANAGE_ORG
    form_class = InvitationCreateForm
    error_status = 200  # the page with the form's errors, as it has always answered

    def get(self, request, form=None, new_invitation=None, status=200):
        return render(
            request,
            "tenancy/members.html",
            {
                "members": organization_members(organization=self.organization),
                "invitations": organization_invitations(organization=self.organization),
                "form": form or InvitationCreateForm(),
                "role_form": MemberRoleForm(),
                "new_invitation": new_invitation,
            },
            status=status,
        )

    def perform(self, form):
        invitation, raw_token = services.invitation_create(
            organization=self.organization, email=form.cleaned_data["email"], role=form.cleaned_data["role"],
            by=self.request.user,
        )
        link = self.request.build_absolute_uri(reverse("invitation_accept", args=[raw_token]))
        services.invitation_email(invitation=invitation, link=link, by=self.request.user)
        return invitation, link

    def success_response(self, result):
        invitation, link = result
        # Rendered, not redirected: the link is a credential and must never sit in a session or URL.
        return self.get(self.request, new_invitation={"invitation": invitation, "link": link})


class InvitationRevokeView(OrgView):
    read_permission = write_permission = Perm.MANAGE_ORG
    http_method_names = ["post"]

    def post(self, request, invitation_id):
        invitation = resolve_one(Invitation, invitation_id)
        try:
            services.invitation_revoke(invitation=invitation, by=request.user)
            messages.success(request, f"The invitation for {invitation.email} is withdrawn. Its link no longer works.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("members", org_slug=self.organization.slug)


class InvitationResendView(OrgView):
    """A new link by email; the previous link stops working."""

    read_permission = write_permission = Perm.MANAGE_ORG
    http_method_names = ["post"]

    def post(self, request, invitation_id):
        invitation = resolve_one(Invitation, invitation_id)
        try:
            invitation, raw_token = services.invitation_resend(invitation=invitation, by=request.user)
        except services.InvitationUnusable as error:
            messages.error(request, f"The invitation for {invitation.email} is {error.status}; it can't be sent again.")
            return redirect("members", org_slug=self.organization.slug)
        link = request.build_absolute_uri(reverse("invitation_accept", args=[raw_token]))
        services.invitation_email(invitation=invitation, link=link, by=request.user)
        messages.success(request, f"A new invitation link is on its way to {invitation.email}; the previous link no longer works.")
        return redirect("members", org_slug=self.organization.slug)


@method_decorator(never_cache, name="dispatch")
class InvitationAcceptView(View):
    """/accounts/invitations/<token>/: outside any organisation until the token names one.

    Only the person holding the link sees this page, so it may say whether the
    invited email has an account; the inviting organisation never learns it.
    Joining always takes a POST: opening the link (or a mail scanner fetching
    it) changes nothing.
    """

    template_name = "accounts/invitation.html"

    def dispatch(self, request, token):
        self.invitation = invitation_by_token_outside_any_org(raw_token=token)
        if self.invitation is None:
            raise Http404("No such invitation.")
        return super().dispatch(request)

    def _page(self, request, step, *, status=200, **context):
        return render(
            request, self.template_name,
            {"invitation": self.invitation, "invited_org": self.invitation.organization, "step": step, **context},
            status=status,
        )

    def _unusable(self, request, status):
        # 410: the link existed but can no longer be used.
        return self._page(request, status, status=410)

    def get(self, request, form=None):
        invitation = self.invitation
        if invitation.status != Invitation.Status.PENDING:
            return self._unusable(request, invitation.status)
        if request.user.is_authenticated:
            if request.user.email.lower() != invitation.email.lower():
                return self._page(request, "wrong_account", status=403)
            return self._page(request, "join")
        if user_with_email_exists(email=invitation.email):
            return self._page(request, "sign_in", login_url=f"{reverse('login')}?{urlencode({'next': request.path})}")
        return self._page(request, "create_account", form=form or InvitationSignupForm(email=invitation.email))

    def post(self, request):
        invitation = self.invitation
        if invitation.status != Invitation.Status.PENDING:
            return self._unusable(request, invitation.status)
        if request.user.is_authenticated:
            if request.user.email.lower() != invitation.email.lower():
                return self._page(request, "wrong_account", status=403)
            try:
                services.invitation_accept(invitation=invitation, user=request.user)
            except services.InvitationUnusable as error:
                return self._unusable(request, error.status)
            return self._joined(request)
        if user_with_email_exists(email=invitation.email):
            # The account may have been created through this very link a moment ago (a concurrent sign-up):
            # read the invitation again, so that case answers "already used", not "sign in".
            with tenant_scope(invitation.organization):
                invitation.refresh_from_db()
            return self.get(request)
        form = InvitationSignupForm(request.POST, email=invitation.email)
        if not form.is_valid():
            return self.get(request, form=form)
        try:
            user = services.invitation_accept_with_new_account(
                invitation=invitation, full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password"],
            )
        except services.InvitationUnusable as error:
            return self._unusable(request, error.status)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.get(request, form=form)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return self._joined(request)

    def _joined(self, request):
        organization = self.invitation.organization
        messages.success(request, f"Welcome to {organization.name}.")
        return redirect("dashboard", org_slug=organization.slug)


class MemberRoleView(OrgView):
    read_permission = write_permission = Perm.MANAGE_ORG
    http_method_names = ["post"]

    def post(self, request, user_id):
        membership = resolve_one(Membership, user_id, lookup="user__public_id")
        form = MemberRoleForm(request.POST)
        if form.is_valid():
            try:
                services.membership_set(
                    organization=self.organization, user=membership.user, role=form.cleaned_data["role"],
                    by=request.user,
                )
                messages.success(request, f"{membership.user.email} is now {form.cleaned_data['role']}.")
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
        else:
            messages.error(request, "Choose a valid role.")
        return redirect("members", org_slug=self.organization.slug)


class MemberRemoveView(OrgView):
    read_permission = write_permission = Perm.MANAGE_ORG
    http_method_names = ["post"]

    def post(self, request, user_id):
        membership = resolve_one(Membership, user_id, lookup="user__public_id")
        try:
            services.membership_remove(membership=membership, by=request.user)
            messages.success(request, f"{membership.user.email} no longer has access.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("members", org_slug=self.organization.slug)


class ApiKeysView(ServiceFormView):
    read_permission = write_permission = Perm.MANAGE_ORG
    form_class = ApiKeyCreateForm
    error_status = 200  # the page with the form's errors, as it has always answered

    def get(self, request, form=None, new_key=None, status=200):
        return render(
            request,
            "tenancy/api_keys.html",
            {
                "keys": organization_api_keys(organization=self.organization),
                "form": form or ApiKeyCreateForm(),
                "new_key": new_key,
            },
            status=status,
        )

    def perform(self, form):
        return services.api_key_create(
            organization=self.organization, name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"],
            by=self.request.user,
        )

    def success_response(self, result):
        key, raw_key = result
        # Rendered, not redirected: the raw key must never sit in a session or URL.
        return self.get(self.request, new_key={"key": key, "raw": raw_key})


class ApiKeyRevokeView(OrgView):
    read_permission = write_permission = Perm.MANAGE_ORG
    http_method_names = ["post"]

    def post(self, request, key_id):
        key = resolve_one(ApiKey, key_id)
        services.api_key_revoke(api_key=key, by=request.user)
        messages.success(request, f"Key “{key.name}” revoked. Calls with it now get 401.")
        return redirect("api_keys", org_slug=self.organization.slug)


class AuditLogView(OrgView):
    read_permission = write_permission = Perm.MANAGE_ORG

    def get(self, request):
        page = Paginator(organization_audit_events(organization=self.organization), 50).get_page(request.GET.get("page"))
        return render(request, "tenancy/audit.html", {"page": page})


class AccountView(View):
    """/accounts/: the signed-in person's password and sessions."""

    @method_decorator(login_required)
    def get(self, request):
        return render(request, "accounts/account.html")


@method_decorator(login_required, name="dispatch")
class SessionsEndView(View):
    """Signs the person out everywhere else; this browser stays signed in."""

    http_method_names = ["post"]

    def post(self, request):
        user = services.sessions_end_everywhere(user=request.user)
        update_session_auth_hash(request, user)
        messages.success(request, "You are signed out on every other browser and device.")
        return redirect("account")


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_record(action=AuditAction.PASSWORD_CHANGED, actor=self.request.user, target=self.request.user)
        messages.success(self.request, "Your password is changed. Other sessions were signed out.")
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


@method_decorator(
    ratelimit(group="password-reset", key=_login_address_key, rate=_login_address_rate, method="POST", block=True),
    name="post",
)
class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    form_class = MailedPasswordResetForm
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
