"""Messages marketers write, their revisions, and the assumption check answered on every revision.

The check is the product's mirror: it asks whether a message rests on what
customers said or on the team's own taste, records both the writer's taste and
their prediction of the customer, and derives how grounded the revision is.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from empathy_site.tenancy.models import TenantModel
from interviews.models import Highlight

from .personas import Claim, Persona


class Grounding(models.TextChoices):
    GROUNDED = "grounded", "Grounded"
    PARTLY = "partly_grounded", "Partly grounded"
    UNGROUNDED = "ungrounded", "Ungrounded"


class Message(TenantModel):
    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        AD = "ad", "Ad"
        LANDING_PAGE = "landing_page", "Landing page"
        SALES_SCRIPT = "sales_script", "Sales script"
        SOCIAL_POST = "social_post", "Social post"
        IN_APP = "in_app", "In-app"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        APPROVED = "approved", "Approved"
        ARCHIVED = "archived", "Archived"

    title = models.CharField(max_length=200)
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.EMAIL)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Mirrors the current revision's check, so lists and dashboards need no join.
    grounding = models.CharField(max_length=16, choices=Grounding.choices, default=Grounding.UNGROUNDED)
    revision_count = models.PositiveIntegerField(default=0)
    # Set when cited evidence changed or went away after the check was answered.
    attention_reason = models.TextField(blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    override_reason = models.TextField(blank=True)
    # Who was asked to review it (four-eyes); cleared when approved.
    review_requested_of = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                            related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        constraints = [
            *TenantModel.Meta.constraints,
            models.CheckConstraint(condition=Q(status__in=["draft", "in_review", "approved", "archived"]), name="message_status_valid"),
            models.CheckConstraint(
                condition=Q(grounding__in=["grounded", "partly_grounded", "ungrounded"]), name="message_grounding_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status"], name="message_org_status_idx"),
            models.Index(fields=["organization", "updated_at"], name="message_org_updated_idx"),
            # The API lists' default order (CursorPagination: newest first): page 1 is read from the index, not sorted.
            models.Index(fields=["organization", "-created_at", "-id"], name="message_org_newest_idx"),
        ]

    def __str__(self):
        return self.title

    @property
    def needs_attention(self) -> bool:
        return bool(self.attention_reason)


class MessageRevision(TenantModel):
    """Every change of the body or the targets is a new revision; old ones stay readable."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    body = models.TextField()
    target_personas = models.ManyToManyField(Persona, through="RevisionPersona", related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    @property
    def assumption_check(self):
        checks = list(self.checks.all())  # uses a prefetch when there is one
        return checks[0] if checks else None

    class Meta(TenantModel.Meta):
        ordering = ["-number"]
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(fields=["organization", "message", "number"], name="revision_number_uniq"),
            models.CheckConstraint(condition=~Q(body=""), name="revision_body_not_empty"),
        ]
        indexes = [models.Index(fields=["organization", "author", "created_at"], name="revision_org_author_idx")]


class RevisionPersona(TenantModel):
    revision = models.ForeignKey(MessageRevision, on_delete=models.CASCADE, related_name="target_links")
    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="message_targets")

    class Meta(TenantModel.Meta):
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(fields=["organization", "revision", "persona"], name="revision_persona_uniq"),
        ]


