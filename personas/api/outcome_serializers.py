"""API serializers for outcomes, calibration records and exercises."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import Exercise, ExerciseQuestion, Outcome


class MetricSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, help_text="What was measured, e.g. click-through rate.")
    value = serializers.FloatField(required=False, allow_null=True, default=None)
    baseline = serializers.FloatField(required=False, allow_null=True, default=None)
    sample_size = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1, max_value=2_000_000_000)
    source = serializers.ChoiceField(choices=Outcome.Source.choices, required=False, allow_blank=True, default="")


class OutcomeSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    message = serializers.UUIDField(source="message.public_id", read_only=True)
    revision = serializers.IntegerField(source="revision.number", read_only=True, help_text="The revision's number.")
    predicted_reaction = serializers.SerializerMethodField(help_text="The writer's prediction on the revision's check.")
    own_taste = serializers.SerializerMethodField(help_text="The writer's own taste on the revision's check.")
    signed_error = serializers.SerializerMethodField(help_text="predicted_reaction - observed_reaction")
    metric = serializers.SerializerMethodField()
    recorded_by = serializers.UUIDField(source="recorded_by.public_id", read_only=True, allow_null=True)

    class Meta:
        model = Outcome
        fields = ["id", "message", "revision", "observed_reaction", "predicted_reaction", "own_taste", "signed_error",
                  "metric", "recorded_by", "created_at", "updated_at"]
        read_only_fields = fields

    def _check(self, outcome):
        return outcome.revision.assumption_check

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_predicted_reaction(self, outcome):
        check = self._check(outcome)
        return check.predicted_reaction if check else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_own_taste(self, outcome):
        check = self._check(outcome)
        return check.own_taste if check else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_signed_error(self, outcome):
        check = self._check(outcome)
        return check.predicted_reaction - outcome.observed_reaction if check else None

    @extend_schema_field(MetricSerializer(allow_null=True))
    def get_metric(self, outcome):
        if not outcome.metric_name:
            return None
        return {"name": outcome.metric_name, "value": outcome.metric_value, "baseline": outcome.metric_baseline,
                "sample_size": outcome.metric_sample_size, "source": outcome.metric_source}


def outcomes_for_reading():
    return Outcome.objects.select_related("message", "revision", "recorded_by").prefetch_related("revision__checks")


class OutcomeCreateSerializer(serializers.Serializer):
    observed_reaction = serializers.IntegerField(min_value=1, max_value=5, help_text="What customers did, 1-5, as predicted.")
    revision = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1,
                                        help_text="The revision's number; the current one when left out.")
    metric = MetricSerializer(required=False, allow_null=True, default=None)


class RecordSerializer(serializers.Serializer):
    n = serializers.IntegerField()
    mean_signed_error = serializers.FloatField(allow_null=True, help_text="Mean of predicted - observed.")
    mean_absolute_error = serializers.FloatField(allow_null=True)
    projection_index = serializers.FloatField(
        allow_null=True, help_text="Calibration: Pearson r of own taste with signed error. Exercises: partial correlation "
        "of own answers with predictions, controlling for the truth.")
    projection_interval = serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2, allow_null=True,
                                                help_text="Bootstrap 90% interval of projection_index.")
    enough_data = serializers.BooleanField(help_text="False below 5 data points; the figures are then null.")


class RecordQuerySerializer(serializers.Serializer):
    author = serializers.UUIDField(required=False, help_text="A member's user id; the whole team when left out.")


class OptionSerializer(serializers.Serializer):
    id = serializers.CharField()
    label = serializers.CharField()


class QuestionSerializer(serializers.ModelSerializer):
    """A question as asked: never its truth (that comes with one's own answer)."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    options = OptionSerializer(many=True, read_only=True, source="option_list")

    class Meta:
        model = ExerciseQuestion
        fields = ["id", "position", "kind", "prompt", "own_prompt", "options"]
        read_only_fields = fields


class ExerciseSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    persona = serializers.UUIDField(source="persona.public_id", read_only=True, allow_null=True)
    created_by = serializers.UUIDField(source="created_by.public_id", read_only=True, allow_null=True)
    questions = QuestionSerializer(many=True, read_only=True)

    class Meta:
        model = Exercise
        fields = ["id", "title", "persona", "questions", "created_by", "created_at"]
        read_only_fields = fields


class QuestionSpecSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ExerciseQuestion.Kind.choices)
    segment = serializers.CharField(required=False, allow_blank=True, default="", max_length=200,
                                    help_text="A value of the evidence policy's segment attribute, e.g. procurement.")
    tag = serializers.UUIDField(required=False, allow_null=True, default=None, help_text="share: the tag.")
    tags = serializers.ListField(child=serializers.UUIDField(), required=False, default=list, max_length=8,
                                 help_text="rank: 3 to 8 tags.")
    highlights = serializers.ListField(child=serializers.UUIDField(), required=False, default=list, max_length=8,
                                       help_text="quote: 2 to 8 highlights, exactly one from the segment.")


class ExerciseCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    persona = serializers.UUIDField(required=False, allow_null=True, default=None)
    questions = QuestionSpecSerializer(many=True, min_length=1, max_length=30)


class AnswerInputSerializer(serializers.Serializer):
    question = serializers.UUIDField()
    own = serializers.JSONField(help_text="Your own view first: share 0-100; rank: option ids, most first; quote: an option id.")
    prediction = serializers.JSONField(help_text="What customers' answer is, in the same form.")


class AnswersCreateSerializer(serializers.Serializer):
    answers = AnswerInputSerializer(many=True, min_length=1, max_length=30)


class EvidenceQuoteSerializer(serializers.Serializer):
    highlight = serializers.UUIDField(source="public_id")
    quote = serializers.CharField()
    participant = serializers.CharField(source="participant.pseudonym", allow_null=True, default=None)


class RevealSerializer(serializers.Serializer):
    """One's answer with the truth: only ever for a question one has answered."""

    question = serializers.UUIDField(source="question.public_id")
    own = serializers.JSONField(source="answer.own")
    prediction = serializers.JSONField(source="answer.prediction")
    truth = serializers.ListField(child=serializers.FloatField(), source="question.truth",
                                 help_text="Per item on the 0-100 scale (a share; rank points; 100 for the right quote).")
    truth_explanation = serializers.CharField(source="question.truth_explanation")
    absolute_error = serializers.SerializerMethodField()
    evidence = EvidenceQuoteSerializer(many=True, source="question.evidence.all")
    answered_at = serializers.DateTimeField(source="answer.created_at")

    @extend_schema_field(serializers.FloatField())
    def get_absolute_error(self, reveal):
        pairs = zip(reveal["answer"].prediction_items, reveal["question"].truth, strict=True)
        errors = [abs(p - t) for p, t in pairs]
        return round(sum(errors) / len(errors), 2)
