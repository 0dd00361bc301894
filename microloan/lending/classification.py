"""Days past due, the five-category loan classification and collection buckets (pure rules).

Days past due (DPD) count calendar days from the oldest unpaid instalment's due date to the
business date: 0 on the due date itself, 1 the day after (docs/servicing.md). Grace does NOT
change DPD. Grace (``grace_days``, 1 by default) only decides what a short delay costs: while
``1 ≤ dpd ≤ grace_days`` the loan is "in grace" — no penalty interest accrues and nothing
negative is reported to the credit bureau; from ``dpd > grace_days`` on, penalty accrues
(never retroactively for the grace days) and the delay is reportable. Classification follows
DPD as the regulation words it ("any days past due → at least special mention").
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from django.utils.translation import get_language

# The bounds are the regulation's; imported here too because end-of-day SQL builders and
# their tests read them from this module.
from microloan.kernel.regulation import (
    DOUBTFUL_MAX_DPD,
    SPECIAL_MENTION_MAX_DPD,
    SUBSTANDARD_MAX_DPD,
    bucket_index,
)


class Category(StrEnum):
    """Five-category loan classification (贷款五级分类)."""

    NORMAL = "normal"
    SPECIAL_MENTION = "special_mention"
    SUBSTANDARD = "substandard"
    DOUBTFUL = "doubtful"
    LOSS = "loss"

    @property
    def label_zh(self) -> str:
        return _CATEGORY_LABELS[self][0]

    @property
    def label_en(self) -> str:
        return _CATEGORY_LABELS[self][1]

    @property
    def label(self) -> str:
        """The label in the active language (Chinese unless English is active)."""
        return self.label_en if (get_language() or "").startswith("en") else self.label_zh

    @property
    def severity(self) -> int:
        """0 (normal) … 4 (loss), for "at least" comparisons."""
        return _SEVERITY.index(self)


_CATEGORY_LABELS = {
    Category.NORMAL: ("正常", "Normal"),
    Category.SPECIAL_MENTION: ("关注", "Special mention"),
    Category.SUBSTANDARD: ("次级", "Substandard"),
    Category.DOUBTFUL: ("可疑", "Doubtful"),
    Category.LOSS: ("损失", "Loss"),
}
_SEVERITY = list(Category)


class Bucket(StrEnum):
    """Collection buckets by DPD: M0 current, M1 1–30, M2 31–60, M3 61–90, M3+ over 90
    (bounds: kernel.regulation.BUCKET_MAX_DPD)."""

    M0 = "M0"
    M1 = "M1"
    M2 = "M2"
    M3 = "M3"
    M3_PLUS = "M3+"


def _check_dpd(dpd: int) -> None:
    if isinstance(dpd, bool) or not isinstance(dpd, int) or dpd < 0:
        raise ValueError(f"days past due must be a whole number ≥ 0, got {dpd!r}")


def days_past_due(oldest_unpaid_due_date: date | None, business_date: date) -> int:
    """Calendar days from the oldest unpaid due date to ``business_date``; 0 if none is due.

    0 on the due date and before it, 1 the day after. Grace days are not subtracted (see the
    module doc; use ``in_grace`` / ``penalty_accrues`` for what grace changes).
    """
    if oldest_unpaid_due_date is None:
        return 0
    return max((business_date - oldest_unpaid_due_date).days, 0)


def in_grace(dpd: int, grace_days: int) -> bool:
    """Late, but within grace: no penalty and no negative credit report for this delay yet."""
    _check_dpd(dpd)
    return 1 <= dpd <= grace_days


def penalty_accrues(dpd: int, grace_days: int) -> bool:
    """Penalty interest accrues for a day whose DPD (after that day's end of day) is this."""
    _check_dpd(dpd)
    return dpd > grace_days


def is_reportable_overdue(dpd: int, grace_days: int) -> bool:
    """The delay may be reported to the credit bureau (after telling the borrower first)."""
    return penalty_accrues(dpd, grace_days)


def classify(dpd: int, restructured: bool = False) -> Category:
    """Category by DPD: 0 normal, 1–90 special mention, 91–270 substandard, 271–360 doubtful,
    over 360 loss; a restructured loan is at least substandard."""
    _check_dpd(dpd)
    if dpd == 0:
        category = Category.NORMAL
    elif dpd <= SPECIAL_MENTION_MAX_DPD:
        category = Category.SPECIAL_MENTION
    elif dpd <= SUBSTANDARD_MAX_DPD:
        category = Category.SUBSTANDARD
    elif dpd <= DOUBTFUL_MAX_DPD:
        category = Category.DOUBTFUL
    else:
        category = Category.LOSS
    if restructured and category.severity < Category.SUBSTANDARD.severity:
        return Category.SUBSTANDARD
    return category


def bucket(dpd: int) -> Bucket:
    """Collection bucket of a loan ``dpd`` days past due."""
    _check_dpd(dpd)
    return _BUCKETS[bucket_index(dpd)]


_BUCKETS = tuple(Bucket)  # in kernel.regulation.bucket_index order
