"""Organisations, people, memberships, API keys and the audit log.

These are the tenancy directory: they are looked up before any tenant is
active (login, API-key authentication), so they do not use the tenant manager.
Every other app's tenant data subclasses `TenantModel`.
"""

import hashlib
import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Value
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .context import require_org_id


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # Raised by "sign out everywhere": every session signed with the previous value stops working.
    session_epoch = models.PositiveIntegerField(default=0)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    def __str__(self):
        return self.full_name or self.email

    def _get_session_auth_hash(self, secret=None):
        # Django's hash of the password, with the session epoch mixed in once someone signed out everywhere
        # (epoch 0 keeps Django's value, so no session ends when this is deployed).
        if not self.session_epoch:
            return super()._get_session_auth_hash(secret=secret)
        key_salt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
        return salted_hmac(key_salt, f"{self.password}:{self.session_epoch}", secret=secret, algorithm="sha256").hexdigest()

    @property
    def display_name(self) -> str:
        return self.full_name or self.email.split("@")[0]

    @property
    def initials(self) -> str:
        parts = self.display_name.replace(".", " ").split()
        return "".join(p[0] for p in parts[:2]).upper() or "?"


class Organization(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    RESEARCHER = "researcher", "Researcher"
    MARKETER = "marketer", "Marketer"
    VIEWER = "viewer", "Viewer"


class Membership(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.VIEWER)
    # Which kinds of notification (NotificationKind.EMAILABLE) also reach this person by the daily email digest.
    email_notification_kinds = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_org_user_uniq"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self):
        return f"{self.user} in {self.organization} as {self.role}"


class ApiKey(models.Model):
    """An organisation's API key. Only a SHA-256 of the secret is stored."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="api_keys")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100)
    # First characters of the key, kept for the masked display ("emp_Ab3x…").
    prefix = models.CharField(max_length=16)
    last_four = models.CharField(max_length=4)
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "created_at"], name="apikey_org_created_idx")]

    def __str__(self):
        return f"{self.name} ({self.masked})"

    @property
    def masked(self) -> str:
        return f"{self.prefix}…{self.last_four}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class AuditAction(models.TextChoices):
    """Every action the audit log records; the audit page shows these labels."""

    # A person's sign-ins, recorded with no organisation.
    LOGIN = "login", "Login"
    LOGOUT = "logout", "Logout"
    LOGIN_FAILED = "login_failed", "Login failed"
    # The organisation and who is in it.
    ORGANIZATION_CREATED = "organization_created", "Organisation created"
    ORGANIZATION_DELETED = "organization_deleted", "Organisation deleted"
    MEMBER_ADDED = "member_added", "Member added"
    MEMBER_INVITED = "member_invited", "Member invited"
    MEMBER_REMOVED = "member_removed", "Member removed"
    ROLE_CHANGED = "role_changed", "Role changed"
    INVITATION_ACCEPTED = "invitation_accepted", "Invitation accepted"
    INVITATION_REVOKED = "invitation_revoked", "Invitation withdrawn"
    # Access from outside.
    API_KEY_CREATED = "api_key_created", "API key created"
    API_KEY_REVOKED = "api_key_revoked", "API key revoked"
    WEBHOOK_CREATED = "webhook_created", "Webhook created"
    WEBHOOK_DELETED = "webhook_deleted", "Webhook deleted"
    # Research data and policies.
    PARTICIPANT_DELETED = "participant_deleted", "Participant deleted"
    PARTICIPANT_ERASED = "participant_erased", "Participant erased"
    PARTICIPANT_EXPORTED = "participant_exported", "Participant data exported"
    STUDY_DELETED = "study_deleted", "Study deleted"
    INTERVIEW_DELETED = "interview_deleted", "Interview deleted"
    TAG_MERGED = "tag_merged", "Tag merged"
    TAG_DELETED = "tag_deleted", "Tag deleted"
    PRIVACY_POLICY_CHANGED = "privacy_policy_changed", "Privacy policy changed"
    EVIDENCE_POLICY_CHANGED = "evidence_policy_changed", "Evidence policy changed"
    PERSONA_DELETED = "persona_deleted", "Persona deleted"
    MESSAGE_OVERRIDE_APPROVED = "message_override_approved", "Message approved despite the evidence policy"
    FOUR_EYES_CHANGED = "four_eyes_changed", "Four-eyes review of messages switched"
    # Team work.
    COMMENT_DELETED = "comment_deleted", "Comment deleted"
    MEMO_DELETED = "memo_deleted", "Memo deleted"
    INVITATION_RESENT = "invitation_resent", "Invitation sent again"
    SESSIONS_ENDED = "sessions_ended", "Signed out everywhere"
    PASSWORD_CHANGED = "password_changed", "Password changed"
    CODER_ASSIGNED = "coder_assigned", "Coder assigned"
    CODER_UNASSIGNED = "coder_unassigned", "Coder unassigned"
    CODING_RECONCILED = "coding_reconciled", "Coding reconciled"


class AuditEvent(models.Model):
    """Security-relevant actions. Never holds the content of what it describes."""

    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="audit_events"
    )
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=60, choices=AuditAction.choices)
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["organization", "-created_at"], name="audit_org_created_idx")]
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.action} by {self.actor_label or self.actor_id}"


class TenantManager(models.Manager):
    """Scopes every query to the active organisation; refuses when none is active."""

    def get_queryset(self):
        # Compared as bigint, the column's type: a plain integer parameter reaches PostgreSQL as an int4 literal,
        # and the btree_gin opclass of the (organization_id, search_vector) GIN indexes has no int8 = int4
        # operator, so the planner could not use them for the org condition.
        return super().get_queryset().filter(organization_id=Cast(Value(require_org_id()), models.BigIntegerField()))

    def none(self):
        # An empty queryset can't leak anything; libraries build them at import/introspection time.
        return super().get_queryset().none()


class TenantModel(models.Model):
    """Base of every tenant-owned table.

    `objects` is fail-closed. `unscoped` is the loud escape hatch for system
    jobs that work across organisations on purpose (retention, migrations).
    Row-level security and same-org foreign keys are added after migrate.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    public_id = models.UUIDField(default=uuid.uuid4, editable=False)

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012  (the escape hatch sits beside the manager it bypasses)

    class Meta:
        abstract = True
        base_manager_name = "unscoped"
        # Subclasses that declare constraints keep this one: [*TenantModel.Meta.constraints, ...]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "public_id"], name="%(app_label)s_%(class)s_org_public_id_uniq"
            )
        ]

    def save(self, *args, **kwargs):
        active = require_org_id()
        if self.organization_id is None:
            self.organization_id = active
        elif self.organization_id != active:
            raise PermissionError(
                f"Refusing to write a {type(self).__name__} of organisation {self.organization_id} "
                f"while organisation {active} is active."
            )
        super().save(*args, **kwargs)


