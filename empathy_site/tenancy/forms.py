from django import forms
from django.contrib.auth.forms import AuthenticationForm

from .models import Role
from .roles import API_KEY_SCOPES


class LoginForm(AuthenticationForm):
    username = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}))


class MemberAddForm(forms.Form):
    email = forms.EmailField(label="Email")
    full_name = forms.CharField(label="Name", max_length=200, required=False)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.VIEWER)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="Where the key is used, e.g. “HubSpot sync”.")
    scopes = forms.MultipleChoiceField(
        choices=[(s, s) for s in API_KEY_SCOPES], widget=forms.CheckboxSelectMultiple, initial=["read"]
    )
