"""Back-office forms of notifications: the message log filters and the template editor."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Channel, Message


def _choices(options):
    return [("", _("Any")), *options]


class MessageFilterForm(forms.Form):
    customer_id = forms.CharField(label=_("Customer"), max_length=40, required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=_choices(Message.Status.choices), required=False
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=_choices(Channel.choices), required=False
    )
    template = forms.CharField(label=_("Template"), max_length=64, required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class TemplateForm(forms.Form):
    subject_zh = forms.CharField(label=_("Subject (Chinese)"), max_length=200, required=False)
    body_zh = forms.CharField(
        label=_("Text (Chinese)"), max_length=1000, widget=forms.Textarea(attrs={"rows": 4})
    )
    subject_en = forms.CharField(label=_("Subject (English)"), max_length=200, required=False)
    body_en = forms.CharField(
        label=_("Text (English)"), max_length=1000, widget=forms.Textarea(attrs={"rows": 4})
    )
