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


ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset({Perm.VIEW, Perm.RESEARCH, Perm.MESSAGES, Perm.MANAGE_ORG}),
    Role.RESEARCHER: frozenset({Perm.VIEW, Perm.RESEARCH, Perm.MESSAGES}),
    Role.MARKETER: frozenset({Perm.VIEW, Perm.MESSAGES}),
    Role.VIEWER: frozenset({Perm.VIEW}),
}

# An API key's scopes stand in for a role: read sees, write also changes data
# (never manages the organisation itself).
SCOPE_PERMISSIONS: dict[str, frozenset[str]] = {
    "read": frozenset({Perm.VIEW}),
    "write": frozenset({Perm.RESEARCH, Perm.MESSAGES}),
}
API_KEY_SCOPES = tuple(SCOPE_PERMISSIONS)


def role_allows(role: str | None, perm: str) -> bool:
    return perm in ROLE_PERMISSIONS.get(role or "", frozenset())


def scopes_allow(scopes, perm: str) -> bool:
    return any(perm in SCOPE_PERMISSIONS.get(scope, frozenset()) for scope in scopes)
