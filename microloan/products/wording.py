"""Product terms in words: labels of each term and its choices, values formatted for people,
and the field-by-field difference a checker reads (old → new) before deciding."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from microloan.kernel.money import format_yuan
from microloan.kernel.rounding import format_percent

from .domain import PREPAYMENT_FEE_FLAT, PREPAYMENT_FEE_PERCENT, ProductTerms, apr_range

METHOD_LABELS = {
    "equal_instalment": _("Equal instalments (principal and interest)"),
    "equal_principal": _("Equal principal"),
    "interest_first": _("Interest first, principal at the end"),
    "bullet": _("Principal and interest at maturity"),
}
FEE_TYPE_LABELS = {
    "none": _("No prepayment fee"),
    "flat": _("Flat fee per prepayment (yuan)"),
    "percent": _("Percentage of the principal prepaid"),
}
MODE_LABELS = {
    "lower_instalment": _("Keep the term, lower the instalment"),
    "shorten_term": _("Keep the instalment, shorten the term"),
}
ROUNDING_LABELS = {
    "half_up": _("Round half up"),
    "half_even": _("Round half to even"),
    "down": _("Round down"),
    "up": _("Round up"),
}
COMPONENT_LABELS = {
    "penalty": _("Penalty interest"),
    "overdue_interest": _("Overdue interest"),
    "overdue_principal": _("Overdue principal"),
    "current_interest": _("Current interest"),
    "current_principal": _("Current principal"),
}
FIELD_LABELS = {
    "apr": _("APR (IRR method)"),
    "daily_rate_min": _("Minimum daily rate (%)"),
    "daily_rate_max": _("Maximum daily rate (%)"),
    "grade_rates": _("Daily rate by grade (%)"),
    "allowed_methods": _("Repayment methods"),
    "allowed_terms": _("Terms (months)"),
    "day_count": _("Day count (days a year)"),
    "penalty_multiplier": _("Penalty multiplier (× daily rate)"),
    "grace_days": _("Grace days"),
    "allocation_order": _("Allocation order"),
    "prepayment_fee_type": _("Prepayment fee"),
    "prepayment_fee_value": _("Prepayment fee amount"),
    "prepayment_mode": _("After a partial prepayment"),
    "rounding": _("Rounding"),
    "min_drawdown": _("Minimum drawdown (yuan)"),
    "max_drawdown": _("Maximum drawdown (yuan)"),
    "line_validity_months": _("Line valid for (months)"),
    "max_line_limit": _("Maximum credit line (yuan)"),
    "currency": _("Currency"),
}


def _words(labels, values) -> str:
    return ", ".join(str(labels.get(value, value)) for value in values)


def _fee(terms: ProductTerms) -> str:
    if terms.prepayment_fee_type == PREPAYMENT_FEE_FLAT:
        return format_yuan(int(terms.prepayment_fee_value))
    if terms.prepayment_fee_type == PREPAYMENT_FEE_PERCENT:
        return format_percent(terms.prepayment_fee_value, 4)
    return "—"


def _rate(rate: Decimal) -> str:
    return format_percent(rate, 4)


def _apr(terms: ProductTerms) -> str:
    low, high = apr_range(terms)
    return f"{format_percent(low)} – {format_percent(high)}"


# The APR first: it is what a borrower is told, and what a checker weighs first.
_FORMATTERS = {
    "apr": _apr,
    "daily_rate_min": lambda t: _rate(t.daily_rate_min),
    "daily_rate_max": lambda t: _rate(t.daily_rate_max),
    "allowed_methods": lambda t: _words(METHOD_LABELS, t.allowed_methods),
    "allowed_terms": lambda t: ", ".join(str(term) for term in t.allowed_terms),
    "day_count": lambda t: str(t.day_count),
    "penalty_multiplier": lambda t: f"{t.penalty_multiplier.normalize():f} ×",
    "grace_days": lambda t: str(t.grace_days),
    "allocation_order": lambda t: " → ".join(
        str(COMPONENT_LABELS.get(c, c)) for c in t.allocation_order
    ),
    "prepayment_fee_type": lambda t: str(
        FEE_TYPE_LABELS.get(t.prepayment_fee_type, t.prepayment_fee_type)
    ),
    "prepayment_fee_value": _fee,
    "prepayment_mode": lambda t: str(MODE_LABELS.get(t.prepayment_mode, t.prepayment_mode)),
    "rounding": lambda t: str(ROUNDING_LABELS.get(t.rounding, t.rounding)),
    "min_drawdown": lambda t: format_yuan(t.min_drawdown),
    "max_drawdown": lambda t: format_yuan(t.max_drawdown),
    "line_validity_months": lambda t: str(t.line_validity_months),
    "max_line_limit": lambda t: format_yuan(t.max_line_limit),
    "currency": lambda t: t.currency,
}


@dataclass(frozen=True)
class Change:
    """One changed term, in words: its label and the old and new values formatted."""

    field: str
    label: str
    old: str
    new: str


def terms_diff(old: ProductTerms | None, new: ProductTerms) -> list[Change]:
    """Every term that differs between ``old`` (the active version; None: there is none, so
    every term is new) and ``new``, in the order of the form, grades one by one."""
    changes = []
    for name, show in _FORMATTERS.items():
        before = show(old) if old is not None else "—"
        after = show(new)
        if before != after:
            changes.append(Change(name, str(FIELD_LABELS[name]), before, after))
    old_grades = old.grade_rates if old is not None else {}
    for grade in sorted(set(old_grades) | set(new.grade_rates)):
        before = _rate(old_grades[grade]) if grade in old_grades else "—"
        after = _rate(new.grade_rates[grade]) if grade in new.grade_rates else "—"
        if before != after:
            label = _("Daily rate of grade %(grade)s (%%)") % {"grade": grade}
            changes.append(Change(f"grade_rates.{grade}", str(label), before, after))
    return changes


def diff_summary(changes: list[Change]) -> str:
    """One line for the approve confirmation: "label: old → new; …"."""
    return "; ".join(f"{change.label}: {change.old} → {change.new}" for change in changes)


def term_words(terms: ProductTerms) -> dict[str, str]:
    """The terms shown as words (methods, order, modes), for the version pages."""
    return {name: show(terms) for name, show in _FORMATTERS.items() if name != "apr"}
