"""What customers did with a message, and the predict-then-reveal exercises built from the evidence.

Both close the loop the assumption check opens: a prediction is only worth something once it meets
what customers actually did (an outcome) or what the evidence already knows (an exercise's truth).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from empathy_site.tenancy.models import TenantModel
from interviews.models import Highlight

from .messages import Message, MessageRevision
from .personas import Persona


class Outcome(TenantModel):
    """An observed customer reaction to one revision, on the check's 1-5 scale, with the metric behind it."""

    class Source(models.TextChoices):
        AB_TEST = "ab_test", "A/B test"
        CAMPAIGN_REPORT = "campaign_report", "Campaign report"
        TEST_PANEL = "test_panel", "Test panel"

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="outcomes")
    revision = models.ForeignKey(MessageRevision, on_delete=models.CASCADE, related_name="outcomes")
    observed_reaction = models.PositiveSmallIntegerField()
    # The raw metric is optional; when there is one it has a name (constraint below).
    metric_name = models.CharField(max_length=100, blank=True)
    metric_value = models.FloatField(null=True, blank=True)
    metric_baseline = models.FloatField(null=True, blank=True)
    metric_sample_size = models.PositiveIntegerField(null=True, blank=True)
    metric_source = models.CharField(max_length=20, choices=Source.choices, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        constraints = [
            *TenantModel.Meta.constraints,
            models.CheckConstraint(condition=Q(observed_reaction__gte=1, observed_reaction__lte=5), name="outcome_reaction_1_to_5"),
            models.CheckConstraint(condition=Q(metric_source__in=["", "ab_test", "campaign_report", "test_panel"]),
                                   name="outcome_metric_source_valid"),
            models.CheckConstraint(
                condition=~Q(metric_name="") | Q(metric_value__isnull=True, metric_baseline__isnull=True,
                                                 metric_sample_size__isnull=True, metric_source=""),
                name="outcome_metric_named",
            ),
            models.CheckConstraint(condition=Q(metric_sample_size__isnull=True) | Q(metric_sample_size__gte=1),
                                   name="outcome_sample_size_positive"),
        ]
        indexes = [
            models.Index(fields=["organization", "message", "-created_at"], name="outcome_org_message_idx"),
            models.Index(fields=["organization", "-created_at", "-id"], name="outcome_org_newest_idx"),
            models.Index(fields=["organization", "updated_at"], name="outcome_org_updated_idx"),
        ]


class Exercise(TenantModel):
    """Questions whose answers the evidence knows, built by a researcher from tag x segment data."""

    title = models.CharField(max_length=200)
    persona = models.ForeignKey(Persona, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        indexes = [models.Index(fields=["organization", "-created_at", "-id"], name="exercise_org_newest_idx")]

    def __str__(self):
        return self.title


class ExerciseQuestion(TenantModel):
    class Kind(models.TextChoices):
        SHARE = "share", "Share of a segment who raised a tag"
        RANK = "rank", "Rank needs by how many customers raised them"
        QUOTE = "quote", "Which quote came from this segment"

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=8, choices=Kind.choices)
    prompt = models.TextField()
    own_prompt = models.TextField()
    # [{"id": "...", "label": "..."}]: tags to rank or quotes to choose from; empty for a share.
    options = models.JSONField(default=list, blank=True)
    # What the evidence says, on the 0-100 scale answers are scored on, one value per item (a share: one;
    # a rank or a quote: one per option), and a sentence explaining it. Never shown before an answer.
    truth = models.JSONField(default=list)
    truth_explanation = models.TextField(blank=True)
    evidence = models.ManyToManyField(Highlight, through="ExerciseEvidence", related_name="+")

    def option_list(self) -> list[dict]:
        """[{"id", "label"}] as shown: a quote option's label is its highlight's words as they are now
        (prefetch `evidence` to read a page of questions in one query)."""
        quotes = {h.pk: h.quote for h in self.evidence.all()} if self.kind == self.Kind.QUOTE else {}
        return [{"id": option["id"], "label": option["label"] if "label" in option
                 else quotes.get(option.get("highlight"), "(this quote has been removed)")} for option in self.options]

    class Meta(TenantModel.Meta):
        ordering = ["position"]
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(fields=["organization", "exercise", "position"], name="exercise_question_position_uniq"),
            models.CheckConstraint(condition=Q(kind__in=["share", "rank", "quote"]), name="exercise_question_kind_valid"),
        ]


class ExerciseEvidence(TenantModel):
    """The quotes behind a question's truth, shown with it."""

    question = models.ForeignKey(ExerciseQuestion, on_delete=models.CASCADE, related_name="evidence_links")
    highlight = models.ForeignKey(Highlight, on_delete=models.CASCADE, related_name="+")

    class Meta(TenantModel.Meta):
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(fields=["organization", "question", "highlight"], name="exercise_evidence_uniq"),
        ]


class ExerciseAnswer(TenantModel):
    """One person's two answers to a question: their own view first, then their prediction of customers.

    Both are kept as given (a number, a ranking of option ids, an option id) and as items on the 0-100
    scale the truth uses, which is what the score reads. Final once given: the truth has been seen.
    """

    question = models.ForeignKey(ExerciseQuestion, on_delete=models.CASCADE, related_name="answers")
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="answers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    own = models.JSONField()
    prediction = models.JSONField()
    own_items = models.JSONField(default=list)
    prediction_items = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(fields=["organization", "question", "user"], name="exercise_answer_once"),
        ]
        indexes = [models.Index(fields=["organization", "user", "created_at"], name="exercise_answer_user_idx")]
