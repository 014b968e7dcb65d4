import secrets

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django_ratelimit.decorators import ratelimit

from . import services
from .forms import ApiKeyCreateForm, LoginForm, MemberAddForm, MemberRoleForm
from .models import ApiKey, Membership
from .roles import Perm
from .selectors import organization_api_keys, organization_audit_events, organization_members, user_memberships
from .web import OrgView


def _login_rate(group, request):
    from django.conf import settings

    return settings.LOGIN_RATE_LIMIT


def _login_account_key(group, request):
    return (request.POST.get("username") or "").strip().lower()


@method_decorator(ratelimit(key="ip", rate=_login_rate, method="POST", block=False), name="post")
@method_decorator(ratelimit(key=_login_account_key, rate=_login_rate, method="POST", block=False), name="post")
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


class MembersView(OrgView):
    read_permission = write_permission = Perm.MANAGE_ORG

    def get(self, request, form=None):
        return render(
            request,
            "tenancy/members.html",
            {
                "members": organization_members(organization=self.organization),
                "form": form or MemberAddForm(),
                "role_form": MemberRoleForm(),
            },
        )

    def post(self, request):
        form = MemberAddForm(request.POST)
        if not form.is_valid():
            return self.get(request, form=form)
        temporary_password = secrets.token_urlsafe(12)
        user, created = services.user_get_or_create(
            email=form.cleaned_data["email"], password=temporary_password, full_name=form.cleaned_data["full_name"]
        )
        try:
            services.membership_set(
                organization=self.organization, user=user, role=form.cleaned_data["role"], by=request.user, request=request
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.get(request, form=form)
        if created:
            messages.success(
                request,
                f"Account created for {user.email}. Temporary password (shown once): {temporary_password}",
            )
        else:
            messages.success(request, f"{user.email} is now a member.")
        return redirect("members", org_slug=self.organization.slug)


class MemberRoleView(OrgView):
    read_permission = write_permission = Perm.MANAGE_ORG
    http_method_names = ["post"]

    def post(self, request, user_id):
        membership = get_object_or_404(Membership, organization=self.organization, user__public_id=user_id)
        form = MemberRoleForm(request.POST)
        if form.is_valid():
            try:
                services.membership_set(
                    organization=self.organization, user=membership.user, role=form.cleaned_data["role"],
                    by=request.user, request=request,
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
        membership = get_object_or_404(Membership, organization=self.organization, user__public_id=user_id)
        try:
            services.membership_remove(membership=membership, by=request.user, request=request)
            messages.success(request, f"{membership.user.email} no longer has access.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("members", org_slug=self.organization.slug)


class ApiKeysView(OrgView):
    read_permission = write_permission = Perm.MANAGE_ORG

    def get(self, request, form=None, new_key=None):
        return render(
            request,
            "tenancy/api_keys.html",
            {
                "keys": organization_api_keys(organization=self.organization),
                "form": form or ApiKeyCreateForm(),
                "new_key": new_key,
            },
        )

    def post(self, request):
        form = ApiKeyCreateForm(request.POST)
        if not form.is_valid():
            return self.get(request, form=form)
        key, raw_key = services.api_key_create(
            organization=self.organization, name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"],
            by=request.user, request=request,
        )
        # Rendered, not redirected: the raw key must never sit in a session or URL.
        return self.get(request, new_key={"key": key, "raw": raw_key})


class ApiKeyRevokeView(OrgView):
    read_permission = write_permission = Perm.MANAGE_ORG
    http_method_names = ["post"]

    def post(self, request, key_id):
        key = get_object_or_404(ApiKey, organization=self.organization, public_id=key_id)
        services.api_key_revoke(api_key=key, by=request.user, request=request)
        messages.success(request, f"Key “{key.name}” revoked. Calls with it now get 401.")
        return redirect("api_keys", org_slug=self.organization.slug)


class AuditLogView(OrgView):
    read_permission = write_permission = Perm.MANAGE_ORG

    def get(self, request):
        page = Paginator(organization_audit_events(organization=self.organization), 50).get_page(request.GET.get("page"))
        return render(request, "tenancy/audit.html", {"page": page})


def org_url(org, name, **kwargs):
    return reverse(name, kwargs={"org_slug": org.slug, **kwargs})
