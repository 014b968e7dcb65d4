import json

from django import forms

from .models import Participant, Study


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class UploadForm(forms.Form):
    files = forms.FileField(
        widget=MultipleFileInput(attrs={"accept": ".vtt,.srt,.txt,.docx,.json", "multiple": True}),
        label="Transcripts",
        help_text="WebVTT, SRT, plain text, Word or JSON exports from Zoom, Teams, Meet, Otter and caption tools.",
    )
    study = forms.ModelChoiceField(queryset=Study.unscoped.none(), required=False, to_field_name="public_id")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["study"].queryset = Study.objects.order_by("name")


class AttributesField(forms.CharField):
    """Key/value pairs, one `key: value` per line."""

    widget = forms.Textarea(attrs={"rows": 4, "placeholder": "role: procurement\ncompany_size: 50-200"})

    def prepare_value(self, value):
        if isinstance(value, dict):
            return "\n".join(f"{k}: {v}" for k, v in value.items())
        return value

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return {}
        if value.strip().startswith("{"):
            try:
                parsed = json.loads(value)
            except json.JSONDecodeError as error:
                raise forms.ValidationError(f"Not valid JSON: {error.msg}.") from error
            if not isinstance(parsed, dict):
                raise forms.ValidationError("Give key/value pairs.")
            return parsed
        pairs = {}
        for number, line in enumerate(value.splitlines(), start=1):
            if not line.strip():
                continue
            if ":" not in line:
                raise forms.ValidationError(f"Line {number}: write it as “key: value”.")
            key, _, val = line.partition(":")
            pairs[key.strip()] = val.strip()
        return pairs


class ParticipantForm(forms.ModelForm):
    attributes = AttributesField(required=False, help_text="Segments, one “key: value” per line.")
    external_ids = AttributesField(required=False, label="CRM ids", help_text="e.g. “hubspot: 1234”.")

    class Meta:
        model = Participant
        fields = [
            "pseudonym", "name", "email", "attributes", "external_ids", "consent_given_at",
            "consent_scope", "consent_expires_at", "consent_withdrawn_at",
        ]
        widgets = {
            f: forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
            for f in ("consent_given_at", "consent_expires_at", "consent_withdrawn_at")
        }

    def validate_unique(self):
        """The service checks uniqueness inside the organisation."""


class StudyForm(forms.ModelForm):
    research_questions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, help_text="One question per line."
    )

    class Meta:
        model = Study
        fields = ["name", "goal", "research_questions", "starts_on", "ends_on"]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
            "goal": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance and isinstance(self.instance.research_questions, list):
            self.initial["research_questions"] = "\n".join(self.instance.research_questions)

    def clean_research_questions(self):
        return [line.strip() for line in self.cleaned_data["research_questions"].splitlines() if line.strip()]

    def validate_unique(self):
        """The service checks uniqueness inside the organisation."""
