"""Loan product terms and the rules they must meet (pure: no ORM, no clock).

``ProductTerms`` is what lending reads from a product version. ``validate_product_terms``
returns every problem at once, field by field, including the regulatory caps checked at
approval; ``check_drawdown`` is the product's part of a drawdown check.

Units: money is int fen; rates are Decimal fractions (``0.0005`` = 0.05 % a day).

Penalty multiplier m (default 1.5): the total daily charge on overdue principal is the contract
daily rate × m. Normal interest on an instalment's principal stops at its due date
(docs/servicing.md), so end of day charges penalty interest at ``daily rate × m`` on overdue
principal — the contract rate plus (m − 1) = 50 % on top, "1.5 × in all"
(``microloan.lending.penalty``).

APR: the disclosed IRR-method APR of ``microloan.loanmath.apr`` (nominal: IRR per period × periods
a year; prepayment fees excluded: they are optional, not part of the contract's cash flows) of a
reference loan of
``APR_REFERENCE_PRINCIPAL`` starting ``APR_REFERENCE_START``, for every allowed method × term
at the given rate; the worst case is the highest of them at the highest rate the product can
charge (its maximum daily rate or its grade grid's highest rate, whichever is higher).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from microloan.kernel.errors import BusinessRuleViolation
from microloan.kernel.money import format_yuan
from microloan.kernel.regulation import (
    APR_CAP,
    CREDIT_CAP_PER_BORROWER_FEN,
    GRACE_DAYS_DEFAULT,
    GRACE_DAYS_MAX,
    MAX_LINE_VALIDITY_MONTHS,
    PENALTY_MULTIPLIER_DEFAULT,
    PENALTY_MULTIPLIER_MAX,
    PENALTY_MULTIPLIER_MIN,
)
from microloan.kernel.rounding import ROUNDING_MODES, round_fen
from microloan.loanmath.allocation import COMPONENTS, DEFAULT_ORDER
from microloan.loanmath.apr import apr_for_schedule
from microloan.loanmath.schedules import (
    DAY_COUNTS,
    MAX_BULLET_TERM_MONTHS,
    MAX_TERM_MONTHS,
    ReamortisationMode,
    RepaymentMethod,
    generate_schedule,
)

CURRENCY = "CNY"
METHODS = tuple(method.value for method in RepaymentMethod)
PREPAYMENT_FEE_NONE, PREPAYMENT_FEE_FLAT, PREPAYMENT_FEE_PERCENT = "none", "flat", "percent"
PREPAYMENT_FEE_TYPES = (PREPAYMENT_FEE_NONE, PREPAYMENT_FEE_FLAT, PREPAYMENT_FEE_PERCENT)
PREPAYMENT_MODES = tuple(mode.value for mode in ReamortisationMode)

RATE_PLACES = 8
MULTIPLIER_PLACES = 4
GRADE_PATTERN = re.compile(r"^[A-Z][A-Z0-9]{0,3}$")

APR_REFERENCE_PRINCIPAL = 1_000_000  # 10,000.00 CNY; the APR hardly depends on the amount
APR_REFERENCE_START = date(2026, 1, 31)  # month-end start: short February period included


@dataclass(frozen=True)
class ProductTerms:
    """The parameters of one product version (see the module doc for units and meanings)."""

    allowed_methods: tuple[str, ...]
    allowed_terms: tuple[int, ...]  # months
    daily_rate_min: Decimal
    daily_rate_max: Decimal
    grade_rates: Mapping[str, Decimal] = field(default_factory=dict)  # grade → daily rate
    currency: str = CURRENCY
    day_count: int = 360
    penalty_multiplier: Decimal = PENALTY_MULTIPLIER_DEFAULT
    grace_days: int = GRACE_DAYS_DEFAULT
    allocation_order: tuple[str, ...] = DEFAULT_ORDER
    prepayment_fee_type: str = PREPAYMENT_FEE_NONE
    # flat: fen per prepayment; percent: fraction of the principal prepaid; none: 0
    prepayment_fee_value: Decimal = Decimal(0)
    prepayment_mode: str = ReamortisationMode.LOWER_INSTALMENT.value
    rounding: str = "half_up"
    min_drawdown: int = 50_000
    max_drawdown: int = 4_000_000
    line_validity_months: int = 12
    max_line_limit: int = CREDIT_CAP_PER_BORROWER_FEN

    @property
    def highest_daily_rate(self) -> Decimal:
        """The highest daily rate the product can charge: its maximum or its grid's highest."""
        return max([self.daily_rate_max, *self.grade_rates.values()])


