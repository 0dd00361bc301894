"""Back-office pages of risk: blacklist add/remove, rule set draft and activation by a second
person, scorecard detail; each refusal shown to the user and nothing stored."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from microloan.accounts.roles import AUDITOR, COLLECTOR, RISK_ANALYST
from microloan.accounts.testing import make_staff
from microloan.risk import services
from microloan.risk.models import BlacklistEntry, RuleSet

pytestmark = pytest.mark.django_db


def _client(role: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_staff(role=role))
    return client


def test_blacklist_add_then_remove_through_the_page():
    analyst = _client(RISK_ANALYST)
    added = analyst.post(
        reverse("risk:blacklist_add"),
        {"kind": "phone", "value": "13812345678", "source": "manual", "reason": "fraud ring"},
    )
    assert added.status_code == 302
    entry = BlacklistEntry.objects.get()
    page = analyst.get(reverse("risk:blacklist"))
    body = page.content.decode()
    assert page.status_code == 200 and entry.value_hint in body and "13812345678" not in body
    remove = reverse("risk:blacklist_remove", args=[entry.public_id])
    asked = analyst.post(remove, {"reason": "cleared"})  # first the summary, nothing removed
    assert asked.status_code == 200 and "Remove blacklist entry" in asked.content.decode()
    assert 'name="confirmed" value="1"' in asked.content.decode()
    entry.refresh_from_db()
    assert entry.removed_at is None
    removed = analyst.post(remove, {"reason": "cleared", "confirmed": "1"})
    assert removed.status_code == 302
    entry.refresh_from_db()
    assert entry.removed_at is not None


def test_blacklist_duplicate_is_refused_with_a_message():
    analyst = _client(RISK_ANALYST)
    data = {"kind": "device", "value": "dev-1", "source": "manual", "reason": "r"}
    analyst.post(reverse("risk:blacklist_add"), data)
    page = analyst.post(reverse("risk:blacklist_add"), data, follow=True)
    assert BlacklistEntry.objects.count() == 1
    assert "alert-error" in page.content.decode()


def test_blacklist_pages_need_the_permission():
    collector = _client(COLLECTOR)
    assert collector.get(reverse("risk:blacklist")).status_code == 403
    refused = collector.post(
        reverse("risk:blacklist_add"),
        {"kind": "device", "value": "dev-1", "source": "manual", "reason": "r"},
    )
    assert refused.status_code == 403
    assert not BlacklistEntry.objects.exists()


def test_ruleset_draft_needs_a_second_person_to_activate():
    maker = _client(RISK_ANALYST)
    maker.post(
        reverse("risk:ruleset_draft"),
        {"changes": '{"decision": {"review_fraud_score": 25}}', "note": "tighter"},
    )
    draft = RuleSet.objects.get(status="draft")
    same = maker.post(reverse("risk:ruleset_activate", args=[draft.public_id]), follow=True)
    assert "alert-error" in same.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"
    checker = _client(RISK_ANALYST)
    checker.post(reverse("risk:ruleset_activate", args=[draft.public_id]))
    draft.refresh_from_db()
    assert draft.status == "active"
    assert draft.thresholds["decision"]["review_fraud_score"] == 25


def test_ruleset_draft_with_bad_json_stores_nothing():
    analyst = _client(RISK_ANALYST)
    analyst.get(reverse("risk:rulesets"))  # creates the default version
    before = RuleSet.objects.count()
    page = analyst.post(reverse("risk:ruleset_draft"), {"changes": "{not json", "note": "kept"})
    html = page.content.decode()
    assert page.status_code == 422 and "alert-error" in html
    assert "{not json</textarea>" in html and 'value="kept"' in html  # what was typed stays
    assert "check line 1, column 2" in html
    bad = analyst.post(
        reverse("risk:ruleset_draft"), {"changes": '{"decision": {"reject_fraud_score": 500}}'}
    )
    html = bad.content.decode()
    assert bad.status_code == 422 and "decision.reject_fraud_score: Must be between" in html
    assert "reject_fraud_score&quot;: 500" in html
    assert RuleSet.objects.count() == before


def test_scorecard_pages_show_bins_to_an_auditor():
    auditor = _client(AUDITOR)
    listing = auditor.get(reverse("risk:scorecards"))
    assert listing.status_code == 200
    scorecard = services.active_scorecard()
    detail = auditor.get(reverse("risk:scorecard", args=[scorecard.public_id]))
    body = detail.content.decode()
    assert detail.status_code == 200
    assert "SC_AGE" in body and "master, doctorate" in body
    assert "Approve and activate" not in body
    assert auditor.get(reverse("risk:scorecard", args=["sc_unknown"])).status_code == 404
