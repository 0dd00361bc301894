"""Back-office forms of lending: filters and the small action forms on the line and loan pages.

Money fields take yuan text as people type it ("¥1,234.56") and are parsed with
``parse_yuan_display`` into fen; other scripts' digits are refused, as in the API.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from microloan.kernel.errors import DomainError
from microloan.kernel.money import parse_yuan_display
from microloan.loanmath.schedules import RepaymentMethod

from .classification import Category
from .models import CreditLine, Loan


def _choices(options, blank=True):
    return [("", _("Any"))] * blank + list(options)


class YuanField(forms.CharField):
    """Yuan text such as "1,234.56", cleaned to int fen."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 24)
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value)
        try:
            return parse_yuan_display(text)
        except DomainError as refusal:
            raise forms.ValidationError(next(iter(refusal.fields.values()), "")) from refusal


class LoanFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=_choices(Loan.Status.choices), required=False
    )
    customer_id = forms.CharField(label=_("Customer"), max_length=40, required=False)
    product = forms.CharField(label=_("Product"), max_length=32, required=False)
    category = forms.ChoiceField(
        label=_("Category"),
        choices=_choices((c.value, c.label_en) for c in Category),
        required=False,
    )
    dpd_min = forms.IntegerField(label=_("DPD from"), min_value=0, required=False)
    dpd_max = forms.IntegerField(label=_("DPD to"), min_value=0, required=False)


class LineFilterForm(forms.Form):
    customer_id = forms.CharField(label=_("Customer"), max_length=40, required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=_choices(CreditLine.Status.choices), required=False
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class LimitChangeForm(forms.Form):
    new_limit = YuanField(label=_("New limit (yuan)"))
    reason = forms.CharField(
        label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class QuoteForm(forms.Form):
    date = forms.DateField(
        label=_("Pay off on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class RestructureForm(forms.Form):
    term_months = forms.IntegerField(label=_("New term (months)"), min_value=1, max_value=60)
    method = forms.ChoiceField(
        label=_("Method"), choices=[(m.value, m.value) for m in RepaymentMethod]
    )
    daily_rate = forms.DecimalField(
        label=_("Daily rate (blank: unchanged)"),
        max_digits=12,
        decimal_places=8,
        min_value=0,
        required=False,
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    reason = forms.CharField(label=_("Note"), max_length=1000, required=False)
