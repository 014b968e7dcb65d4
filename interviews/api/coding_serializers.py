"""API shapes for independent coding: assignments, agreement, disagreements and reconciliations."""

from uuid import UUID

from rest_framework import serializers

from ..models import Assignment, Reconciliation


class AssignmentSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    interview = serializers.UUIDField(source="interview.public_id")
    coder = serializers.UUIDField(source="coder.public_id", help_text="The member (user id) who codes the interview.")
    done = serializers.SerializerMethodField(help_text="Whether the coder has marked their coding of it done.")

    class Meta:
        model = Assignment
        fields = ["id", "interview", "coder", "done", "done_at", "created_at", "updated_at"]
        read_only_fields = fields

    def get_done(self, assignment) -> bool:
        return assignment.done_at is not None


class AssignmentCreateSerializer(serializers.Serializer):
    interview = serializers.UUIDField()
    coder = serializers.UUIDField(help_text="A researcher's or admin's user id.")


class AssignmentUpdateSerializer(serializers.Serializer):
    done = serializers.BooleanField(help_text="true when the coder has finished; false opens it again.")


class AgreementQuerySerializer(serializers.Serializer):
    interview = serializers.UUIDField(required=False, help_text="One interview.")
    study = serializers.UUIDField(required=False, help_text="The study's interviews. Neither: every interview "
                                  "of the organisation that has coders.")

    def validate(self, data):
        if "interview" in data and "study" in data:
            raise serializers.ValidationError({"interview": "Name an interview or a study, not both."})
        return data


class DisagreementQuerySerializer(AgreementQuerySerializer):
    tag = serializers.UUIDField(required=False)


class FiguresSerializer(serializers.Serializer):
    kappa = serializers.FloatField(allow_null=True, help_text="Cohen's kappa; null unless exactly two coders.")
    alpha = serializers.FloatField(allow_null=True, help_text="Krippendorff's alpha (nominal); null when undefined.")
    percent_agreement = serializers.FloatField(
        allow_null=True, help_text="Share (0 to 1) of units on which all their coders agree; null with no units.")
    units = serializers.IntegerField(help_text="(utterance, tag) pairs rated by at least two coders.")


class TagFiguresSerializer(FiguresSerializer):
    tag = serializers.UUIDField(source="tag.public_id")

    class Meta:
        fields = ["tag", "kappa", "alpha", "percent_agreement", "units"]


class AgreementSerializer(serializers.Serializer):
    coders = serializers.ListField(child=serializers.UUIDField(), help_text="The coders' user ids.")
    overall = FiguresSerializer()
    tags = TagFiguresSerializer(many=True)


class CoderCodingSerializer(serializers.Serializer):
    coder = serializers.UUIDField()
    applied = serializers.BooleanField(help_text="Whether any of this coder's highlights with the tag overlaps it.")
    highlights = serializers.ListField(child=serializers.UUIDField())


class ReconciliationSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    interview = serializers.UUIDField(source="interview.public_id", read_only=True)
    utterance = serializers.UUIDField(source="utterance.public_id", read_only=True)
    tag = serializers.UUIDField(source="tag.public_id", read_only=True)
    # Computed rather than a column's source: change capture then names `highlight` as changed when the
    # reconciled highlight is deleted (the foreign key is set to null without a signal; see interviews/apps.py).
    highlight = serializers.SerializerMethodField(
        help_text="The reconciled highlight (shared evidence); null when the unit was discarded or the highlight "
                  "deleted since.")

    class Meta:
        model = Reconciliation
        fields = ["id", "interview", "utterance", "tag", "decision", "highlight", "created_at"]
        read_only_fields = fields

    def get_highlight(self, reconciliation) -> UUID | None:
        return reconciliation.highlight.public_id if reconciliation.highlight_id else None


class ReconciliationCreateSerializer(serializers.Serializer):
    utterance = serializers.UUIDField()
    tag = serializers.UUIDField()
    decision = serializers.ChoiceField(choices=Reconciliation.Decision.values)
    highlight = serializers.UUIDField(required=False, help_text="With accept: the coder's highlight to keep.")


class DisagreementSerializer(serializers.Serializer):
    interview = serializers.UUIDField()
    utterance = serializers.UUIDField()
    position = serializers.IntegerField()
    text = serializers.CharField()
    tag = serializers.UUIDField()
    coders = CoderCodingSerializer(many=True)
    reconciliation = ReconciliationSerializer(allow_null=True)


class DisagreementListSerializer(serializers.Serializer):
    results = DisagreementSerializer(many=True)
