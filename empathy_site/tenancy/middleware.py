"""Resolves /o/<org-slug>/ to the signed-in member's organisation.

The rest of the request runs inside one transaction bound to that org, so the
ORM manager and PostgreSQL's row-level security agree on the tenant.
"""

import re

from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import Http404

from .context import activate, deactivate
from .selectors import membership_get_by_slug

ORG_PATH = re.compile(r"^/o/(?P<slug>[-a-zA-Z0-9_]+)/")


class OrganizationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        match = ORG_PATH.match(request.path_info)
        if match is None:
            return self.get_response(request)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        membership = membership_get_by_slug(user=request.user, slug=match["slug"])
        if membership is None:
            # Not a member and no such org look the same: no existence leak.
            raise Http404("No such organisation.")
        request.organization = membership.organization
        request.membership = membership
        with transaction.atomic():
            token = activate(membership.organization_id)
            try:
                response = self.get_response(request)
                if response.status_code >= 500:
                    # Django has already turned the exception into a response;
                    # don't commit what the failed view half wrote.
                    transaction.set_rollback(True)
                return response
            finally:
                deactivate(token)
