"""What each role may do. The one place role checks are decided."""

from .models import Role


class Perm:
    VIEW = "view"
    # Interviews, participants, studies, tags, highlights, personas.
    RESEARCH = "research"
    # Messages and their assumption checks.
    MESSAGES = "messages"
    # Members, API keys, webhooks, policies, audit log.
    MANAGE_ORG = "manage_org"
    # Webhook endpoints and their deliveries: admins, and API keys with the `webhooks` scope (an integration
    # registers its own receiver without an admin's session; the scope manages nothing else of the org).
    MANAGE_WEBHOOKS = "manage_webhooks"
    # Participants' real names and emails, and raw speaker labels (often real names). Marketers,
    # viewers and API keys without the `personal_data` scope see pseudonyms only.
    PERSONAL_DATA = "personal_data"
    # Data-subject requests: erasing a participant everywhere and the subject-access export. Admins, and API
    # keys with the `erase` scope (the request reaches the CRM first).
    SUBJECT_REQUESTS = "subject_requests"


ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset({
        Perm.VIEW, Perm.RESEARCH, Perm.MESSAGES, Perm.MANAGE_ORG, Perm.MANAGE_WEBHOOKS, Perm.PERSONAL_DATA,
        Perm.SUBJECT_REQUESTS,
    }),
    Role.RESEARCHER: frozenset({Perm.VIEW, Perm.RESEARCH, Perm.MESSAGES, Perm.PERSONAL_DATA}),
    Role.MARKETER: frozenset({Perm.VIEW, Perm.MESSAGES}),
    Role.VIEWER: frozenset({Perm.VIEW}),
}

# An API key's scopes stand in for a role: read sees, write also changes data
# (never manages the organisation itself); personal_data adds participants' names and emails;
# webhooks manages the webhook endpoints (and nothing else of the organisation).
SCOPE_PERMISSIONS: dict[str, frozenset[str]] = {
    "read": frozenset({Perm.VIEW}),
    "write": frozenset({Perm.RESEARCH, Perm.MESSAGES}),
    "personal_data": frozenset({Perm.PERSONAL_DATA}),
    "webhooks": frozenset({Perm.MANAGE_WEBHOOKS}),
    "erase": frozenset({Perm.SUBJECT_REQUESTS}),
}
API_KEY_SCOPES = tuple(SCOPE_PERMISSIONS)


def role_allows(role: str | None, perm: str) -> bool:
    return perm in ROLE_PERMISSIONS.get(role or "", frozenset())


def scopes_allow(scopes, perm: str) -> bool:
    return any(perm in SCOPE_PERMISSIONS.get(scope, frozenset()) for scope in scopes)


def grant_allows(grant: tuple[str, object] | None, perm: str) -> bool:
    """An API request's grant, ("role", role) for a member or ("scopes", [...]) for a key; None allows nothing."""
    if grant is None:
        return False
    kind, value = grant
    return scopes_allow(value, perm) if kind == "scopes" else role_allows(value, perm)
