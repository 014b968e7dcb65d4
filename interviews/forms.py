"""Forms of the interviews web UI. They parse input; the services validate and save."""

import json

from django import forms

from .models import Interview, Participant, PrivacyPolicy, Study, Tag
from .parsers import ACCEPTED_EXTENSIONS
from .selectors.search import ATTRIBUTE_FILTER_PATTERN, SearchFilters, split_attribute_filter


class ServiceModelForm(forms.ModelForm):
    """A ModelForm that parses input only: the service validates (with sentences a person understands) and saves.

    A plain ModelForm runs the model's full_clean, whose database-constraint check answers with the constraint's
    name ("Constraint “study_dates_ordered” is violated.") before the service can say it plainly. Every form
    editing a model derives from this one; the rules live in the service (and in a form's clean() where the
    form alone can tell), never only in the database.
    """

    def _post_clean(self):
        pass


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field. Each file is checked by the upload service on its own (one bad file must not
    refuse the others), so the field only asks for at least one. A plain FileField refuses the list outright,
    which used to drop every other field of the form (the study) on the floor."""

    def to_python(self, data):
        return [f for f in (data if isinstance(data, list | tuple) else [data]) if f]

    def validate(self, value):
        if not value and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")

    def bound_data(self, data, initial):
        return data


# The speaker mapping's choice that creates a participant from the speaker (pseudonym "P<n>") and maps it.
SPEAKER_NEW_PARTICIPANT = "new"


class UploadForm(forms.Form):
    files = MultipleFileField(
        widget=MultipleFileInput(attrs={"accept": ",".join(ACCEPTED_EXTENSIONS), "multiple": True}),
        label="Transcripts",
        help_text="WebVTT, SRT, plain text, Word or JSON exports from Zoom, Teams, Meet, Otter and caption tools; "
        "PDF, HTML, Markdown or OpenDocument documents such as field notes.",
    )
    study = forms.ModelChoiceField(queryset=Study.objects.none(), required=False, to_field_name="public_id")
    recording = forms.FileField(
        required=False, label="Recording (optional)",
        widget=forms.ClearableFileInput(attrs={"accept": ".mp3,.m4a,.wav,.ogg,.mp4,.webm,.mov,audio/*,video/*"}),
        help_text="The interview's audio or video, played beside its transcript: mp3, m4a, wav, ogg, mp4, webm or "
        "mov. With one transcript at a time.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["study"].queryset = Study.objects.order_by("name")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("recording") and len(cleaned.get("files") or []) > 1:
            self.add_error("recording", "A recording goes with one transcript: upload that transcript on its own "
                                        "with it, and the others without.")
        return cleaned


class InterviewForm(ServiceModelForm):
    """An interview's metadata, edited after upload."""

    study = forms.ModelChoiceField(queryset=Study.objects.none(), required=False, to_field_name="public_id",
                                   empty_label="No study")
    conducted_at = forms.DateTimeField(required=False, label="Conducted",
                                       widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    language = forms.CharField(max_length=16, help_text="A language code, e.g. en, de, pt-BR.")

    class Meta:
        model = Interview
        fields = ["title", "study", "conducted_at", "language"]
        error_messages = {"title": {"required": "An interview needs a title."}}

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


class ParticipantForm(ServiceModelForm):
    attributes = AttributesField(required=False, help_text="Segments, one “key: value” per line.")
    external_ids = AttributesField(
        required=False, label="CRM ids", help_text="One “system: id” per line.",
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "hubspot: 1234\nsalesforce: 003XX00000ABCD"}),
    )

    class Meta:
        model = Participant
        fields = [
            "pseudonym", "name", "email", "attributes", "external_ids", "consent_given_at",
            "consent_scope", "consent_expires_at", "consent_withdrawn_at",
        ]
        widgets = {
            **{
                f: forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
                for f in ("consent_given_at", "consent_expires_at", "consent_withdrawn_at")
            },
            "consent_scope": forms.Select(choices=[("", "Not recorded"), *Participant.CONSENT_SCOPES]),
        }

    def clean(self):
        data = super().clean()
        given, expires, withdrawn = (data.get(f) for f in ("consent_given_at", "consent_expires_at", "consent_withdrawn_at"))
        if data.get("consent_scope") and not given:
            self.add_error("consent_given_at", "Add the date consent was given; without it the scope is not recorded as consent.")
        if given and expires and expires <= given:
            self.add_error("consent_expires_at", "Consent can't expire before it was given.")
        if given and withdrawn and withdrawn < given:
            self.add_error("consent_withdrawn_at", "Consent can't be withdrawn before it was given.")
        return data


