"""Back-office forms: a checker's reason, a new product, and a draft's terms typed in people's
units (rates in percent, money in yuan), turned into the services' wire form."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from microloan.kernel.regulation import (
    GRACE_DAYS_MAX,
    MAX_LINE_VALIDITY_MONTHS,
    PENALTY_MULTIPLIER_MAX,
    PENALTY_MULTIPLIER_MIN,
)
from microloan.loanmath.schedules import DAY_COUNTS, MAX_TERM_MONTHS

from .domain import PREPAYMENT_FEE_FLAT, PREPAYMENT_FEE_PERCENT, ProductTerms
from .services import NAME_MAX_LENGTH, REASON_MAX_LENGTH
from .wording import (
    FEE_TYPE_LABELS,
    FIELD_LABELS,
    METHOD_LABELS,
    MODE_LABELS,
    ROUNDING_LABELS,
)


class DecisionForm(forms.Form):
    """A checker's reason: optional when approving, required when rejecting (the service
    decides, so the page and the API refuse alike)."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 40}),
    )


class NewProductForm(forms.Form):
    code = forms.CharField(
        label=_("Product code"),
        max_length=16,
        help_text=_("2–16 capital letters, digits or _, starting with a letter."),
    )
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=NAME_MAX_LENGTH)
    name_en = forms.CharField(label=_("Name (English)"), max_length=NAME_MAX_LENGTH)


_HUNDRED = Decimal(100)


def _percent_field(label, **kwargs) -> forms.DecimalField:
    # 6 decimals of a percent = the 8 decimals a rate is stored with
    return forms.DecimalField(
        label=label, min_value=Decimal(0), max_value=_HUNDRED, decimal_places=6, **kwargs
    )


def _yuan_field(label) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, min_value=Decimal("0.01"), max_digits=14, decimal_places=2
    )


def _plain(number: Decimal) -> str:
    """A Decimal as plain decimal text, never in exponent form (the wire form's rule)."""
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _percent_to_rate(percent: Decimal) -> str:
    return _plain(percent / _HUNDRED)


def _rate_to_percent(rate: Decimal) -> Decimal:
    return (rate * _HUNDRED).normalize()


