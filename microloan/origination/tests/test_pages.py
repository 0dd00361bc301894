"""Back-office pages of origination: search, the two queues, claim and decide through the
page (two different reviewers), refusals shown and nothing changed, policies."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from microloan.accounts.roles import COLLECTOR, FINAL_REVIEWER, INITIAL_REVIEWER, RISK_ANALYST
from microloan.accounts.testing import make_staff
from microloan.kernel.actors import Actor
from microloan.origination import services
from microloan.origination.admission import DEFAULT_THRESHOLDS
from microloan.origination.models import AdmissionPolicy, Application

from .conftest import application_body

pytestmark = pytest.mark.django_db


def _client(role: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_staff(role=role))
    return client


@pytest.fixture
def case(customer):
    """An application waiting for the initial review (face match unsure)."""
    return services.apply_for_credit(
        actor=Actor.borrower(customer.public_id),
        data=application_body(customer, face_token="review-1"),
    )


def test_search_and_queue_list_the_case_with_its_sla(case):
    reviewer = _client(INITIAL_REVIEWER)
    listing = reviewer.get(reverse("origination:applications"), {"state": "initial_review"})
    assert listing.status_code == 200 and case.public_id in listing.content.decode()
    queue = reviewer.get(reverse("origination:queue", args=["initial"]))
    body = queue.content.decode()
    assert queue.status_code == 200 and case.public_id in body and "On time" in body
    assert reviewer.get(reverse("origination:queue", args=["final"])).status_code == 200
    assert reviewer.get(reverse("origination:queue", args=["other"])).status_code == 404


def test_search_with_dates_the_wrong_way_round_is_422(case):
    page = _client(INITIAL_REVIEWER).get(
        reverse("origination:applications"),
        {"submitted_from": "2026-03-05", "submitted_to": "2026-03-01"},
    )
    assert page.status_code == 422


def test_two_reviewers_take_a_case_through_both_stages_on_the_pages(case, customer):
    initial, final = _client(INITIAL_REVIEWER), _client(FINAL_REVIEWER)
    detail = reverse("origination:application", args=[case.public_id])
    initial.post(reverse("origination:claim", args=[case.public_id]))
    page = initial.get(detail).content.decode()
    assert "Pass to final review" in page and "***" in page
    assert customer.id_number not in page and customer.phone not in page
    initial.post(
        reverse("origination:decide", args=[case.public_id]),
        {"outcome": "pass", "reason": "documents match"},
    )
    case.refresh_from_db()
    assert case.state == "final_review"
    final.post(reverse("origination:claim", args=[case.public_id]))
    form = final.get(detail).context["decision_form"]
    rate = form.initial["daily_rate"]  # the page offers the proposed rate
    assert rate
    final.post(
        reverse("origination:decide", args=[case.public_id]),
        {"outcome": "approve", "reason": "within policy", "limit_yuan": "8000", "daily_rate": rate},
    )
    case.refresh_from_db()
    assert case.state == "approved" and case.granted_limit == 800_000 and case.line_id


def test_deciding_without_a_claim_is_refused_and_changes_nothing(case):
    initial = _client(INITIAL_REVIEWER)
    page = initial.post(
        reverse("origination:decide", args=[case.public_id]),
        {"outcome": "reject", "reason": "no", "confirmed": "1"},
        follow=True,
    )
    assert "alert-error" in page.content.decode()
    case.refresh_from_db()
    assert case.state == "initial_review"


def test_the_final_reviewer_cannot_decide_the_initial_stage(case):
    final = _client(FINAL_REVIEWER)
    page = final.post(reverse("origination:claim", args=[case.public_id]), follow=True)
    assert page.status_code == 403 or "alert-error" in page.content.decode()
    case.refresh_from_db()
    assert case.claimed_by == ""


def test_pages_need_the_permission(case):
    collector = _client(COLLECTOR)
    assert collector.get(reverse("origination:applications")).status_code == 403
    assert collector.get(reverse("origination:policies")).status_code == 403
    detail = reverse("origination:application", args=["app_unknown"])
    assert _client(INITIAL_REVIEWER).get(detail).status_code == 404
    assert Application.objects.get().claimed_by == ""


def _policy_form(**changes) -> dict:
    """The draft form as a person sends it: the defaults, ``changes`` typed over."""
    data = {
        name: (f"{value / 100:.2f}" if name.endswith("_fen") else value)
        for name, value in DEFAULT_THRESHOLDS.items()
    }
    return {**data, "note": "", **changes}


def test_a_viewer_cannot_draft_a_policy(product):
    response = _client(COLLECTOR).post(reverse("origination:policy_draft"), _policy_form())
    assert response.status_code == 403
    assert not AdmissionPolicy.objects.filter(status="draft").exists()


def test_policy_draft_and_approval_by_a_second_analyst(product):
    maker, checker = _client(RISK_ANALYST), _client(RISK_ANALYST)
    assert maker.get(reverse("origination:policies")).status_code == 200
    page = maker.get(reverse("origination:policies")).content.decode()
    assert 'name="min_age"' in page and "Minimum monthly income (yuan)" in page
    url = reverse("origination:policy_draft")
    bad = maker.post(url, _policy_form(min_age="abc", max_age="17"))
    html = bad.content.decode()
    assert bad.status_code == 422 and 'value="abc"' in html and 'value="17"' in html
    assert "Enter a whole number." in html and "JSON" not in html
    assert not AdmissionPolicy.objects.filter(status="draft").exists()
    maker.post(url, _policy_form(min_age="20", note="n"))
    draft = AdmissionPolicy.objects.get(status="draft")
    maker.post(reverse("origination:policy_approve", args=[draft.public_id]))
    draft.refresh_from_db()
    assert draft.status == "draft"  # the maker cannot approve their own draft
    checker.post(reverse("origination:policy_approve", args=[draft.public_id]))
    draft.refresh_from_db()
    assert draft.status == "active"
