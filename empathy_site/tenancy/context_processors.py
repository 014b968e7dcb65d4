from .roles import ROLE_PERMISSIONS
from .selectors import user_memberships


def organization(request):
    membership = getattr(request, "membership", None)
    context = {"organization": getattr(request, "organization", None), "membership": membership}
    if membership is not None:
        context["perms_in_org"] = ROLE_PERMISSIONS.get(membership.role, frozenset())
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        context["my_memberships"] = user_memberships(user=request.user)
    return context
