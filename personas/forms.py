"""Web forms for personas, claims, citations, the evidence policy and messages with their assumption check."""

from django import forms
from django.core import signing

from empathy_site.tenancy.context import require_org_id
from empathy_site.tenancy.models import User
from interviews.forms import AttributesField, ServiceModelForm
from interviews.models import Highlight, Tag

from .models import AssumptionCheck, Citation, Claim, EvidencePolicy, Message, Outcome, Persona
from .models.personas import AVATAR_PALETTE
from .selectors import targetable_personas
from .services import CheckAnswers, Metric, QuestionSpec, quote_question_specs
from .services.outcomes import CSV_COLUMNS


class PersonaForm(ServiceModelForm):
    segment = AttributesField(required=False, help_text="Who it describes, one “attribute: value” per line.")

    class Meta:
        model = Persona
        fields = ["name", "summary", "segment", "avatar_colour"]
        widgets = {"avatar_colour": forms.Select(choices=AVATAR_PALETTE)}
        labels = {"avatar_colour": "Colour"}



class ClaimForm(forms.Form):
    kind = forms.ChoiceField(choices=Claim.Kind.choices)
    statement = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class CitationForm(forms.Form):
    highlight = forms.UUIDField()
    stance = forms.ChoiceField(choices=Citation.Stance.choices, initial=Citation.Stance.SUPPORTS)


class EvidencePolicyForm(ServiceModelForm):
    class Meta:
        model = EvidencePolicy
        fields = ["min_citations", "min_participants", "max_evidence_age_months", "segment_attribute",
                  "records_visible_to_all", "instruction_experiment", "exercise_names_visible"]
        labels = {
            "records_visible_to_all": "Every member sees everyone's calibration record (off: each their own; admins all)",
            "instruction_experiment": "Run the perspective instruction as an experiment (shown on a random half of checks)",
            "exercise_names_visible": "Name people in the exercises' team view",
            "min_citations": "Supporting citations per claim",
            "min_participants": "Different participants per claim",
            "max_evidence_age_months": "Oldest evidence that still counts (months)",
            "segment_attribute": "Participant attribute that defines a segment",
        }
        help_texts = {"max_evidence_age_months": "Leave empty to count evidence of any age."}


SCALE = [(n, str(n)) for n in range(1, 6)]
INSTRUCTION_SALT = "personas.perspective-instruction"


def instruction_token(shown: bool) -> str:
    """What the form showed, signed, so the check records the assignment the writer actually saw."""
    return signing.dumps({"shown": bool(shown)}, salt=INSTRUCTION_SALT)


def instruction_shown_in(token: str) -> bool:
    """A form that did not come from this page (or was tampered with) vouches for nothing: not shown."""
    try:
        return bool(signing.loads(token or "", salt=INSTRUCTION_SALT).get("shown"))
    except (signing.BadSignature, AttributeError):
        return False


class MessageMetaForm(forms.Form):
    title = forms.CharField(max_length=200)
    channel = forms.ChoiceField(choices=Message.Channel.choices)


class MessageRevisionForm(forms.Form):
    """The words, the targets and the assumption check: one form, answered on every save."""

    target_personas = forms.ModelMultipleChoiceField(
        queryset=Persona.objects.none(), to_field_name="public_id", required=False,
        widget=forms.CheckboxSelectMultiple, label="Who is it for?",
    )
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 7}), label="Message", max_length=20000)
    basis = forms.ChoiceField(choices=AssumptionCheck.Basis.choices, widget=forms.RadioSelect,
                              label="What does this message rest on?")
    stakeholder = forms.ChoiceField(choices=[("", "—"), *AssumptionCheck.Stakeholder.choices], required=False,
                                    label="Whose constraint?")
    instruction_token = forms.CharField(widget=forms.HiddenInput, required=False)
    claims = forms.ModelMultipleChoiceField(queryset=Claim.objects.none(), to_field_name="public_id", required=False,
                                            widget=forms.CheckboxSelectMultiple, label="Persona claims it rests on")
    highlights = forms.ModelMultipleChoiceField(queryset=Highlight.objects.none(), to_field_name="public_id",
                                                required=False, widget=forms.MultipleHiddenInput)
    own_taste = forms.TypedChoiceField(choices=SCALE, coerce=int, widget=forms.RadioSelect,
                                       label="Would you, personally, find this compelling?")
    predicted_reaction = forms.TypedChoiceField(choices=SCALE, coerce=int, widget=forms.RadioSelect,
                                                label="How do you predict the customer will react?")
    predicted_customer_words = forms.CharField(max_length=1000, required=False,
                                               label="In their words, what would the customer say?")
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=5000,
                                label="Why do you believe that?")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_personas"].queryset = targetable_personas()
        self.fields["claims"].queryset = Claim.objects.select_related("persona")
        self.fields["highlights"].queryset = Highlight.objects.all()

    def check_answers(self) -> CheckAnswers:
        data = self.cleaned_data
        return CheckAnswers(
            basis=data["basis"], own_taste=data["own_taste"], predicted_reaction=data["predicted_reaction"],
            predicted_customer_words=data["predicted_customer_words"], rationale=data["rationale"],
            stakeholder=data["stakeholder"], instruction_shown=instruction_shown_in(data["instruction_token"]),
            claims=list(data["claims"]), highlights=list(data["highlights"]),
        )