class TermsForm(forms.Form):
    """Every term a product manager sets, one labelled input each. Built from the draft's
    terms (its grades become one rate input each); ``params()`` gives the services' wire form.
    The allocation order and the currency are not edited here (shown on the version page)."""

    daily_rate_min = _percent_field(FIELD_LABELS["daily_rate_min"])
    daily_rate_max = _percent_field(FIELD_LABELS["daily_rate_max"])
    allowed_methods = forms.MultipleChoiceField(
        label=FIELD_LABELS["allowed_methods"],
        choices=list(METHOD_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    allowed_terms = forms.CharField(
        label=FIELD_LABELS["allowed_terms"],
        max_length=200,
        help_text=_("Whole months separated by commas, e.g. 5, 10, 20."),
    )
    day_count = forms.TypedChoiceField(
        label=FIELD_LABELS["day_count"],
        choices=[(n, str(n)) for n in DAY_COUNTS],
        coerce=int,
    )
    penalty_multiplier = forms.DecimalField(
        label=FIELD_LABELS["penalty_multiplier"],
        min_value=PENALTY_MULTIPLIER_MIN,
        max_value=PENALTY_MULTIPLIER_MAX,
        decimal_places=4,
    )
    grace_days = forms.IntegerField(
        label=FIELD_LABELS["grace_days"], min_value=0, max_value=GRACE_DAYS_MAX
    )
    min_drawdown = _yuan_field(FIELD_LABELS["min_drawdown"])
    max_drawdown = _yuan_field(FIELD_LABELS["max_drawdown"])
    max_line_limit = _yuan_field(FIELD_LABELS["max_line_limit"])
    line_validity_months = forms.IntegerField(
        label=FIELD_LABELS["line_validity_months"],
        min_value=1,
        max_value=MAX_LINE_VALIDITY_MONTHS,
    )
    prepayment_fee_type = forms.ChoiceField(
        label=FIELD_LABELS["prepayment_fee_type"], choices=list(FEE_TYPE_LABELS.items())
    )
    prepayment_fee_value = forms.DecimalField(
        label=FIELD_LABELS["prepayment_fee_value"],
        min_value=Decimal(0),
        max_digits=14,
        decimal_places=6,
        required=False,
        help_text=_("Yuan for a flat fee; percent of the principal prepaid for a percentage."),
    )
    prepayment_mode = forms.ChoiceField(
        label=FIELD_LABELS["prepayment_mode"], choices=list(MODE_LABELS.items())
    )
    rounding = forms.ChoiceField(
        label=FIELD_LABELS["rounding"], choices=list(ROUNDING_LABELS.items())
    )

    def __init__(self, *args, grades: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.grades = list(grades)
        for grade in self.grades:
            self.fields[f"grade_{grade}"] = _percent_field(
                _("Daily rate of grade %(grade)s (%%)") % {"grade": grade}
            )

    @classmethod
    def initial_from(cls, terms: ProductTerms) -> dict[str, Any]:
        fee = terms.prepayment_fee_value
        if terms.prepayment_fee_type == PREPAYMENT_FEE_FLAT:
            fee_shown: Decimal | None = (Decimal(int(fee)) / _HUNDRED).quantize(Decimal("0.01"))
        elif terms.prepayment_fee_type == PREPAYMENT_FEE_PERCENT:
            fee_shown = _rate_to_percent(fee)
        else:
            fee_shown = None
        initial = {
            "daily_rate_min": _rate_to_percent(terms.daily_rate_min),
            "daily_rate_max": _rate_to_percent(terms.daily_rate_max),
            "allowed_methods": list(terms.allowed_methods),
            "allowed_terms": ", ".join(str(term) for term in terms.allowed_terms),
            "day_count": terms.day_count,
            "penalty_multiplier": terms.penalty_multiplier.normalize(),
            "grace_days": terms.grace_days,
            "min_drawdown": _yuan(terms.min_drawdown),
            "max_drawdown": _yuan(terms.max_drawdown),
            "max_line_limit": _yuan(terms.max_line_limit),
            "line_validity_months": terms.line_validity_months,
            "prepayment_fee_type": terms.prepayment_fee_type,
            "prepayment_fee_value": fee_shown,
            "prepayment_mode": terms.prepayment_mode,
            "rounding": terms.rounding,
        }
        for grade, rate in terms.grade_rates.items():
            initial[f"grade_{grade}"] = _rate_to_percent(rate)
        return initial

    def clean_allowed_terms(self) -> list[int]:
        parts = [part.strip() for part in self.cleaned_data["allowed_terms"].split(",")]
        terms = []
        for part in parts:
            if not part.isascii() or not part.isdigit() or not 1 <= int(part) <= MAX_TERM_MONTHS:
                raise forms.ValidationError(
                    _("Give whole months from 1 to %(max)s, separated by commas.")
                    % {"max": MAX_TERM_MONTHS}
                )
            terms.append(int(part))
        return terms

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        fee_type = data.get("prepayment_fee_type")
        if fee_type in (PREPAYMENT_FEE_FLAT, PREPAYMENT_FEE_PERCENT) and (
            data.get("prepayment_fee_value") in (None, "")
        ):
            self.add_error("prepayment_fee_value", _("Give the fee for this kind of fee."))
        return data

    def params(self) -> dict[str, Any]:
        """The cleaned input in the services' wire form."""
        data = self.cleaned_data
        params: dict[str, Any] = {
            "daily_rate_min": _percent_to_rate(data["daily_rate_min"]),
            "daily_rate_max": _percent_to_rate(data["daily_rate_max"]),
            "grade_rates": {g: _percent_to_rate(data[f"grade_{g}"]) for g in self.grades},
            "allowed_methods": list(data["allowed_methods"]),
            "allowed_terms": data["allowed_terms"],
            "day_count": data["day_count"],
            "penalty_multiplier": _plain(data["penalty_multiplier"]),
            "grace_days": data["grace_days"],
            "min_drawdown": f"{data['min_drawdown']:.2f}",
            "max_drawdown": f"{data['max_drawdown']:.2f}",
            "max_line_limit": f"{data['max_line_limit']:.2f}",
            "line_validity_months": data["line_validity_months"],
            "prepayment_fee_type": data["prepayment_fee_type"],
            "prepayment_mode": data["prepayment_mode"],
            "rounding": data["rounding"],
        }
        fee = data.get("prepayment_fee_value")
        if data["prepayment_fee_type"] == PREPAYMENT_FEE_FLAT:
            params["prepayment_fee_value"] = f"{fee:.2f}"
        elif data["prepayment_fee_type"] == PREPAYMENT_FEE_PERCENT:
            params["prepayment_fee_value"] = _percent_to_rate(fee)
        return params

    def add_service_errors(self, fields: dict[str, Any]) -> None:
        """A service's field problems (wire names) shown next to the inputs they concern."""
        for name, message in fields.items():
            if name.startswith("grade_rates.") and f"grade_{name[12:]}" in self.fields:
                self.add_error(f"grade_{name[12:]}", str(message))
            elif name in self.fields:
                self.add_error(name, str(message))
            else:
                label = FIELD_LABELS.get(name, name)
                self.add_error(None, f"{label}: {message}")


def _yuan(fen: int) -> Decimal:
    return (Decimal(fen) / _HUNDRED).quantize(Decimal("0.01"))
