"""Back-office pages: the checks list with its signals and filters, the approval queue."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import NoReverseMatch, include, path, reverse

from microloan.risk.models import EarlyWarningAction, EarlyWarningPolicy
from microloan.risk.postloan.rules import DEFAULT_THRESHOLDS
from microloan.risk.tests.postloan_book import draw, open_line, run_hook, staff_with, start_book
from microloan.urls import urlpatterns as project_urlpatterns


def _mounted(namespace: str) -> bool:
    def walk(patterns):
        for pattern in patterns:
            if getattr(pattern, "namespace", None) == namespace:
                return True
            if hasattr(pattern, "url_patterns") and walk(pattern.url_patterns):
                return True
        return False

    return walk(project_urlpatterns)


urlpatterns = [
    *(
        []
        if _mounted("risk_postloan")
        else [path("risk/postloan/", include("microloan.risk.postloan.urls"))]
    ),
    *project_urlpatterns,
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def url(name, *args):
    """The page ``name`` wherever it is mounted (nested in risk's urls, or on its own)."""
    try:
        return reverse(f"risk:risk_postloan:{name}", args=args)
    except NoReverseMatch:
        return reverse(f"risk_postloan:{name}", args=args)


ANALYST_PERMS = (
    "risk.view_postloancheck",
    "risk.view_earlywarningaction",
    "risk.approve_earlywarningaction",
    "lending.view_creditline",
)


@pytest.fixture
def book(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    version = start_book(dt.date(2026, 4, 1))
    EarlyWarningPolicy.objects.create(
        version=1,
        thresholds={**DEFAULT_THRESHOLDS, "reduce_below_score": 1000, "freeze_below_score": 0,
                    "mild_cut_percent": 40, "severe_cut_percent": 40},
    )  # fmt: skip
    line = open_line(version, "cust_page")
    draw(line)
    run_hook()
    return line


def logged_in(*perms):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(staff_with(*perms))
    return client


def test_checks_page_lists_and_filters(book):
    client = logged_in(*ANALYST_PERMS)
    page = client.get(url("checks"))
    assert page.status_code == 200
    html = page.content.decode()
    assert book.public_id in html and "score_below_reduce" in html
    assert book.public_id not in client.get(url("checks") + "?decision=freeze").content.decode()
    bad = client.get(url("checks") + "?business_date=nope")
    assert bad.status_code == 422


def test_actions_page_approves_with_csrf_form(book):
    client = logged_in(*ANALYST_PERMS)
    action = EarlyWarningAction.objects.get(status="pending")
    page = client.get(url("actions"))
    assert page.status_code == 200 and action.public_id in page.content.decode()
    decided = client.post(
        url("action_decide", action.public_id),
        {"decision": "approve", "note": "fine"},
    )
    assert decided.status_code == 302
    action.refresh_from_db()
    assert action.status == "applied"
    again = client.post(url("action_decide", action.public_id), {"decision": "reject"})
    assert again.status_code == 409


def test_pages_need_their_permissions(book):
    client = logged_in("risk.view_postloancheck")
    assert client.get(url("checks")).status_code == 200
    assert client.get(url("actions")).status_code == 403
    action = EarlyWarningAction.objects.get(status="pending")
    refused = client.post(url("action_decide", action.public_id), {"decision": "approve"})
    assert refused.status_code == 403
    assert EarlyWarningAction.objects.get(pk=action.pk).status == "pending"
    anonymous = Client().get(url("checks"))
    assert anonymous.status_code == 302


def _policy_form(**changes) -> dict:
    """The draft form as a person sends it: the values in force, ``changes`` typed over."""
    data = {
        name: ("on" if value is True else "" if value is False else value)
        for name, value in DEFAULT_THRESHOLDS.items()
    }
    data["min_limit"] = f"{DEFAULT_THRESHOLDS['min_limit'] / 100:.2f}"
    data["note"] = ""
    data.update(changes)
    return {name: value for name, value in data.items() if value != ""}


POLICY_PERMS = ("risk.view_earlywarningpolicy", "risk.add_earlywarningpolicy")


def test_a_policy_draft_from_the_page_waits_for_another_person(db):
    maker = logged_in(*POLICY_PERMS)
    page = maker.get(url("policies"))
    assert page.status_code == 200 and "v1" in page.content.decode()

    assert 'name="mild_cut_percent"' in page.content.decode()  # one input per threshold
    assert 'value="20"' in page.content.decode()  # the value in force

    bad = maker.post(url("policy_draft"), _policy_form(mild_cut_percent="abc"))
    html = bad.content.decode()
    assert bad.status_code == 422 and 'value="abc"' in html and "Enter a whole number." in html
    invalid = maker.post(url("policy_draft"), _policy_form(mild_cut_percent="0"))
    html = invalid.content.decode()
    assert invalid.status_code == 422 and "greater than or equal to 1" in html
    assert 'value="0"' in html and "JSON" not in html
    rule = maker.post(url("policy_draft"), _policy_form(mild_cut_percent="60"))
    assert rule.status_code == 422 and "Must not be above" in rule.content.decode()
    assert not EarlyWarningPolicy.objects.filter(status="draft").exists()

    done = maker.post(url("policy_draft"), _policy_form(mild_cut_percent="25", note="x"))
    assert done.status_code == 302
    draft = EarlyWarningPolicy.objects.get(status="draft")
    own = maker.get(url("policies")).content.decode()
    assert "Your draft: another person approves it." in own

    checker = logged_in("risk.view_earlywarningpolicy", "risk.approve_earlywarningpolicy")
    assert checker.post(url("policy_approve", draft.public_id)).status_code == 302
    draft.refresh_from_db()
    assert draft.status == "active"
    again = checker.post(url("policy_approve", draft.public_id))
    assert again.status_code == 409


def test_policy_pages_need_their_permissions(db):
    viewer = logged_in("risk.view_earlywarningpolicy")
    assert viewer.get(url("policies")).status_code == 200
    assert viewer.post(url("policy_draft"), _policy_form(min_limit="1.00")).status_code == 403
    assert logged_in().get(url("policies")).status_code == 403
    assert not EarlyWarningPolicy.objects.filter(status="draft").exists()


def test_the_policy_page_reads_in_chinese(db):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(staff_with(*POLICY_PERMS))
    html = client.get(url("policies")).content.decode()
    assert "预警策略" in html and "起草变更" in html and "保存草稿" in html
