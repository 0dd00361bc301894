"""Back-office forms of contracts: the search filters and a new template version."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Kind, Language
from .services.common import State

STATE_LABELS = {
    State.PENDING: _("Waiting for signature"),
    State.EXPIRED: _("Offer expired"),
    State.SIGNED: _("Signed"),
    State.VOID: _("Void"),
}


class ContractFilterForm(forms.Form):
    customer_id = forms.CharField(label=_("Customer"), max_length=60, required=False)
    loan_id = forms.CharField(label=_("Loan"), max_length=60, required=False)
    line_id = forms.CharField(label=_("Credit line"), max_length=60, required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("Any")), *Kind.choices], required=False
    )
    state = forms.ChoiceField(
        label=_("State"), choices=[("", _("Any")), *STATE_LABELS.items()], required=False
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class TemplateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Body"), widget=forms.Textarea(attrs={"rows": 16}))
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
    activate = forms.BooleanField(label=_("Use for new contracts now"), required=False)
