"""Base for every web view under /o/<org-slug>/.

The middleware has already resolved the organisation (404 for non-members);
this adds the role check: GET needs VIEW, anything else `write_permission`.
"""

from django.core.exceptions import PermissionDenied
from django.views import View

from .roles import Perm, role_allows


class OrgView(View):
    read_permission = Perm.VIEW
    write_permission = Perm.RESEARCH

    def dispatch(self, request, *args, **kwargs):
        kwargs.pop("org_slug", None)
        self.organization = request.organization
        self.membership = request.membership
        needed = self.read_permission if request.method in ("GET", "HEAD", "OPTIONS") else self.write_permission
        if not role_allows(self.membership.role, needed):
            raise PermissionDenied("Your role does not allow this.")
        return super().dispatch(request, *args, **kwargs)

    def can(self, perm: str) -> bool:
        return role_allows(self.membership.role, perm)

    def org_url_kwargs(self, **extra):
        return {"org_slug": self.organization.slug, **extra}


def add_service_errors(form, error) -> None:
    """Show a service's ValidationError on the form: per field where the form has it, else at the top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def csv_safe(value: str) -> str:
    """Spreadsheets execute cells starting with = + - @; prefix them so a name can't run a formula."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
