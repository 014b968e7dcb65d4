from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from empathy_site.api.errors import api_bad_request, api_not_found, api_server_error
from empathy_site.tenancy.models import Notification
from empathy_site.tenancy.roles import Perm
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
    """Everything the signed-in member was told; POST marks it all read."""

    write_permission = Perm.VIEW

    def get(self, request):
        notifications = Notification.objects.filter(user=request.user)[:100]
        return render(request, "notifications.html", {"notifications": notifications})

    def post(self, request):
        Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
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
