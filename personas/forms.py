from django import forms

from interviews.forms import AttributesField

from .models import Claim, Citation, EvidencePolicy, Persona


class PersonaForm(forms.ModelForm):
    segment = AttributesField(required=False, help_text="Who it describes, one “attribute: value” per line.")

    class Meta:
        model = Persona
        fields = ["name", "summary", "segment", "avatar_colour"]
        widgets = {"avatar_colour": forms.Select(choices=[
            ("#6366f1", "Indigo"), ("#0ea5e9", "Sky"), ("#10b981", "Green"), ("#f59e0b", "Amber"),
            ("#ef4444", "Red"), ("#8b5cf6", "Violet"), ("#ec4899", "Pink"), ("#14b8a6", "Teal"),
        ])}
        labels = {"avatar_colour": "Colour"}

    def validate_unique(self):
        """The service checks names inside the organisation."""

    def _post_clean(self):
        pass


class ClaimForm(forms.Form):
    kind = forms.ChoiceField(choices=Claim.Kind.choices)
    statement = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class CitationForm(forms.Form):
    highlight = forms.UUIDField()
    stance = forms.ChoiceField(choices=Citation.Stance.choices, initial=Citation.Stance.SUPPORTS)


class EvidencePolicyForm(forms.ModelForm):
    class Meta:
        model = EvidencePolicy
        fields = ["min_citations", "min_participants", "max_evidence_age_months", "segment_attribute"]
        labels = {
            "min_citations": "Supporting citations per claim",
            "min_participants": "Different participants per claim",
            "max_evidence_age_months": "Oldest evidence that still counts (months)",
            "segment_attribute": "Participant attribute that defines a segment",
        }
        help_texts = {"max_evidence_age_months": "Leave empty to count evidence of any age."}

    def _post_clean(self):
        pass