@dataclass(frozen=True)
class Problem:
    """What is wrong with one field: a stable code and a translated message."""

    code: str
    message: str

    def __str__(self) -> str:
        return str(self.message)


def default_weilidai_terms() -> ProductTerms:
    """Weilidai-like defaults: 500–40,000 CNY, 5/10/20 months, 0.02 %–0.05 % a day by grade,
    the four methods (bullet only up to 12 months, enforced at drawdown), no prepayment fee,
    360-day count, penalty 1.5 ×, one day of grace, lines for 12 months up to 200,000 CNY."""
    return ProductTerms(
        allowed_methods=METHODS,
        allowed_terms=(5, 10, 20),
        daily_rate_min=Decimal("0.0002"),
        daily_rate_max=Decimal("0.0005"),
        grade_rates={
            "A": Decimal("0.0002"),
            "B": Decimal("0.00025"),
            "C": Decimal("0.0003"),
            "D": Decimal("0.0004"),
            "E": Decimal("0.0005"),
        },
    )


# --- APR ---------------------------------------------------------------------------------------


def _apr_cases(terms: ProductTerms) -> list[tuple[str, int]]:
    """(method, term) pairs a loan can be drawn with; bullet only up to 12 months."""
    return [
        (method, term)
        for method in terms.allowed_methods
        for term in terms.allowed_terms
        if method != RepaymentMethod.BULLET or term <= MAX_BULLET_TERM_MONTHS
    ]


def _aprs_at_rate(terms: ProductTerms, daily_rate: Decimal) -> list[Decimal]:
    """The APR of every allowed method × term at ``daily_rate`` (terms must be valid)."""
    aprs = []
    for method, term in _apr_cases(terms):
        schedule = generate_schedule(
            principal=APR_REFERENCE_PRINCIPAL,
            daily_rate=daily_rate,
            method=method,
            term_months=term,
            start_date=APR_REFERENCE_START,
            day_count=terms.day_count,
            rounding=terms.rounding,
        )
        aprs.append(
            apr_for_schedule(
                APR_REFERENCE_PRINCIPAL, APR_REFERENCE_START, schedule, daily_rate=daily_rate
            )
        )
    return aprs


def apr_at_rate(terms: ProductTerms, daily_rate: Decimal) -> Decimal:
    """The highest APR of any allowed method × term at ``daily_rate`` (terms must be valid)."""
    return max(_aprs_at_rate(terms, daily_rate), default=Decimal(0))


def worst_case_apr(terms: ProductTerms) -> Decimal:
    """The APR the product can reach at most: ``apr_at_rate`` at its highest daily rate."""
    return apr_at_rate(terms, terms.highest_daily_rate)


def apr_range(terms: ProductTerms) -> tuple[Decimal, Decimal]:
    """(lowest APR at the lowest rate, worst-case APR): what screens show first."""
    lowest = min([terms.daily_rate_min, *terms.grade_rates.values()])
    return min(_aprs_at_rate(terms, lowest), default=Decimal(0)), worst_case_apr(terms)


# --- validation --------------------------------------------------------------------------------

_MSG_RATE = _("A rate must be at least 0 and below 1, with at most 8 decimals.")


def _is_whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _is_rate(value) -> bool:
    """A Decimal in [0, 1) with at most 8 decimals (what a rate column stores exactly)."""
    return (
        isinstance(value, Decimal)
        and value.is_finite()
        and 0 <= value < 1
        and _places(value) <= RATE_PLACES
    )


