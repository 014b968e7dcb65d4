"""Forms of the sign-in, invitation, member and API-key pages."""

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string

from .mail import send_after_commit
from .models import NotificationKind, Role
from .roles import API_KEY_SCOPES


class LoginForm(AuthenticationForm):
    username = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}))


class InvitationCreateForm(forms.Form):
    email = forms.EmailField(label="Email")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.VIEWER)


class InvitationSignupForm(forms.Form):
    """The invited person creates their account: name and a password that passes the password rules."""

    full_name = forms.CharField(label="Your name", max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    password = forms.CharField(label="Password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password_again = forms.CharField(
        label="Password, again", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        password, again = cleaned.get("password"), cleaned.get("password_again")
        if password and again and password != again:
            self.add_error("password_again", "The two passwords differ. Type the same password twice.")
        elif password:
            try:
                password_validation.validate_password(
                    password, get_user_model()(email=self.email, full_name=cleaned.get("full_name", ""))
                )
            except ValidationError as error:
                self.add_error("password", error)
        return cleaned


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="Where the key is used, e.g. “HubSpot sync”.")
    scopes = forms.MultipleChoiceField(
        choices=[(s, s) for s in API_KEY_SCOPES], widget=forms.CheckboxSelectMultiple, initial=["read"]
    )


class MailedPasswordResetForm(PasswordResetForm):
    """Django's reset form, sending through the product's mail (after commit, by the worker, retried)."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None):
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        send_after_commit(to=to_email, subject=subject, body=render_to_string(email_template_name, context))


class NotificationSettingsForm(forms.Form):
    email_kinds = forms.MultipleChoiceField(
        choices=list(NotificationKind.EMAILABLE.items()), required=False, widget=forms.CheckboxSelectMultiple,
        label="Also send me a daily email digest of",
    )
