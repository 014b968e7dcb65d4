"""Personas whose every claim cites evidence, the evidence policy that gates publishing,
and the snapshots kept at each publish."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from empathy_site.tenancy.models import TenantModel
from interviews.models import Highlight

# Bounds of what a person can set (checked by the model's validators, held by the database's checks).
MAX_POLICY_COUNT = 50
MAX_EVIDENCE_AGE_MONTHS = 120
MAX_CLAIM_ORDER = 10_000

# The avatar colours offered, with their names; the stylesheet has one class per colour, in this order.
AVATAR_PALETTE = [
    ("#6366f1", "Indigo"), ("#0ea5e9", "Sky"), ("#10b981", "Green"), ("#f59e0b", "Amber"),
    ("#ef4444", "Red"), ("#8b5cf6", "Violet"), ("#ec4899", "Pink"), ("#14b8a6", "Teal"),
]
AVATAR_COLOURS = [colour for colour, _ in AVATAR_PALETTE]


class EvidencePolicy(TenantModel):
    """Per organisation; admins edit it. What a claim needs before its persona can be published."""

    min_citations = models.PositiveSmallIntegerField(default=2, validators=[
        MinValueValidator(1, "A claim needs at least 1 supporting citation."),
        MaxValueValidator(MAX_POLICY_COUNT, f"Ask for at most {MAX_POLICY_COUNT} citations per claim."),
    ])
    min_participants = models.PositiveSmallIntegerField(default=2, validators=[
        MinValueValidator(1, "A claim needs evidence from at least 1 participant."),
        MaxValueValidator(MAX_POLICY_COUNT, f"Ask for at most {MAX_POLICY_COUNT} participants per claim."),
    ])
    # Evidence older than this many months stops counting; null = off.
    max_evidence_age_months = models.PositiveSmallIntegerField(null=True, blank=True, validators=[
        MinValueValidator(1, "Give at least 1 month, or leave it empty to count evidence of any age."),
        MaxValueValidator(MAX_EVIDENCE_AGE_MONTHS, f"Give at most {MAX_EVIDENCE_AGE_MONTHS} months (10 years), "
                                                   "or leave it empty to count evidence of any age."),
    ])
    # Which participant attribute "distinct segments" counts (role, plan, company_size…).
    segment_attribute = models.CharField(max_length=60, default="role")
    # Four-eyes review of messages: the approver must be someone other than the message's author.
    four_eyes_review = models.BooleanField(default=True)
    # Learning from outcomes and exercises. Marketers see their own record; this lets every member see
    # everyone's (admins always do).
    records_visible_to_all = models.BooleanField(default=False)
    # Show the perspective instruction on a random half of checks (off: on every check), to measure its effect.
    instruction_experiment = models.BooleanField(default=False)
    # The exercises' team view names people only when this is on.
    exercise_names_visible = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta(TenantModel.Meta):
        verbose_name_plural = "evidence policies"
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(fields=["organization"], name="evidence_policy_one_per_org"),
            models.CheckConstraint(condition=Q(min_citations__gte=1, min_citations__lte=MAX_POLICY_COUNT),
                                   name="policy_min_citations_in_range"),
            models.CheckConstraint(condition=Q(min_participants__gte=1, min_participants__lte=MAX_POLICY_COUNT),
                                   name="policy_min_participants_in_range"),
            models.CheckConstraint(
                condition=Q(max_evidence_age_months__isnull=True)
                | Q(max_evidence_age_months__gte=1, max_evidence_age_months__lte=MAX_EVIDENCE_AGE_MONTHS),
                name="policy_evidence_age_in_range",
            ),
        ]


class Persona(TenantModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        NEEDS_REVIEW = "needs_review", "Needs review"
        ARCHIVED = "archived", "Archived"

    name = models.CharField(max_length=120)
    summary = models.CharField(max_length=300, blank=True)
    # The participant attributes it is built from, e.g. {"role": "procurement"}.
    segment = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    review_reason = models.TextField(blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    avatar_colour = models.CharField(max_length=7, default="#6366f1")
    current_version = models.PositiveIntegerField(default=0)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(fields=["organization", "name"], name="persona_org_name_uniq"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "published", "needs_review", "archived"]), name="persona_status_valid"
            ),
            models.CheckConstraint(condition=Q(avatar_colour__regex=r"^#[0-9a-fA-F]{6}$"), name="persona_colour_hex"),
        ]
        indexes = [
            models.Index(fields=["organization", "status"], name="persona_org_status_idx"),
            models.Index(fields=["organization", "updated_at"], name="persona_org_updated_idx"),
            # The API lists' default order (CursorPagination: newest first): page 1 is read from the index, not sorted.
            models.Index(fields=["organization", "-created_at", "-id"], name="persona_org_newest_idx"),
        ]

    def __str__(self):
        return self.name

    @property
    def initials(self) -> str:
        return "".join(part[0] for part in self.name.split()[:2]).upper() or "?"


class Claim(TenantModel):
    class Kind(models.TextChoices):
        GOAL = "goal", "Goal"
        PAIN_POINT = "pain_point", "Pain point"
        MOTIVATION = "motivation", "Motivation"
        BEHAVIOUR = "behaviour", "Behaviour"
        OBJECTION = "objection", "Objection"
        DECISION_CRITERION = "decision_criterion", "Decision criterion"
        CHANNEL_PREFERENCE = "channel_preference", "Channel preference"
        REPRESENTATIVE_QUOTE = "representative_quote", "Representative quote"

    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="claims")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    statement = models.TextField()
    MAX_ORDER = MAX_CLAIM_ORDER
    order = models.PositiveIntegerField(default=0, validators=[
        MaxValueValidator(MAX_ORDER, f"Give an order from 0 to {MAX_ORDER}."),
    ])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        ordering = ["order", "id"]
        constraints = [
            *TenantModel.Meta.constraints,
            models.CheckConstraint(condition=~Q(statement=""), name="claim_statement_not_empty"),
            models.CheckConstraint(condition=Q(order__gte=0, order__lte=MAX_CLAIM_ORDER), name="claim_order_in_range"),
        ]
        indexes = [
            models.Index(fields=["organization", "persona", "order"], name="claim_org_persona_idx"),
            # The API lists' default order (CursorPagination: newest first): page 1 is read from the index, not sorted.
            models.Index(fields=["organization", "-created_at", "-id"], name="claim_org_newest_idx"),
        ]

    def __str__(self):
        return self.statement[:60]


class Citation(TenantModel):
    class Stance(models.TextChoices):
        SUPPORTS = "supports", "Supports"
        CONTRADICTS = "contradicts", "Contradicts"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="citations")
    highlight = models.ForeignKey(Highlight, on_delete=models.CASCADE, related_name="citations")
    stance = models.CharField(max_length=12, choices=Stance.choices, default=Stance.SUPPORTS)
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(fields=["organization", "claim", "highlight"], name="citation_once_per_claim"),
            models.CheckConstraint(condition=Q(stance__in=["supports", "contradicts"]), name="citation_stance_valid"),
        ]
        indexes = [
            models.Index(fields=["organization", "highlight"], name="citation_org_highlight_idx"),
            # The API lists' default order (CursorPagination: newest first): page 1 is read from the index, not sorted.
            models.Index(fields=["organization", "-created_at", "-id"], name="citation_org_newest_idx"),
        ]


class PersonaVersion(TenantModel):
    """What was published: the claims and their citations, frozen."""

    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(auto_now_add=True)
    snapshot = models.JSONField()

    class Meta(TenantModel.Meta):
        ordering = ["-number"]
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(fields=["organization", "persona", "number"], name="persona_version_number_uniq"),
        ]