class NotificationKind:
    """The kinds a person may also receive by email (daily digest), with their labels for the settings page."""

    NEEDS_REVIEW = "needs_review"
    MENTION = "mention"
    REVIEW_REQUEST = "review_request"
    EMAILABLE = {
        NEEDS_REVIEW: "Personas and messages that need review",
        MENTION: "Mentions in comments",
        REVIEW_REQUEST: "Review requests for messages",
    }
    # Existing kinds that count as "needs review" for the digest settings.
    GROUPS = {"persona_needs_review": NEEDS_REVIEW, "message_regrounded": NEEDS_REVIEW}

    @classmethod
    def group_of(cls, kind: str) -> str:
        return cls.GROUPS.get(kind, kind)


class Notification(TenantModel):
    """Something a member should look at: a persona needing review, a message losing its evidence."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40)
    message = models.CharField(max_length=500)
    link = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set when the daily digest took this notification: a notification is mailed at most once.
    digested_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        indexes = [models.Index(fields=["organization", "user", "read_at"], name="notification_org_user_idx")]
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.message


class Invitation(TenantModel):
    """An offer to join an organisation, accepted by the invited person through a single-use, expiring link.

    Only a SHA-256 of the token is stored. The token starts with the organisation's
    public id, so the link is resolved inside that organisation (RLS in force) with
    no cross-organisation lookup: see `invitation_by_token_outside_any_org`.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REVOKED = "revoked", "Withdrawn"
        EXPIRED = "expired", "Expired"

    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.VIEWER)
    token_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        indexes = [models.Index(fields=["organization", "-created_at"], name="invitation_org_created_idx")]
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(fields=["organization", "token_hash"], name="invitation_org_token_uniq"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="invitation_role_valid"),
            models.CheckConstraint(
                condition=models.Q(accepted_at__isnull=True) | models.Q(revoked_at__isnull=True),
                name="invitation_not_accepted_and_revoked",
            ),
        ]

    def __str__(self):
        return self.email

    @staticmethod
    def hash_token(raw_token: str) -> str:
        return hashlib.sha256(raw_token.encode()).hexdigest()

    @property
    def status(self) -> str:
        if self.accepted_at is not None:
            return self.Status.ACCEPTED
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.PENDING