def _check_methods(terms: ProductTerms, problems: dict[str, Problem]) -> None:
    methods = terms.allowed_methods
    if not isinstance(methods, tuple | list) or not methods:
        problems["allowed_methods"] = Problem("methods_required", _("Allow at least one method."))
    elif any(method not in METHODS for method in methods):
        problems["allowed_methods"] = Problem(
            "method_unknown",
            _("Methods must be among: %(methods)s.") % {"methods": ", ".join(METHODS)},
        )
    elif len(set(methods)) != len(methods):
        problems["allowed_methods"] = Problem("duplicate_values", _("A method is listed twice."))


def _check_terms(terms: ProductTerms, problems: dict[str, Problem]) -> None:
    months = terms.allowed_terms
    if not isinstance(months, tuple | list) or not months:
        problems["allowed_terms"] = Problem("terms_required", _("Allow at least one term."))
    elif not all(_is_whole(term) and 1 <= term <= MAX_TERM_MONTHS for term in months):
        problems["allowed_terms"] = Problem(
            "term_out_of_range", _("Each term must be a whole number of months, 1 to 60.")
        )
    elif len(set(months)) != len(months):
        problems["allowed_terms"] = Problem("duplicate_values", _("A term is listed twice."))
    elif (
        "allowed_methods" not in problems
        and RepaymentMethod.BULLET in terms.allowed_methods
        and min(months) > MAX_BULLET_TERM_MONTHS
    ):
        # A bullet loan runs at most 12 months; longer terms stay allowed for the other
        # methods and check_drawdown refuses a bullet loan over 12 months.
        problems["allowed_methods"] = Problem(
            "bullet_needs_short_term",
            _("A bullet (lump-sum) loan runs at most 12 months: allow a term of 12 or less."),
        )


def _check_rates(terms: ProductTerms, problems: dict[str, Problem]) -> bool:
    """Rate checks; True when the rates are sound enough to compute an APR."""
    for name in ("daily_rate_min", "daily_rate_max"):
        if not _is_rate(getattr(terms, name)):
            problems[name] = Problem("invalid_rate", _MSG_RATE)
    if problems.keys() & {"daily_rate_min", "daily_rate_max"}:
        return False
    if terms.daily_rate_min > terms.daily_rate_max:
        problems["daily_rate_min"] = Problem(
            "rate_range_inverted", _("The minimum rate is above the maximum rate.")
        )
        return False
    grid = terms.grade_rates
    if not isinstance(grid, Mapping):
        problems["grade_rates"] = Problem("invalid_grade_rates", _("Give grade → daily rate."))
        return False
    sound = True
    for grade, rate in grid.items():
        key = f"grade_rates.{grade}"
        if not _is_rate(rate):
            problems[key] = Problem("invalid_rate", _MSG_RATE)
            sound = False
        elif not isinstance(grade, str) or not GRADE_PATTERN.match(grade):
            problems[key] = Problem(
                "invalid_grade", _("A grade is 1–4 capital letters or digits, e.g. A.")
            )
        elif not terms.daily_rate_min <= rate <= terms.daily_rate_max:
            problems[key] = Problem(
                "grade_rate_out_of_range",
                _("A grade's rate must lie between the minimum and maximum daily rates."),
            )
    return sound


