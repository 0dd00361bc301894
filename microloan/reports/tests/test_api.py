"""Analytics API over HTTP: numbers out, bad input 422 with the field, roles without
reports.view_reports 403, no token 401. Nothing is ever written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from microloan.accounts.roles import COLLECTOR, MARKETING, RISK_ANALYST
from microloan.accounts.testing import bearer, make_staff, make_staff_token
from microloan.batch.models import PortfolioSnapshot
from microloan.kernel.services import set_initial_business_date
from microloan.reports.models import LoanMonthEnd

pytestmark = [pytest.mark.django_db, pytest.mark.urls("microloan.reports.tests.urls")]
BASE = "/api/v1/reports"
TODAY = dt.date(2026, 4, 15)
ROUTES = ["/portfolio", "/dpd-buckets", "/roll-rates", "/vintages", "/recovery"]


@pytest.fixture
def analyst():
    set_initial_business_date(TODAY)
    return bearer(make_staff_token(make_staff(role=RISK_ANALYST)))


def _get(headers, path, **query):
    return Client().get(f"{BASE}{path}", query, **headers)


def test_portfolio_and_buckets_give_yuan_and_percent_strings(analyst, snapshot):
    body = _get(analyst, "/portfolio", date="2026-03-31").json()
    assert body["date"] == "2026-03-31" and body["principal"] == "1000.00" and body["loans"] == 10
    assert [(g["key"], g["principal"], g["principal_share"]) for g in body["by_product"]] == [
        ("WLD", "750.00", "75.00"),
        ("WLDE", "250.00", "25.00"),
    ]
    assert [g["key"] for g in body["by_category"]][:3] == [
        "normal",
        "special_mention",
        "substandard",
    ]
    latest = _get(analyst, "/dpd-buckets").json()  # no date: the latest snapshot
    assert latest["date"] == "2026-03-31"
    assert [(g["key"], g["loans"], g["loans_share"]) for g in latest["buckets"]] == [
        ("current", 6, "60.00"),
        ("M1", 2, "20.00"),
        ("M2", 0, "0.00"),
        ("M3", 0, "0.00"),
        ("M3+", 2, "20.00"),
    ]


def test_roll_rates_vintages_and_recovery(analyst, month_ends):
    rates = _get(analyst, "/roll-rates", from_month="2026-02", to_month="2026-03").json()
    assert rates["from_month"] == "2026-02" and len(rates["months"]) == 1
    m1 = next(row for row in rates["pooled"] if row["from_bucket"] == "M1")
    assert [(c["to_state"], c["loans_pct"]) for c in m1["cells"] if c["loans"]] == [
        ("M2", "100.00")
    ]
    default = _get(analyst, "/roll-rates").json()  # the last two month ends
    assert (default["from_month"], default["to_month"]) == ("2026-02", "2026-03")

    for metric in ("30+", "30 ", "30"):  # "+" arrives as a space when not encoded
        body = _get(analyst, "/vintages", metric=metric).json()
        assert body["metric"] == "30+"
    (curve,) = body["curves"]
    assert (curve["vintage"], curve["loans"], curve["principal"]) == ("2026-01", 2, "800.00")
    # MOB 2 (March): the second loan, 51 days past due with 30000 → 37.50 % of 80000, 1 of 2.
    assert [(p["months_on_book"], p["principal_pct"], p["loans_pct"]) for p in curve["points"]] == [
        (1, "0.00", "0.00"),
        (2, "37.50", "50.00"),
    ]
    ninety = _get(analyst, "/vintages", metric="90+").json()
    assert ninety["metric"] == "90+"
    assert [p["principal_pct"] for p in ninety["curves"][0]["points"]] == ["0.00", "0.00"]

    recovery = _get(analyst, "/recovery", month="2026-03").json()
    m1_recovery = next(r for r in recovery["rows"] if r["bucket"] == "M1")
    assert m1_recovery == {
        "bucket": "M1",
        "loans": 1,
        "overdue_amount": "20.00",
        "collected": "0.00",
        "recovered": "0.00",
        "rate": "0.00",
    }
    assert next(r for r in recovery["rows"] if r["bucket"] == "M2")["rate"] is None


@pytest.mark.parametrize(
    ("path", "query", "fields"),
    [
        ("/portfolio", {"date": "2026-13-01"}, {"date"}),
        ("/portfolio", {"date": "31/03/2026"}, {"date"}),
        ("/portfolio", {"date": "2026-W13-2"}, {"date"}),  # ISO, but not a plain date
        ("/portfolio", {"date": "20260331"}, {"date"}),
        ("/dpd-buckets", {"date": "2026-04-16"}, {"date"}),  # after the business date
        (
            "/roll-rates",
            {"from_month": "2026-3", "to_month": "2026-05"},
            {"from_month", "to_month"},
        ),
        ("/roll-rates", {"from_month": "2026-03", "to_month": "2026-02"}, {"to_month"}),
        ("/roll-rates", {"from_month": "2023-01", "to_month": "2026-02"}, {"to_month"}),
        ("/vintages", {"metric": "60+"}, {"metric"}),
        ("/vintages", {"metric": "x" * 9}, {"metric"}),  # too long for the schema
        ("/recovery", {"month": "2026-05"}, {"month"}),
        ("/recovery", {"month": "2026-00"}, {"month"}),
    ],
)
def test_bad_input_is_422_naming_every_bad_field(analyst, month_ends, path, query, fields):
    before = LoanMonthEnd.objects.count(), PortfolioSnapshot.objects.count()
    response = _get(analyst, path, **query)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "validation_failed"
    assert {key.split(".")[-1] for key in body["fields"]} == fields
    assert (LoanMonthEnd.objects.count(), PortfolioSnapshot.objects.count()) == before


@pytest.mark.parametrize("path", ROUTES)
def test_a_role_without_view_reports_is_refused(analyst, path):
    collector = bearer(make_staff_token(make_staff(role=COLLECTOR)))
    assert _get(collector, path).status_code == 403
    assert _get({}, path).status_code == 401
    marketing = bearer(make_staff_token(make_staff(role=MARKETING)))
    assert _get(marketing, path).status_code == 200


@pytest.mark.parametrize("path", ROUTES)
def test_an_empty_database_answers_with_empty_figures(analyst, path):
    assert _get(analyst, path).status_code == 200
