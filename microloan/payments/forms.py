"""Back-office forms: list filters, the break resolution and the reconciliation request."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import PaymentOrder, SettlementBreak


def _choices(choices):
    return [("", _("Any")), *choices]


class OrderFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=_choices(PaymentOrder.Status.choices)
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=_choices(PaymentOrder.Kind.choices)
    )
    loan_id = forms.CharField(label=_("Loan"), required=False, max_length=40)
    customer_id = forms.CharField(label=_("Customer"), required=False, max_length=40)
    business_date = forms.DateField(
        label=_("Business date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class BreakFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=_choices(SettlementBreak.Status.choices)
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=_choices(SettlementBreak.Kind.choices)
    )
    business_date = forms.DateField(
        label=_("Business date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class ResolveForm(forms.Form):
    resolution = forms.CharField(label=_("Resolution"), max_length=1000)


class ReconcileForm(forms.Form):
    business_date = forms.DateField(
        label=_("Business date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    settlement_file = forms.FileField(
        label=_("Settlement file (empty: fetch from the bank)"), required=False
    )