def _check_servicing(terms: ProductTerms, problems: dict[str, Problem]) -> None:
    if terms.currency != CURRENCY:
        problems["currency"] = Problem("currency_not_supported", _("Only CNY is supported."))
    if terms.day_count not in DAY_COUNTS or not _is_whole(terms.day_count):
        problems["day_count"] = Problem("invalid_day_count", _("Day count must be 360 or 365."))
    multiplier = terms.penalty_multiplier
    if not (
        isinstance(multiplier, Decimal)
        and multiplier.is_finite()
        and PENALTY_MULTIPLIER_MIN <= multiplier <= PENALTY_MULTIPLIER_MAX
        and _places(multiplier) <= MULTIPLIER_PLACES
    ):
        problems["penalty_multiplier"] = Problem(
            "penalty_multiplier_out_of_range",
            _("The penalty multiplier must be from 1 to 2, with at most 4 decimals."),
        )
    if not _is_whole(terms.grace_days) or not 0 <= terms.grace_days <= GRACE_DAYS_MAX:
        problems["grace_days"] = Problem(
            "grace_days_out_of_range", _("Grace days must be a whole number from 0 to 30.")
        )
    order = terms.allocation_order
    if (
        not isinstance(order, tuple | list)
        or not all(isinstance(component, str) for component in order)
        or sorted(order) != sorted(COMPONENTS)
    ):
        problems["allocation_order"] = Problem(
            "invalid_allocation_order",
            _("The order must name each of %(components)s exactly once.")
            % {"components": ", ".join(COMPONENTS)},
        )
    if terms.rounding not in ROUNDING_MODES:
        problems["rounding"] = Problem(
            "invalid_rounding",
            _("Rounding must be one of: %(modes)s.") % {"modes": ", ".join(ROUNDING_MODES)},
        )
    if terms.prepayment_mode not in PREPAYMENT_MODES:
        problems["prepayment_mode"] = Problem(
            "invalid_prepayment_mode",
            _("Prepayment mode must be one of: %(modes)s.")
            % {"modes": ", ".join(PREPAYMENT_MODES)},
        )
    _check_prepayment_fee(terms, problems)


def _check_prepayment_fee(terms: ProductTerms, problems: dict[str, Problem]) -> None:
    kind, value = terms.prepayment_fee_type, terms.prepayment_fee_value
    if kind not in PREPAYMENT_FEE_TYPES:
        problems["prepayment_fee_type"] = Problem(
            "invalid_prepayment_fee_type",
            _("Fee type must be one of: %(kinds)s.") % {"kinds": ", ".join(PREPAYMENT_FEE_TYPES)},
        )
        return
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        message = _("The fee must be a number, not negative.")
    elif kind == PREPAYMENT_FEE_NONE and value != 0:
        message = _("With no prepayment fee the value must be 0.")
    elif kind == PREPAYMENT_FEE_FLAT and value != value.to_integral_value():
        message = _("A flat fee is a whole number of fen.")
    elif kind == PREPAYMENT_FEE_PERCENT and (value >= 1 or _places(value) > RATE_PLACES):
        message = _("A percentage fee is a fraction of the principal prepaid, below 1.")
    elif value >= 10**12:
        message = _("The fee is too large.")
    else:
        return
    problems["prepayment_fee_value"] = Problem("invalid_prepayment_fee", message)


def _check_amounts(terms: ProductTerms, problems: dict[str, Problem]) -> None:
    for name in ("min_drawdown", "max_drawdown", "max_line_limit"):
        if not _is_whole(getattr(terms, name)) or getattr(terms, name) <= 0:
            problems[name] = Problem("invalid_amount", _("Must be an amount above zero."))
    if _is_whole(terms.max_line_limit) and terms.max_line_limit > CREDIT_CAP_PER_BORROWER_FEN:
        problems["max_line_limit"] = Problem(
            "line_limit_above_cap",
            _("A credit line may not exceed %(cap)s per borrower.")
            % {"cap": format_yuan(CREDIT_CAP_PER_BORROWER_FEN)},
        )
    if not problems.keys() & {"min_drawdown", "max_drawdown"}:
        if terms.min_drawdown > terms.max_drawdown:
            problems["min_drawdown"] = Problem(
                "drawdown_range_inverted", _("The minimum drawdown is above the maximum.")
            )
        elif "max_line_limit" not in problems and terms.max_drawdown > terms.max_line_limit:
            problems["max_drawdown"] = Problem(
                "drawdown_above_line_limit",
                _("The maximum drawdown is above the maximum line limit."),
            )
    months = terms.line_validity_months
    if not _is_whole(months) or months < 1:
        problems["line_validity_months"] = Problem(
            "invalid_line_validity", _("Line validity is a whole number of months, at least 1.")
        )
    elif months > MAX_LINE_VALIDITY_MONTHS:
        problems["line_validity_months"] = Problem(
            "line_validity_above_cap", _("A credit line must be re-approved within 12 months.")
        )


