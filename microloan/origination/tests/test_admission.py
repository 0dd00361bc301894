"""Admission rules at their boundaries, on the business date (pure: no database)."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microloan.kernel.errors import ValidationFailed
from microloan.origination.admission import (
    DEFAULT_THRESHOLDS,
    AdmissionFacts,
    age_on,
    evaluate_admission,
    validate_thresholds,
)

D = dt.date(2026, 3, 2)
FLOOR = DEFAULT_THRESHOLDS["min_monthly_income_fen"]


def facts(**changes):
    base = {
        "birth_date": dt.date(1990, 5, 17),
        "monthly_income_fen": 800_000,
        "id_expiry": dt.date(2035, 1, 1),
    }
    return AdmissionFacts(**{**base, **changes})


def codes(**changes):
    return evaluate_admission(facts(**changes), DEFAULT_THRESHOLDS, on=D).codes


@pytest.mark.parametrize(
    ("birth_date", "age", "expected"),
    [
        (dt.date(2008, 3, 3), 17, ("under_age",)),  # 18th birthday tomorrow
        (dt.date(2008, 3, 2), 18, ()),  # 18th birthday today counts
        (dt.date(1970, 3, 3), 55, ()),  # 56th birthday tomorrow: still 55
        (dt.date(1970, 3, 2), 56, ("over_age",)),  # 56 today
        (dt.date(2008, 2, 29), 18, ()),  # leap-day birthday: 18 on 1 March 2026
    ],
)
def test_age_range_on_the_business_date(birth_date, age, expected):
    assert age_on(birth_date, D) == age
    assert codes(birth_date=birth_date) == expected


@pytest.mark.parametrize(
    ("income", "expected"),
    [(FLOOR - 1, ("income_below_floor",)), (FLOOR, ()), (0, ("income_below_floor",))],
)
def test_income_floor(income, expected):
    assert codes(monthly_income_fen=income) == expected


@pytest.mark.parametrize(
    ("expiry", "expected"),
    [
        (D - dt.timedelta(days=1), ("id_expired",)),
        (D, ()),  # valid on its last day
        (D + dt.timedelta(days=1), ()),
        (None, ()),  # valid for life
    ],
)
def test_id_expiry_on_the_day(expiry, expected):
    assert codes(id_expiry=expiry) == expected


@pytest.mark.parametrize(
    ("existing", "expected"),
    [(19_999_999, ()), (20_000_000, ("credit_cap_reached",)), (0, ())],
)
def test_total_credit_cap(existing, expected):
    assert codes(existing_credit_fen=existing) == expected


def test_every_failure_is_reported_and_split_into_door_and_decision():
    result = evaluate_admission(
        facts(
            birth_date=dt.date(2010, 1, 1),
            monthly_income_fen=0,
            id_expiry=D - dt.timedelta(days=3),
            blacklisted=("device",),
            has_open_application=True,
            existing_credit_fen=20_000_000,
        ),
        DEFAULT_THRESHOLDS,
        on=D,
    )
    assert result.codes == (
        "under_age",
        "income_below_floor",
        "id_expired",
        "blacklisted",
        "open_application",
        "credit_cap_reached",
    )
    assert [f.code for f in result.door_refusals()] == ["under_age", "open_application"]
    assert result.decision_failures() == (
        "income_below_floor",
        "id_expired",
        "blacklisted",
        "credit_cap_reached",
    )
    assert not result.admitted


def test_thresholds_are_checked_every_problem_at_once():
    with pytest.raises(ValidationFailed) as refused:
        validate_thresholds({**DEFAULT_THRESHOLDS, "min_age": 17, "max_age": "60", "extra": 1})
    assert set(refused.value.fields) == {"changes.min_age", "changes.max_age", "changes.extra"}
    with pytest.raises(ValidationFailed) as inverted:
        validate_thresholds({**DEFAULT_THRESHOLDS, "min_age": 30, "max_age": 25})
    assert set(inverted.value.fields) == {"changes.max_age"}
    assert validate_thresholds(DEFAULT_THRESHOLDS) == DEFAULT_THRESHOLDS


def test_reason_texts_are_translated():
    from django.utils import translation

    from microloan.origination.reasons import explained

    with translation.override("zh-hans"):
        assert explained(["identity_failed", "velocity_device_1h"]) == [
            {"code": "identity_failed", "text": "身份无法核实。"},
            {"code": "velocity_device_1h", "text": "申请未通过审核。"},
        ]
    with translation.override("en"):
        assert explained(["admission_id_expired"])[0]["text"].startswith("The ID card has expired")


@given(
    birth=st.dates(min_value=dt.date(1940, 1, 1), max_value=dt.date(2020, 12, 31)),
    on=st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2040, 12, 31)),
    income=st.integers(min_value=0, max_value=10_000_000),
)
def test_admission_agrees_with_the_age_and_income_it_is_given(birth, on, income):
    found = evaluate_admission(
        facts(birth_date=birth, monthly_income_fen=income, id_expiry=None),
        DEFAULT_THRESHOLDS,
        on=on,
    ).codes
    age = age_on(birth, on)
    assert ("under_age" in found) == (age < 18)
    assert ("over_age" in found) == (age > 55)
    assert ("income_below_floor" in found) == (income < FLOOR)
    # A person is one year older exactly on their birthday, never earlier.
    assert age_on(birth, on + dt.timedelta(days=1)) - age in (0, 1)


def test_the_state_machine_never_leaves_a_final_state():
    from microloan.origination.models import OPEN_STATES, ApplicationState
    from microloan.origination.services.common import TRANSITIONS

    final = set(ApplicationState.values) - {s.value for s in OPEN_STATES}
    # The one way back: the applicant asks a person to review an automated refusal (PIPL 24).
    assert {state: TRANSITIONS[state] for state in final & set(TRANSITIONS)} == {
        "auto_rejected": frozenset({"initial_review"})
    }
    reachable = set().union(*TRANSITIONS.values())
    assert reachable == set(ApplicationState.values)
