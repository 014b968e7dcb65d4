from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from empathy_site.tenancy.api.errors import api_not_found, api_server_error
from empathy_site.tenancy.web import OrgView
from interviews.selectors import organization_overview


class DashboardView(OrgView):
    def get(self, request):
        return render(request, "dashboard.html", {"overview": organization_overview()})


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, "You are signed out.")
    return redirect("login")


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