def validate_product_terms(terms: ProductTerms) -> dict[str, Problem]:
    """Every problem of ``terms``, field → Problem; empty when the terms may be approved."""
    problems: dict[str, Problem] = {}
    _check_methods(terms, problems)
    _check_terms(terms, problems)
    rates_sound = _check_rates(terms, problems)
    _check_servicing(terms, problems)
    _check_amounts(terms, problems)
    apr_inputs = {"allowed_methods", "allowed_terms", "day_count", "rounding"}
    if rates_sound and not problems.keys() & apr_inputs:
        apr = worst_case_apr(terms)
        if apr > APR_CAP:
            problems["daily_rate_max"] = Problem(
                "apr_above_cap",
                _("At its highest rate the product's APR would be %(apr)s%%, above the 24%% cap.")
                % {"apr": (apr * 100).quantize(Decimal("0.01"))},
            )
    return problems


# --- what lending asks of a product ---------------------------------------------------------


def rate_for_grade(terms: ProductTerms, grade: str) -> Decimal:
    """The daily rate for a borrower's grade: the grid's rate, or the maximum rate when the
    product has no grid. A grade missing from a grid is refused (``grade_not_priced``)."""
    if not terms.grade_rates:
        return terms.daily_rate_max
    try:
        return terms.grade_rates[grade]
    except (KeyError, TypeError):
        raise BusinessRuleViolation(
            _("This product has no rate for the grade."),
            code="grade_not_priced",
            fields={"grade": _("No rate for grade %(grade)s.") % {"grade": str(grade)[:8]}},
        ) from None


def check_drawdown(
    terms: ProductTerms, *, amount: int, term_months: int, method: str, daily_rate: Decimal
) -> None:
    """Refuse a drawdown the product does not allow, naming every field that is wrong.

    The error's code is that of the first problem, in the order amount, term, method, rate.
    """
    problems: list[tuple[str, str, object]] = []
    if amount < terms.min_drawdown:
        problems.append(
            (
                "amount",
                "amount_below_minimum",
                _("The minimum drawdown is %(min)s.") % {"min": format_yuan(terms.min_drawdown)},
            )
        )
    elif amount > terms.max_drawdown:
        problems.append(
            (
                "amount",
                "amount_above_maximum",
                _("The maximum drawdown is %(max)s.") % {"max": format_yuan(terms.max_drawdown)},
            )
        )
    if term_months not in terms.allowed_terms:
        allowed = ", ".join(str(term) for term in terms.allowed_terms)
        problems.append(
            (
                "term_months",
                "term_not_allowed",
                _("Allowed terms (months): %(terms)s.") % {"terms": allowed},
            )
        )
    elif method == RepaymentMethod.BULLET and term_months > MAX_BULLET_TERM_MONTHS:
        problems.append(
            (
                "term_months",
                "bullet_term_too_long",
                _("A bullet (lump-sum) loan may run at most 12 months."),
            )
        )
    if method not in terms.allowed_methods:
        problems.append(
            (
                "method",
                "method_not_allowed",
                _("Allowed methods: %(methods)s.") % {"methods": ", ".join(terms.allowed_methods)},
            )
        )
    if not terms.daily_rate_min <= daily_rate <= terms.daily_rate_max:
        problems.append(
            (
                "daily_rate",
                "rate_out_of_range",
                _("The daily rate must be from %(min)s to %(max)s.")
                % {"min": terms.daily_rate_min, "max": terms.daily_rate_max},
            )
        )
    if problems:
        raise BusinessRuleViolation(
            _("The product does not allow this drawdown."),
            code=problems[0][1],
            fields={name: message for name, _code, message in problems},
        )


def prepayment_fee(terms: ProductTerms, prepaid_principal: int) -> int:
    """The fee for prepaying ``prepaid_principal`` fen, rounded by the product's mode."""
    if terms.prepayment_fee_type == PREPAYMENT_FEE_FLAT:
        return int(terms.prepayment_fee_value) if prepaid_principal > 0 else 0
    if terms.prepayment_fee_type == PREPAYMENT_FEE_PERCENT:
        return round_fen(Decimal(prepaid_principal) * terms.prepayment_fee_value, terms.rounding)
    return 0
