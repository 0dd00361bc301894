"""Analytics pages render their charts as inline SVG, in English and Chinese, refuse bad
filters with 422 and users without reports.view_reports with 403."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from microloan.accounts.roles import COLLECTOR, RISK_ANALYST
from microloan.accounts.testing import make_staff
from microloan.kernel.services import set_initial_business_date
from microloan.reports import svg

pytestmark = [pytest.mark.django_db, pytest.mark.urls("microloan.reports.tests.urls")]
PAGES = ["/reports/", "/reports/roll-rates/", "/reports/vintages/", "/reports/recovery/"]


@pytest.fixture
def analyst_client():
    set_initial_business_date(dt.date(2026, 4, 15))
    client = Client()
    client.force_login(make_staff(role=RISK_ANALYST))
    return client


@pytest.mark.parametrize("path", PAGES)
def test_pages_render_with_svg_charts_and_the_nav_entry(analyst_client, snapshot, month_ends, path):
    response = analyst_client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    if path != "/reports/roll-rates/":  # the roll-rate page is a heat-map table
        assert re.search(r'<svg class="chart"[^>]*role="img"', html)
    else:
        assert 'class="dense heatmap"' in html and "background: rgb(255," in html
    assert ">Analytics</a>" in html
    # No script or style from elsewhere (a random CSRF token may well contain "cdn").
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_pages_speak_chinese(analyst_client, snapshot, month_ends):
    client = analyst_client
    client.cookies["django_language"] = "zh-hans"
    html = client.get("/reports/vintages/").content.decode()
    assert "账龄" in html  # "Vintages"
    html = client.get("/reports/").content.decode()
    assert "资产组合" in html and "逾期" in html


def test_the_overview_draws_overdue_buckets_and_the_vintage_page_its_curve(
    analyst_client, snapshot, month_ends
):
    html = analyst_client.get("/reports/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert html.count('class="bar"') == 2  # M1 and M3+ on the one snapshot date
    html = analyst_client.get("/reports/vintages/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert html.count('<polyline class="series"') == 1  # the January 2026 vintage


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/reports/", {"date": "2026-02-30"}),
        ("/reports/roll-rates/", {"from_month": "2026-04", "to_month": "2026-01"}),
        ("/reports/vintages/", {"metric": "45+"}),
        ("/reports/recovery/", {"month": "2099-01"}),
    ],
)
def test_bad_filters_are_shown_with_422(analyst_client, path, query):
    response = analyst_client.get(path, query)
    assert response.status_code == 422
    assert 'role="alert"' in response.content.decode()


@pytest.mark.parametrize("path", PAGES)
def test_a_user_without_view_reports_gets_403(path):
    client = Client()
    client.force_login(make_staff(role=COLLECTOR))
    assert client.get(path).status_code == 403
    assert Client().get(path).status_code == 302  # not signed in: to the login page


def test_svg_helpers_escape_labels_and_scale_to_a_nice_maximum():
    chart = svg.line_chart(
        title="<script>",
        series=[svg.Series("a&b", [(0, 0), (1, 37), (2, None)])],
        x_label="MOB",
        y_label="%",
    )
    assert "<script>" not in chart and "&lt;script&gt;" in chart and "a&amp;b" in chart
    assert chart.count("<circle") == 2  # no point where there is no value
    assert [svg.nice_ceiling(v) for v in (0, 0.7, 37, 100, 101, 2400)] == [1, 1, 50, 100, 200, 2500]
    bars = svg.stacked_bars(
        title="t", categories=["x", "y"], stacks=[svg.Stack("s", [1, 0])], y_label="n"
    )
    assert bars.count('class="bar"') == 1
    with pytest.raises(ValueError):
        svg.stacked_bars(title="t", categories=["x"], stacks=[svg.Stack("s", [-1])], y_label="n")
    assert svg.heat_colour(None) == svg.heat_colour(0) == "#ffffff"