class AssumptionCheck(TenantModel):
    """Exactly one per revision, answered by whoever wrote that revision."""

    class Basis(models.TextChoices):
        INSIGHT = "insight", "Customer insight"
        PREFERENCE = "preference", "Team preference"
        MIX = "mix", "A mix of both"
        HYPOTHESIS = "hypothesis", "An untested hypothesis"
        # A business constraint is neither customer insight nor taste; naming it keeps both records honest.
        STAKEHOLDER = "stakeholder", "A business or stakeholder constraint"

    class Stakeholder(models.TextChoices):
        FINANCE = "finance", "Finance"
        ENGINEERING = "engineering", "Engineering"
        LEGAL = "legal", "Legal"
        BRAND = "brand", "Brand"
        SALES = "sales", "Sales"
        OTHER = "other", "Other"

    # One per revision (constraint below, led by the org, as every unique key is).
    revision = models.ForeignKey(MessageRevision, on_delete=models.CASCADE, related_name="checks")
    basis = models.CharField(max_length=12, choices=Basis.choices)
    # Whose constraint, when basis is stakeholder; empty otherwise (constraint below).
    stakeholder = models.CharField(max_length=12, choices=Stakeholder.choices, blank=True, default="")
    # Whether the form showed the perspective instruction ("set aside your own preferences"): always on, or
    # assigned at random to half the checks when the organisation runs the experiment.
    instruction_shown = models.BooleanField(default=False)
    claims = models.ManyToManyField(Claim, through="CheckClaim", related_name="+")
    highlights = models.ManyToManyField(Highlight, through="CheckHighlight", related_name="+")
    # "Would you, personally, find this compelling?" 1..5
    own_taste = models.PositiveSmallIntegerField(validators=[
        MinValueValidator(1, "Answer from 1 to 5."), MaxValueValidator(5, "Answer from 1 to 5.")])
    # The writer's prediction of the target persona's reaction, 1..5, and in words.
    predicted_reaction = models.PositiveSmallIntegerField(validators=[
        MinValueValidator(1, "Answer from 1 to 5."), MaxValueValidator(5, "Answer from 1 to 5.")])
    predicted_customer_words = models.TextField(blank=True)
    rationale = models.TextField(blank=True)
    grounding = models.CharField(max_length=16, choices=Grounding.choices)
    evidence_voices = models.PositiveIntegerField(default=0)
    projection_risk = models.BooleanField(default=False)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    recomputed_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(fields=["organization", "revision"], name="check_one_per_revision"),
            models.CheckConstraint(condition=Q(own_taste__gte=1, own_taste__lte=5), name="check_taste_1_to_5"),
            models.CheckConstraint(condition=Q(predicted_reaction__gte=1, predicted_reaction__lte=5), name="check_prediction_1_to_5"),
            models.CheckConstraint(condition=Q(basis__in=["insight", "preference", "mix", "hypothesis", "stakeholder"]),
                                   name="check_basis_valid"),
            models.CheckConstraint(
                condition=(Q(basis="stakeholder") & Q(stakeholder__in=["finance", "engineering", "legal", "brand", "sales", "other"]))
                | (~Q(basis="stakeholder") & Q(stakeholder="")),
                name="check_stakeholder_with_basis",
            ),
        ]


class CheckClaim(TenantModel):
    assumption_check = models.ForeignKey(AssumptionCheck, on_delete=models.CASCADE, related_name="claim_links")
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="check_links")

    class Meta(TenantModel.Meta):
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(fields=["organization", "assumption_check", "claim"], name="check_claim_uniq"),
        ]


class CheckHighlight(TenantModel):
    assumption_check = models.ForeignKey(AssumptionCheck, on_delete=models.CASCADE, related_name="highlight_links")
    highlight = models.ForeignKey(Highlight, on_delete=models.CASCADE, related_name="check_links")

    class Meta(TenantModel.Meta):
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(fields=["organization", "assumption_check", "highlight"], name="check_highlight_uniq"),
        ]


class MessageReview(TenantModel):
    """One step of a message's review history: a review requested, a review comment, an approval."""

    class Kind(models.TextChoices):
        REQUESTED = "requested", "Review requested"
        COMMENT = "comment", "Review comment"
        APPROVED = "approved", "Approved"

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reviews")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField(blank=True)
    revision_number = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        ordering = ["created_at", "id"]
        constraints = [
            *TenantModel.Meta.constraints,
            models.CheckConstraint(condition=Q(kind__in=["requested", "comment", "approved"]), name="message_review_kind_valid"),
        ]
        indexes = [models.Index(fields=["organization", "message", "created_at"], name="message_review_msg_idx")]
