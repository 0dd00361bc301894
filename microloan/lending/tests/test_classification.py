"""DPD, grace, five-category classification and collection buckets at every boundary day."""

from datetime import date, timedelta

import pytest
from django.utils import translation

from microloan.lending.classification import (
    Bucket,
    Category,
    bucket,
    classify,
    days_past_due,
    in_grace,
    is_reportable_overdue,
    penalty_accrues,
)

DUE = date(2026, 1, 31)

BOUNDARIES = [
    # dpd, category, category when restructured, bucket
    (0, Category.NORMAL, Category.SUBSTANDARD, Bucket.M0),
    (1, Category.SPECIAL_MENTION, Category.SUBSTANDARD, Bucket.M1),
    (30, Category.SPECIAL_MENTION, Category.SUBSTANDARD, Bucket.M1),
    (31, Category.SPECIAL_MENTION, Category.SUBSTANDARD, Bucket.M2),
    (60, Category.SPECIAL_MENTION, Category.SUBSTANDARD, Bucket.M2),
    (61, Category.SPECIAL_MENTION, Category.SUBSTANDARD, Bucket.M3),
    (90, Category.SPECIAL_MENTION, Category.SUBSTANDARD, Bucket.M3),
    (91, Category.SUBSTANDARD, Category.SUBSTANDARD, Bucket.M3_PLUS),
    (270, Category.SUBSTANDARD, Category.SUBSTANDARD, Bucket.M3_PLUS),
    (271, Category.DOUBTFUL, Category.DOUBTFUL, Bucket.M3_PLUS),
    (360, Category.DOUBTFUL, Category.DOUBTFUL, Bucket.M3_PLUS),
    (361, Category.LOSS, Category.LOSS, Bucket.M3_PLUS),
    (2000, Category.LOSS, Category.LOSS, Bucket.M3_PLUS),
]


@pytest.mark.parametrize(("dpd", "category", "restructured_category", "collection"), BOUNDARIES)
def test_boundaries(dpd, category, restructured_category, collection):
    assert classify(dpd) is category
    assert classify(dpd, restructured=False) is category
    assert classify(dpd, restructured=True) is restructured_category
    assert bucket(dpd) is collection


@pytest.mark.parametrize("dpd", [0, 1, 30, 31, 60, 61, 90, 91, 270, 271, 360, 361])
def test_dpd_counts_days_from_the_oldest_unpaid_due_date(dpd):
    assert days_past_due(DUE, DUE + timedelta(days=dpd)) == dpd


@pytest.mark.parametrize(
    ("oldest", "business_date", "dpd"),
    [
        (None, date(2026, 5, 1), 0),  # nothing unpaid and due
        (DUE, DUE - timedelta(days=3), 0),  # not due yet
        (date(2026, 2, 28), date(2026, 3, 1), 1),  # across a month end
        (date(2024, 2, 28), date(2024, 3, 1), 2),  # leap year
        (date(2025, 12, 31), date(2026, 12, 31), 365),
    ],
)
def test_dpd_edge_dates(oldest, business_date, dpd):
    assert days_past_due(oldest, business_date) == dpd


@pytest.mark.parametrize(
    ("dpd", "grace_days", "grace", "penalty"),
    [
        (0, 1, False, False),
        (1, 1, True, False),  # paid by the end of the day after the due date: no penalty
        (2, 1, False, True),
        (1, 0, False, True),  # no grace: penalty from the first day past due
        (3, 3, True, False),
        (4, 3, False, True),
    ],
)
def test_grace_changes_penalty_and_reporting_not_dpd(dpd, grace_days, grace, penalty):
    assert in_grace(dpd, grace_days) is grace
    assert penalty_accrues(dpd, grace_days) is penalty
    assert is_reportable_overdue(dpd, grace_days) is penalty
    # Even in grace the loan is past due and at least special mention.
    if dpd:
        assert classify(dpd) is Category.SPECIAL_MENTION


@pytest.mark.parametrize("bad", [-1, 1.0, True, "3", None])
def test_bad_dpd_is_refused(bad):
    for rule in (classify, bucket):
        with pytest.raises(ValueError):
            rule(bad)
    with pytest.raises(ValueError):
        in_grace(bad, 1)


@pytest.mark.parametrize(
    ("category", "zh", "en"),
    [
        (Category.NORMAL, "正常", "Normal"),
        (Category.SPECIAL_MENTION, "关注", "Special mention"),
        (Category.SUBSTANDARD, "次级", "Substandard"),
        (Category.DOUBTFUL, "可疑", "Doubtful"),
        (Category.LOSS, "损失", "Loss"),
    ],
)
def test_labels_in_both_languages(category, zh, en):
    assert (category.label_zh, category.label_en) == (zh, en)
    with translation.override("zh-hans"):
        assert category.label == zh
    with translation.override("en"):
        assert category.label == en


def test_category_values_are_the_stored_strings():
    assert [c.value for c in Category] == [
        "normal",
        "special_mention",
        "substandard",
        "doubtful",
        "loss",
    ]
    assert [b.value for b in Bucket] == ["M0", "M1", "M2", "M3", "M3+"]
