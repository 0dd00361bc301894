"""What a contract states is what the engine charges: each number the text gives (penalty rate
and multiplier, the first penalty day, grace, daily rate, APR, due dates) is read back from
the rendered text and checked against the function lending and end of day use."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from decimal import Decimal

import pytest

from microloan.contracts.default_texts import DEFAULT_TEMPLATES
from microloan.contracts.documents import Party, build_document
from microloan.kernel.rounding import round_fen
from microloan.lending.models import RATE_SCALE
from microloan.lending.penalty import penalty_days, penalty_for_day
from microloan.lending.services.queries import loan_apr
from microloan.loanmath.apr import apr_for_schedule
from microloan.loanmath.schedules import Instalment as Row
from microloan.products.domain import prepayment_fee

from .helpers import contract_of
from .test_documents import LOAN_TERMS

PARTY = Party("示范银行", "张三丰", "**************002X", "cus_demo")
PATTERNS = {
    "zh-hans": {
        "multiplier": r"罚息日利率为日利率的([\d.]+)倍",
        "penalty_rate": r"即日([\d.]+)%",
        "first_day": r"自还款日后第(\d+)天起",
        "grace": r"还款日后(\d+)天内（宽限期）",
        "daily_rate": r"日利率为([\d.]+)%",
        "apr": r"年化利率为([\d.]+)%",
    },
    "en": {
        "multiplier": r"penalty interest of ([\d.]+) times the daily rate",
        "penalty_rate": r"\(([\d.]+)% per day\) for each day",
        "first_day": r"from the (\d+)(?:st|nd|rd|th) day after the due date",
        "grace": r"within (\d+) day\(s\) after the due date \(grace period\)",
        "daily_rate": r"accrues daily at ([\d.]+)% per day",
        "apr": r"\(IRR\) method is ([\d.]+)%",
    },
}
ON_TOP = ("正常利息照常计收", "in addition to normal interest")


def _stated(terms: dict, language: str) -> tuple[dict[str, Decimal], str]:
    title, body = DEFAULT_TEMPLATES[("loan", language)]
    text = build_document(
        title=title, body=body, language=language, terms=terms, party=PARTY, contract_id="ctr_1"
    ).plain_text()
    values = {}
    for name, pattern in PATTERNS[language].items():
        match = re.search(pattern, text)
        assert match, f"{language}: the contract does not state {name}"
        values[name] = Decimal(match.group(1))
    return values, text


def _first_penalty_day(grace_days: int) -> int:
    """The first day after the due date that end of day charges penalty for (engine rule)."""
    due = dt.date(2026, 4, 2)
    return next(
        k
        for k in range(1, 60)
        if penalty_days(
            due_date=due,
            first_day=due + dt.timedelta(days=k),
            last_day=due + dt.timedelta(days=k),
            grace_days=grace_days,
        )
    )


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_penalty_clause_of_a_drawn_loan_is_what_end_of_day_charges(loan, language):
    terms = contract_of(loan.public_id).terms
    stated, text = _stated(terms, language)
    multiplier = loan.product_version.terms().penalty_multiplier
    overdue = 1_000_000  # 10,000.00 overdue for one charged day
    engine_day = penalty_for_day(overdue, loan.daily_rate, multiplier)
    assert engine_day == round(overdue * loan.penalty_rate_e8 / RATE_SCALE)  # EOD's own rate
    assert round(overdue * stated["penalty_rate"] / 100) == engine_day  # 0.075 % → 750 fen
    assert stated["multiplier"] == multiplier
    assert stated["penalty_rate"] / 100 == loan.daily_rate * stated["multiplier"]
    assert not any(phrase in text for phrase in ON_TOP)  # 1.5 × in all, not 2.5 ×
    assert stated["first_day"] == _first_penalty_day(loan.grace_days)
    assert stated["grace"] == loan.grace_days
    assert stated["daily_rate"] / 100 == loan.daily_rate
    assert stated["apr"] / 100 == loan_apr(loan)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_worked_example_with_other_parameters(language):
    # 0.04 %/day, multiplier 1.25, three grace days: 10,000.00 overdue costs 5.00 a day from
    # the fourth day after the due date, and the contract says so.
    schedule = LOAN_TERMS["schedule"]
    rows = [
        Row(
            r["number"],
            dt.date(2026, 3, 2) if r["number"] == 1 else dt.date(2026, 4, 2),
            dt.date.fromisoformat(r["due_date"]),
            r["principal"],
            r["interest"],
            r["principal"] + r["interest"],
            r["balance_after"],
        )
        for r in schedule
    ]
    apr = apr_for_schedule(1_234_567, dt.date(2026, 3, 2), rows)
    terms = {
        **LOAN_TERMS,
        "daily_rate": "0.0004",
        "apr": str(apr),
        "penalty_multiplier": "1.25",
        "penalty_daily_rate": "0.0005",
        "grace_days": 3,
    }
    stated, _text = _stated(terms, language)
    assert penalty_for_day(1_000_000, Decimal("0.0004"), Decimal("1.25")) == 500
    assert round(1_000_000 * stated["penalty_rate"] / 100) == 500
    assert stated["multiplier"] == Decimal("1.25")
    assert stated["first_day"] == _first_penalty_day(3) == 4
    assert stated["grace"] == 3
    assert stated["apr"] / 100 == apr


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_percent_prepayment_fee_is_stated_as_the_engine_charges_it(loan, language):
    terms = {**contract_of(loan.public_id).terms}
    terms.update(prepayment_fee_type="percent", prepayment_fee_value="0.01")
    _values, text = _stated(terms, language)
    product = replace(
        loan.product_version.terms(),
        prepayment_fee_type="percent",
        prepayment_fee_value=Decimal("0.01"),
    )
    pattern = (
        r"按提前偿还本金的([\d.]+)%" if language == "zh-hans" else r"prepayment fee of ([\d.]+)%"
    )
    stated = Decimal(re.search(pattern, text).group(1)) / 100
    assert round_fen(Decimal(500_000) * stated) == prepayment_fee(product, 500_000) == 5_000


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_interest_is_stated_on_actual_days_as_the_schedule_charges_it(loan, language):
    _values, text = _stated(contract_of(loan.public_id).terms, language)
    assert (
        "按实际天数对未偿本金计息" if language == "zh-hans" else "actual number of days"
    ) in text
    assert "-day year" not in text and "按年" not in text  # no day count enters a loan's interest
    first = loan.instalments.order_by("number").first()
    days = (first.due_date - first.start_date).days
    assert first.interest == round(loan.principal * loan.daily_rate * days)
