from django import forms
from django.utils.translation import gettext_lazy as _


class LoginForm(forms.Form):
    label_suffix = ""
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class AuditFilterForm(forms.Form):
    object_type = forms.CharField(label=_("Object type"), max_length=64, required=False)
    object_id = forms.CharField(label=_("Object id"), max_length=100, required=False)
    actor_id = forms.CharField(label=_("Actor"), max_length=150, required=False)
    action = forms.CharField(
        label=_("Action"),
        max_length=100,
        required=False,
        help_text=_('"loan" matches every loan.* action.'),
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
