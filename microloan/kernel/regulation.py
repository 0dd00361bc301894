"""The regulatory and house rules every app applies, each defined once (pure: no ORM, no clock).

Validators (products, lending, origination, risk), end-of-day SQL builders, reports and the
collections conduct check import these names; nothing else in the tree spells the numbers
(``microloan/tests/test_regulation.py`` greps for copies). Money is integer fen.

Fixed rules and versioned choices: where a rule is a hard limit set by regulation it is a
constant here (the credit cap, the APR cap, the quiet hours). Where the lender may choose a
value inside that limit and the choice is versioned data (a product's penalty multiplier and
grace days, an admission policy's ages and credit cap), this module gives the *bounds* the
choice is checked against and the *default* a new version starts from; the approved version
row holds the value in force. So ``min_age`` in force is read from the active admission
policy, while ``ADMISSION_AGE_BOUNDS`` says what any policy may set it to.

Sources (design: "Regulatory defaults"):

- Credit cap: unsecured consumer credit to one borrower ≤ 200,000 CNY in total (Interim
  Measures for the Administration of Internet Loans of Commercial Banks, 2020).
- APR cap: all interest and fees, IRR method (PBoC announcement 2021 No. 3), ≤ 24 % a year:
  the line up to which the SPC Provisions on Private Lending (2015, art. 26) protect interest,
  applied to online lending by the 2017 cash-loan notice; the 2015 provisions void anything
  above 36 %, which the 24 % cap keeps well clear of, so only 24 % is enforced.
- Penalty (house terms; interest, penalty and fees together stay under the 24 % line, SPC
  2015 art. 30): overdue principal × daily rate × a multiplier, 1.5 × in all by default, from
  1 to 2; one grace day by default (the product chooses 0–30).
- Five-category classification (Measures for the Risk Classification of Financial Assets of
  Commercial Banks, 2023): any days past due → at least special mention; > 90 substandard;
  > 270 doubtful; > 360 loss; a restructured loan at least substandard.
- Collection buckets by days past due: M0 current, M1 1–30, M2 31–60, M3 61–90, M3+ over 90
  (the industry convention; collections, reports and end of day all use these bounds).
- Collection conduct: no contact 22:00–08:00 borrower local time (banking association
  collection guidelines); the house stops at 21:00; at most three effective contacts a day,
  the lender and its agencies together.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

# --- credit ------------------------------------------------------------------------------------

CREDIT_CAP_PER_BORROWER_FEN = 20_000_000
"""200,000.00 CNY: the open credit lines of one borrower together never exceed this."""

MAX_LINE_VALIDITY_MONTHS = 12
"""A credit line is re-approved at least yearly."""

APR_CAP = Decimal("0.24")
"""The highest APR (IRR method, all interest and fees) a product may ever charge: 24 %."""

# --- penalty interest (product terms choose within these) --------------------------------------

PENALTY_MULTIPLIER_DEFAULT = Decimal("1.5")
"""Total daily charge on overdue principal as a multiple of the contract daily rate."""
PENALTY_MULTIPLIER_MIN = Decimal(1)
PENALTY_MULTIPLIER_MAX = Decimal(2)
GRACE_DAYS_DEFAULT = 1
"""Paid by the end of the day after the due date: no penalty, nothing reported."""
GRACE_DAYS_MAX = 30

# --- five-category classification: upper DPD bound (inclusive) of each category below loss ----

SPECIAL_MENTION_MAX_DPD = 90
SUBSTANDARD_MAX_DPD = 270
DOUBTFUL_MAX_DPD = 360

# --- collection buckets ------------------------------------------------------------------------

BUCKET_MAX_DPD = (0, 30, 60, 90)
"""Upper DPD bound (inclusive) of buckets M0, M1, M2, M3; anything above is M3+."""
BUCKET_COUNT = len(BUCKET_MAX_DPD) + 1


def bucket_index(dpd: int) -> int:
    """0 for M0 (current), 1 for M1 (1–30), 2 M2 (31–60), 3 M3 (61–90), 4 M3+ (over 90).

    A negative DPD counts as current. Each app names the buckets its own way (lending's
    ``Bucket``, reports' ``current``/``M1``…); the bounds are these.
    """
    for index, upper in enumerate(BUCKET_MAX_DPD):
        if dpd <= upper:
            return index
    return len(BUCKET_MAX_DPD)


# --- collection conduct ------------------------------------------------------------------------

QUIET_HOURS_FROM = dt.time(22, 0)
QUIET_HOURS_UNTIL = dt.time(8, 0)
"""Regulation: no collection contact 22:00–08:00 borrower local time."""
CONTACT_FROM = dt.time(8, 0)
CONTACT_UNTIL = dt.time(21, 0)
"""House rule inside the regulation: contact from 08:00 inclusive to 21:00 exclusive."""
MAX_DAILY_CONTACT_ATTEMPTS = 3
"""Per borrower and borrower-local day, every collector, agency and case together."""


def within_contact_hours(local_time: dt.time) -> bool:
    """May a borrower be contacted at this borrower-local time of day?"""
    return CONTACT_FROM <= local_time < CONTACT_UNTIL


# --- admission (versioned policy rows choose within these) -------------------------------------

ADMISSION_MIN_AGE_DEFAULT = 18
"""Legal capacity to contract; no policy may admit anyone younger."""
ADMISSION_MAX_AGE_DEFAULT = 55
"""Keeps a 20-month loan inside the usual working life."""
ADMISSION_AGE_BOUNDS = (18, 70)
"""What a policy's ``min_age`` and ``max_age`` may be set to, inclusive."""
