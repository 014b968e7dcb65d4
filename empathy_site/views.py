from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from empathy_site.api.errors import api_bad_request, api_not_found, api_server_error
from empathy_site.tenancy.forms import NotificationSettingsForm
from empathy_site.tenancy.lookups import resolve_one
from empathy_site.tenancy.models import Notification
from empathy_site.tenancy.notifications import notification_email_kinds_set, notifications_mark_read
from empathy_site.tenancy.roles import Perm
from empathy_site.tenancy.selectors import notifications_for
from empathy_site.tenancy.web import OrgView
from interviews.selectors import organization_overview, recent_highlights
from personas.selectors import messages_awaiting_review, messages_waiting_for_evidence, personas_needing_review


class DashboardView(OrgView):
    """Where the day starts: what is new, what needs review, what waits for evidence; every figure a link."""

    def get(self, request):
        notifications = Notification.objects.filter(user=request.user, read_at__isnull=True)[:5]
        return render(request, "dashboard.html", {
            "overview": organization_overview(),
            "notifications": notifications,
            "recent_highlights": recent_highlights(limit=5),
            "personas_to_review": personas_needing_review(limit=6),
            "messages_to_review": messages_awaiting_review(limit=6),
            "messages_waiting": messages_waiting_for_evidence(limit=6),
            "can_upload": self.can(Perm.RESEARCH),
            "can_write_messages": self.can(Perm.MESSAGES),
        })


class NotificationsView(OrgView):
    """Everything the signed-in member was told, with their email settings; POST marks it all read."""

    write_permission = Perm.VIEW

    def get(self, request, form=None, status=200):
        return render(request, "notifications.html", {
            "notifications": notifications_for(user=request.user),
            "settings_form": form or NotificationSettingsForm(initial={"email_kinds": self.membership.email_notification_kinds}),
        }, status=status)

    def post(self, request):
        notifications_mark_read(user=request.user)
        return redirect("notifications", org_slug=self.organization.slug)


class NotificationReadView(OrgView):
    """Marks one notification read and follows its link (the list's links go through here)."""

    write_permission = Perm.VIEW
    http_method_names = ["post"]

    def post(self, request, notification_id):
        notification = resolve_one(Notification.objects.filter(user=request.user), notification_id)
        notifications_mark_read(user=request.user, notification=notification)
        if notification.link and url_has_allowed_host_and_scheme(notification.link, allowed_hosts={request.get_host()}):
            return redirect(notification.link)
        return redirect("notifications", org_slug=self.organization.slug)


class NotificationSettingsView(NotificationsView):
    """Which kinds of notification also reach the member by the daily email digest (shown on the list page)."""

    http_method_names = ["post"]

    def post(self, request):
        form = NotificationSettingsForm(request.POST)
        if not form.is_valid():
            return self.get(request, form=form, status=400)
        notification_email_kinds_set(membership=self.membership, kinds=form.cleaned_data["email_kinds"])
        messages.success(request, "Email settings saved." if form.cleaned_data["email_kinds"]
                         else "Email settings saved: nothing will be emailed.")
        return redirect("notifications", org_slug=self.organization.slug)


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, "You are signed out.")
    return redirect("login")


def bad_request(request, exception=None):
    if request.path.startswith("/api/"):
        return api_bad_request(request, exception)
    return render(request, "errors/400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return api_not_found(request, exception)
    return render(request, "errors/404.html", status=404)


def server_error(request):
    if request.path.startswith("/api/"):
        return api_server_error(request)
    return render(request, "errors/500.html", status=500)