class MessageCreateForm(MessageMetaForm, MessageRevisionForm):
    """A new message: its title and channel, and the first revision with its check."""


class MessageReviseForm(MessageMetaForm, MessageRevisionForm):
    """A new revision: the words with their check, and the title and channel, which may change with them
    (left out, they keep their value)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].required = self.fields["channel"].required = False


class ApproveForm(forms.Form):
    override_reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000,
                                      label="Reason for approving without grounding")


class RequestReviewForm(forms.Form):
    """The reviewer is picked among the active organisation's members."""

    reviewer = forms.ModelChoiceField(queryset=User.objects.none(), to_field_name="public_id", label="Reviewer")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000, label="Note")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = User.objects.filter(
            memberships__organization_id=require_org_id(), is_active=True).order_by("full_name", "email")


class ReviewCommentForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, label="Review comment")


class FourEyesForm(forms.Form):
    four_eyes_review = forms.BooleanField(required=False, label="Four-eyes review of messages",
                                          help_text="The approver of a message must be someone other than its author.")
class OutcomeForm(forms.Form):
    observed_reaction = forms.TypedChoiceField(choices=SCALE, coerce=int, widget=forms.RadioSelect,
                                               label="How did customers react?")
    revision = forms.TypedChoiceField(coerce=int, label="Revision", choices=())
    metric_name = forms.CharField(max_length=100, required=False, label="Metric (optional)",
                                  widget=forms.TextInput(attrs={"placeholder": "e.g. click-through rate"}))
    metric_value = forms.FloatField(required=False, label="Value")
    metric_baseline = forms.FloatField(required=False, label="Baseline")
    metric_sample_size = forms.IntegerField(required=False, min_value=1, label="Sample size")
    metric_source = forms.ChoiceField(choices=[("", "—"), *Outcome.Source.choices], required=False, label="Source")

    def __init__(self, *args, revision_count: int = 1, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["revision"].choices = [(n, f"#{n}{' (current)' if n == revision_count else ''}")
                                           for n in range(revision_count, 0, -1)]
        self.fields["revision"].initial = revision_count

    def metric(self) -> Metric:
        data = self.cleaned_data
        return Metric(name=data["metric_name"], value=data["metric_value"], baseline=data["metric_baseline"],
                      sample_size=data["metric_sample_size"], source=data["metric_source"])


class OutcomeImportForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="Columns: " + ", ".join(CSV_COLUMNS) + ". One row per message.")


class ExerciseBuildForm(forms.Form):
    """From the tag x segment data: one share question per tag for the segment, a ranking of the tags by
    how many of the segment's customers raised them when there are three or more, and quote questions
    (which of these quotes came from the segment?) picked at random from the evidence."""

    title = forms.CharField(max_length=200)
    segment = forms.ChoiceField(choices=(), label="Segment")
    tags = forms.ModelMultipleChoiceField(queryset=Tag.objects.none(), to_field_name="public_id", required=False,
                                          widget=forms.CheckboxSelectMultiple, label="Tags to ask about")
    quote_questions = forms.IntegerField(
        min_value=0, max_value=5, initial=0, required=False, label="Quote questions",
        help_text="“Which of these quotes came from the segment?”: one quote from the segment among three from "
                  "other participants, picked at random from your highlights.")

    def __init__(self, *args, segments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["segment"].choices = [(s, s) for s in segments]
        self.fields["tags"].queryset = Tag.objects.order_by("name")

    def clean_tags(self):
        tags = list(self.cleaned_data["tags"])
        if len(tags) > 8:
            raise forms.ValidationError("Choose at most 8 tags.")
        return tags

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("tags") and not cleaned.get("quote_questions") and not self.errors:
            raise forms.ValidationError("Choose tags to ask about, or ask for quote questions, or both.")
        return cleaned

    def question_specs(self) -> list:
        segment, tags = self.cleaned_data["segment"], self.cleaned_data["tags"]
        specs = [QuestionSpec(kind="share", tag=tag, segment=segment) for tag in tags]
        if len(tags) >= 3:
            specs.append(QuestionSpec(kind="rank", tags=tags, segment=segment))
        return specs + quote_question_specs(segment=segment, count=self.cleaned_data.get("quote_questions") or 0)
