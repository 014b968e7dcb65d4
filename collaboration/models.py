"""Comments (with @mentions, in resolvable threads) and memos: what the team says about the evidence.

Each row points at exactly one target through its own foreign key, so a target's deletion takes its
comments with it and the same-organisation foreign keys (tenancy/rls.py) cover every link.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from empathy_site.tenancy.models import TenantModel
from interviews.models import Highlight, Interview, Study, Tag
from personas.models import Claim, Message, Persona

COMMENT_TARGETS = ("highlight", "claim", "persona", "message", "interview")
MEMO_TARGETS = ("interview", "tag", "study")
# As choices, for forms, serializers and the OpenAPI enums (settings ENUM_NAME_OVERRIDES).
COMMENT_TARGET_CHOICES = [(name, name) for name in COMMENT_TARGETS]
MEMO_TARGET_CHOICES = [(name, name) for name in MEMO_TARGETS]


def _exactly_one(names) -> Q:
    condition = Q()
    for name in names:
        one = Q(**{f"{name}__isnull": False}) & Q(**{f"{other}__isnull": True for other in names if other != name})
        condition |= one
    return condition


class Comment(TenantModel):
    """A comment on one target; replies name their thread's first comment as `parent`.

    Resolving is per thread: it is recorded on the thread's first comment.
    """

    TARGETS = COMMENT_TARGETS

    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField()
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    highlight = models.ForeignKey(Highlight, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    claim = models.ForeignKey(Claim, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    persona = models.ForeignKey(Persona, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    interview = models.ForeignKey(Interview, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # Public ids of the members the body mentions (`@email`), in the order written.
    mentions = models.JSONField(default=list, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        ordering = ["created_at", "id"]
        constraints = [
            *TenantModel.Meta.constraints,
            models.CheckConstraint(condition=_exactly_one(COMMENT_TARGETS), name="comment_exactly_one_target"),
            models.CheckConstraint(condition=~Q(body=""), name="comment_body_not_empty"),
        ]
        indexes = [
            models.Index(fields=["organization", "-created_at", "-id"], name="comment_org_newest_idx"),
            models.Index(fields=["organization", "updated_at"], name="comment_org_updated_idx"),
        ]

    def __str__(self):
        return self.body[:80]

    @property
    def target_type(self) -> str:
        return next(name for name in COMMENT_TARGETS if getattr(self, f"{name}_id") is not None)

    @property
    def target(self):
        return getattr(self, self.target_type)


class Memo(TenantModel):
    """A longer note on an interview, a tag or a study, with its author and time."""

    TARGETS = MEMO_TARGETS

    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    interview = models.ForeignKey(Interview, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    tag = models.ForeignKey(Tag, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    study = models.ForeignKey(Study, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        ordering = ["-created_at", "-id"]
        constraints = [
            *TenantModel.Meta.constraints,
            models.CheckConstraint(condition=_exactly_one(MEMO_TARGETS), name="memo_exactly_one_target"),
            models.CheckConstraint(condition=~Q(body=""), name="memo_body_not_empty"),
        ]
        indexes = [
            models.Index(fields=["organization", "-created_at", "-id"], name="memo_org_newest_idx"),
            models.Index(fields=["organization", "updated_at"], name="memo_org_updated_idx"),
        ]

    def __str__(self):
        return self.title or self.body[:80]

    @property
    def target_type(self) -> str:
        return next(name for name in MEMO_TARGETS if getattr(self, f"{name}_id") is not None)

    @property
    def target(self):
        return getattr(self, self.target_type)
