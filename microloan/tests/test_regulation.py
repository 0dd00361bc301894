"""The rules of kernel.regulation at their boundaries, and that nothing else re-defines them."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest

import microloan
from microloan.collections.domain import conduct_refusals
from microloan.kernel import regulation as reg
from microloan.lending.classification import Bucket, Category, bucket, classify
from microloan.lending.eod.sql import bucket_case, category_case
from microloan.origination.admission import DEFAULT_THRESHOLDS, THRESHOLD_BOUNDS
from microloan.products.domain import default_weilidai_terms, validate_product_terms
from microloan.reports.analytics import bucket_of

ROOT = Path(microloan.__file__).parent


@pytest.mark.parametrize(
    ("dpd", "index", "lending", "reports"),
    [
        (0, 0, Bucket.M0, "current"),
        (1, 1, Bucket.M1, "M1"),
        (30, 1, Bucket.M1, "M1"),
        (31, 2, Bucket.M2, "M2"),
        (60, 2, Bucket.M2, "M2"),
        (61, 3, Bucket.M3, "M3"),
        (90, 3, Bucket.M3, "M3"),
        (91, 4, Bucket.M3_PLUS, "M3+"),
        (10_000, 4, Bucket.M3_PLUS, "M3+"),
    ],
)
def test_dpd_buckets_at_their_bounds_under_both_naming_schemes(dpd, index, lending, reports):
    assert reg.bucket_index(dpd) == index
    assert bucket(dpd) == lending
    assert bucket_of(dpd) == reports


@pytest.mark.parametrize(
    ("dpd", "restructured", "category"),
    [
        (0, False, Category.NORMAL),
        (1, False, Category.SPECIAL_MENTION),
        (90, False, Category.SPECIAL_MENTION),
        (91, False, Category.SUBSTANDARD),
        (270, False, Category.SUBSTANDARD),
        (271, False, Category.DOUBTFUL),
        (360, False, Category.DOUBTFUL),
        (361, False, Category.LOSS),
        (0, True, Category.SUBSTANDARD),
        (90, True, Category.SUBSTANDARD),
        (271, True, Category.DOUBTFUL),
    ],
)
def test_five_categories_at_their_bounds(dpd, restructured, category):
    assert classify(dpd, restructured) == category


def test_the_sql_builders_agree_with_the_python_rules_at_every_bound():
    import sqlite3

    bounds = sorted(
        {0, 1, *reg.BUCKET_MAX_DPD, *(b + 1 for b in reg.BUCKET_MAX_DPD)}
        | {reg.SPECIAL_MENTION_MAX_DPD, reg.SUBSTANDARD_MAX_DPD, reg.DOUBTFUL_MAX_DPD}
        | {reg.SPECIAL_MENTION_MAX_DPD + 1, reg.SUBSTANDARD_MAX_DPD + 1, reg.DOUBTFUL_MAX_DPD + 1}
    )
    db = sqlite3.connect(":memory:")
    for dpd in bounds:
        for restructured in (0, 1):
            sql = f"SELECT {category_case(str(dpd), str(restructured))}, {bucket_case(str(dpd))}"
            got = db.execute(sql).fetchone()
            assert got == (str(classify(dpd, bool(restructured))), str(bucket(dpd))), dpd


@pytest.mark.parametrize(
    ("time", "allowed"),
    [
        (dt.time(7, 59, 59), False),
        (dt.time(8, 0), True),
        (dt.time(20, 59, 59), True),
        (dt.time(21, 0), False),
        (dt.time(22, 0), False),
        (dt.time(0, 0), False),
    ],
)
def test_contact_hours(time, allowed):
    assert reg.within_contact_hours(time) is allowed
    # Inside the regulation's own window (no contact 22:00–08:00).
    assert reg.QUIET_HOURS_UNTIL <= reg.CONTACT_FROM < reg.CONTACT_UNTIL <= reg.QUIET_HOURS_FROM


@pytest.mark.parametrize(
    ("attempts_today", "refused"),
    [(reg.MAX_DAILY_CONTACT_ATTEMPTS - 1, False), (reg.MAX_DAILY_CONTACT_ATTEMPTS, True)],
)
def test_daily_contact_attempts(attempts_today, refused):
    from microloan.collections.domain import ContactCheck

    check = ContactCheck(
        local=dt.datetime(2026, 3, 2, 10, 0),
        attempts_today=attempts_today,
        channel="visit",
        number_index="",
        borrower_number_index="",
        collector_pk=1,
        assigned_collector_pk=1,
    )
    assert ("daily_attempts_exceeded" in conduct_refusals(check)) is refused


@pytest.mark.parametrize(
    ("change", "field", "ok"),
    [
        ({"max_line_limit": reg.CREDIT_CAP_PER_BORROWER_FEN}, "max_line_limit", True),
        ({"max_line_limit": reg.CREDIT_CAP_PER_BORROWER_FEN + 1}, "max_line_limit", False),
        ({"penalty_multiplier": reg.PENALTY_MULTIPLIER_MIN}, "penalty_multiplier", True),
        ({"penalty_multiplier": reg.PENALTY_MULTIPLIER_MAX}, "penalty_multiplier", True),
        ({"penalty_multiplier": Decimal("0.9999")}, "penalty_multiplier", False),
        ({"penalty_multiplier": Decimal("2.0001")}, "penalty_multiplier", False),
        ({"grace_days": 0}, "grace_days", True),
        ({"grace_days": reg.GRACE_DAYS_MAX}, "grace_days", True),
        ({"grace_days": reg.GRACE_DAYS_MAX + 1}, "grace_days", False),
        ({"line_validity_months": reg.MAX_LINE_VALIDITY_MONTHS}, "line_validity_months", True),
        ({"line_validity_months": 13}, "line_validity_months", False),
    ],
)
def test_product_terms_are_checked_against_the_regulation(change, field, ok):
    import dataclasses

    terms = dataclasses.replace(default_weilidai_terms(), **change)
    assert (field not in validate_product_terms(terms)) is ok


def test_the_apr_cap_and_the_product_defaults():
    from microloan.products.domain import ProductTerms, worst_case_apr

    assert Decimal("0.24") == reg.APR_CAP
    defaults = default_weilidai_terms()
    assert worst_case_apr(defaults) <= reg.APR_CAP
    assert ProductTerms.penalty_multiplier == reg.PENALTY_MULTIPLIER_DEFAULT == Decimal("1.5")
    assert ProductTerms.grace_days == reg.GRACE_DAYS_DEFAULT == 1


def test_admission_policy_defaults_and_bounds_come_from_the_regulation():
    assert DEFAULT_THRESHOLDS["min_age"] == reg.ADMISSION_MIN_AGE_DEFAULT == 18
    assert DEFAULT_THRESHOLDS["max_age"] == reg.ADMISSION_MAX_AGE_DEFAULT
    assert DEFAULT_THRESHOLDS["max_total_credit_fen"] == reg.CREDIT_CAP_PER_BORROWER_FEN
    assert THRESHOLD_BOUNDS["min_age"] == THRESHOLD_BOUNDS["max_age"] == reg.ADMISSION_AGE_BOUNDS
    assert THRESHOLD_BOUNDS["max_total_credit_fen"][1] == reg.CREDIT_CAP_PER_BORROWER_FEN
    low, high = reg.ADMISSION_AGE_BOUNDS
    assert low <= reg.ADMISSION_MIN_AGE_DEFAULT <= reg.ADMISSION_MAX_AGE_DEFAULT <= high


# --- one definition each --------------------------------------------------------------------

# Literal spellings of the rules; outside regulation.py they may appear only in tests,
# migrations (frozen history), the demo data generator and comments/docstrings.
_COPIES = {
    "credit cap": re.compile(r"\b20_?000_?000\b"),
    "APR cap": re.compile(r"""Decimal\(["']0\.24["']\)"""),
    "contact hours": re.compile(r"\btime\(\s*(8|21|22)\s*,\s*0\s*\)"),
    "bucket bounds": re.compile(r"dpd\}?\s*<=\s*(30|60|90)\b"),
    "classification bounds": re.compile(r"^\s*\w*_MAX_DPD\s*=\s*\d"),
    "penalty multiplier bounds": re.compile(r"^\s*PENALTY_MULTIPLIER_\w+[\w\s,]*=[^=]"),
}
_EXEMPT_PARTS = {"tests", "migrations", "demo"}


def _code_lines(path: Path):
    """(line number, line) of ``path`` outside docstrings and comments."""
    in_docstring = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        stripped = line.strip()
        quotes = stripped.count('"""')
        if in_docstring:
            in_docstring = quotes % 2 == 0
            continue
        if stripped.startswith('"""'):
            in_docstring = quotes % 2 == 1
            continue
        yield number, line.split("#", 1)[0]


@pytest.mark.parametrize(
    "line",
    [
        "TOTAL_CREDIT_CAP = 20_000_000",
        '    "max_total_credit_fen": (1, 20000000),',
        'APR_CAP = Decimal("0.24")',
        "CONTACT_UNTIL = dt.time(21, 0)",
        "        f\" WHEN {dpd} <= 30 THEN 'M1'\"",
        "SUBSTANDARD_MAX_DPD = 270",
        "PENALTY_MULTIPLIER_MIN, PENALTY_MULTIPLIER_MAX = Decimal(1), Decimal(2)",
    ],
)
def test_the_copy_finder_sees_the_old_spellings(line):
    assert any(pattern.search(line) for pattern in _COPIES.values())


def test_no_module_outside_regulation_redefines_a_rule():
    copies = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if _EXEMPT_PARTS & set(relative.parts) or relative == Path("kernel/regulation.py"):
            continue
        if relative.name == "testing.py":  # test helpers kept in packages (moving elsewhere)
            continue
        for number, line in _code_lines(path):
            for rule, pattern in _COPIES.items():
                if pattern.search(line):
                    copies.append(f"{relative}:{number}: {rule}: {line.strip()}")
    assert not copies, "rules defined outside kernel/regulation.py:\n" + "\n".join(copies)
