"""Forms of the privacy pages: the password asked again before personal data leaves or the account closes."""

from django import forms
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _


class PasswordConfirmForm(forms.Form):
    """Re-authentication through `authenticate`, so failed attempts count like failed logins."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("We ask for it again to make sure it is you."),
    )

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_password(self):
        password = self.cleaned_data["password"]
        account = self.request.user
        if authenticate(self.request, username=account.get_username(), password=password) != account:
            raise forms.ValidationError(_("This is not your password."), code="password_incorrect")
        return password


class AccountCloseForm(PasswordConfirmForm):
    confirm = forms.BooleanField(
        label=_("I understand that closing my account is final: I will no longer be able to log in."),
        error_messages={"required": _("Tick this box to confirm that you want to close your account.")},
    )
