"""Forms of the origination back-office pages. They only shape input; every rule is checked by
the services, whose refusals the pages show."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from microloan.backoffice.threshold_forms import ThresholdsForm
from microloan.kernel.errors import ValidationFailed
from microloan.kernel.money import parse_yuan_display

from .admission import AdmissionThresholds
from .models import ApplicationState


class ApplicationSearchForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("All")), *ApplicationState.choices]
    )
    customer_id = forms.CharField(label=_("Customer"), required=False, max_length=40)
    product_code = forms.CharField(label=_("Product"), required=False, max_length=16)
    submitted_from = forms.DateField(
        label=_("Submitted from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    submitted_to = forms.DateField(
        label=_("Submitted to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("submitted_from"), data.get("submitted_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data


class InitialDecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("pass", _("Pass to final review")),
            ("return", _("Return for correction")),
            ("reject", _("Reject")),
        ],
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    return_fields = forms.CharField(
        label=_("Fields to correct (one per line: field: what is wrong)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_return_fields(self) -> dict[str, str]:
        fields: dict[str, str] = {}
        for line in self.cleaned_data["return_fields"].splitlines():
            if not line.strip():
                continue
            name, _sep, message = line.partition(":")
            fields[name.strip()] = message.strip()
        return fields


class FinalDecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))]
    )
    limit_yuan = forms.CharField(label=_("Limit (yuan)"), required=False, max_length=20)
    daily_rate = forms.CharField(label=_("Daily rate"), required=False, max_length=20)
    terms_months = forms.CharField(
        label=_("Terms in months (comma-separated; empty: all the product allows)"),
        required=False,
        max_length=100,
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean_limit_yuan(self) -> int | None:
        text = self.cleaned_data["limit_yuan"].strip()
        if not text:
            return None
        try:
            return parse_yuan_display(text, field="limit_yuan")
        except ValidationFailed as invalid:
            raise forms.ValidationError(list(invalid.fields.values())) from None

    def clean_terms_months(self) -> list[int] | None:
        text = self.cleaned_data["terms_months"].strip()
        if not text:
            return None
        try:
            return [int(part) for part in text.replace("，", ",").split(",") if part.strip()]
        except ValueError:
            raise forms.ValidationError(_("Whole numbers separated by commas.")) from None


# One labelled input per threshold (bounds from the schema), instead of a JSON textarea.
POLICY_LABELS = {
    "min_age": _("Minimum age"),
    "max_age": _("Maximum age"),
    "min_monthly_income_fen": _("Minimum monthly income (yuan)"),
    "max_total_credit_fen": _("Maximum total credit per borrower (yuan)"),
    "review_expiry_days": _("Days before an undecided application expires"),
    "initial_review_sla_hours": _("Initial review SLA (hours)"),
    "final_review_sla_hours": _("Final review SLA (hours)"),
    "due_soon_hours": _("Flag as due soon this many hours before the SLA"),
    "claim_lease_minutes": _("A claim lapses after (minutes)"),
}


def policy_draft_form(data=None, *, current: dict) -> ThresholdsForm:
    """The admission policy's thresholds, the latest version's values filled in."""
    return ThresholdsForm(data, schema=AdmissionThresholds, labels=POLICY_LABELS, current=current)
