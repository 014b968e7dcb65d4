import functools

from .roles import ROLE_PERMISSIONS
from .selectors import unread_notification_count, user_memberships


def organization(request):
    membership = getattr(request, "membership", None)
    context = {"organization": getattr(request, "organization", None), "membership": membership}
    if membership is not None:
        context["perms_in_org"] = ROLE_PERMISSIONS.get(membership.role, frozenset())
        # The bell's count: one query, only if a template asks, at most once per request (templates call it).
        context["unread_notifications"] = functools.cache(lambda: unread_notification_count(user=request.user))
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        context["my_memberships"] = user_memberships(user=request.user)
    return context