class StudyForm(ServiceModelForm):
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

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", "The study cannot end before it starts.")
        return data


class HighlightForm(forms.Form):
    start_position = forms.IntegerField(min_value=0)
    start_offset = forms.IntegerField(min_value=0)
    end_position = forms.IntegerField(min_value=0)
    end_offset = forms.IntegerField(min_value=0)
    note = forms.CharField(required=False, max_length=2000)
    new_tag = forms.CharField(required=False, max_length=100)


class TagForm(ServiceModelForm):
    parent = forms.ModelChoiceField(queryset=Tag.objects.none(), required=False, to_field_name="public_id",
                                    empty_label="— top level —")

    class Meta:
        model = Tag
        fields = ["name", "description", "colour", "parent"]
        widgets = {"colour": forms.TextInput(attrs={"type": "color"}), "description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        queryset = Tag.objects.order_by("name")
        if self.instance.pk:
            queryset = queryset.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = queryset
        if not self.instance.pk:
            self.fields["colour"].initial = "#6366f1"



class TagMergeForm(forms.Form):
    into = forms.ModelChoiceField(queryset=Tag.objects.none(), to_field_name="public_id", label="Merge into")

    def __init__(self, *args, exclude=None, **kwargs):
        super().__init__(*args, **kwargs)
        queryset = Tag.objects.order_by("name")
        if exclude is not None:
            queryset = queryset.exclude(pk=exclude.pk)
        self.fields["into"].queryset = queryset


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=300, label="Search evidence")
    study = forms.ModelChoiceField(queryset=Study.objects.none(), required=False, to_field_name="public_id", empty_label="Any study")
    tag = forms.ModelChoiceField(queryset=Tag.objects.none(), required=False, to_field_name="public_id", empty_label="Any tag")
    attribute = forms.RegexField(
        regex=ATTRIBUTE_FILTER_PATTERN, required=False, label="Participant attribute",
        error_messages={"invalid": "Write it as key=value, e.g. role=procurement."},
        widget=forms.TextInput(attrs={"placeholder": "role=procurement"}),
    )
    speaker = forms.ChoiceField(choices=[("", "Anyone"), ("participant", "Participants"), ("team", "Team members")], required=False)
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="From")
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="To")
    page = forms.IntegerField(required=False, min_value=1, max_value=50, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["study"].queryset = Study.objects.order_by("name")
        self.fields["tag"].queryset = Tag.objects.order_by("name")

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", "The end date is before the start date.")
        return data

    def filters(self):
        data = self.cleaned_data
        filters = SearchFilters(study=data.get("study"), tag=data.get("tag"), speaker_kind=data.get("speaker") or "",
                                date_from=data.get("date_from"), date_to=data.get("date_to"))
        if data.get("attribute"):
            filters.attribute_key, filters.attribute_value = split_attribute_filter(data["attribute"])
        return filters


class PrivacyPolicyForm(ServiceModelForm):
    class Meta:
        model = PrivacyPolicy
        fields = ["redaction_mode", "retention_enabled", "retention_months", "retention_action"]
        labels = {
            "redaction_mode": "Redact personal details",
            "retention_enabled": "Apply the retention policy every day",
            "retention_months": "Keep interviews for (months)",
            "retention_action": "Then",
        }


class MediaUploadForm(forms.Form):
    file = forms.FileField(
        label="Recording",
        help_text="Audio or video of the interview: mp3, m4a, wav, ogg, mp4, webm or mov.",
        widget=forms.ClearableFileInput(attrs={"accept": ".mp3,.m4a,.wav,.ogg,.mp4,.webm,.mov,audio/*,video/*"}),
    )
