"""HTTP: /api/v1/risk/ — blacklist, rule sets, scorecards, identity checks."""

import copy

import pytest

from microloan.accounts.testing import bearer, make_staff_token
from microloan.audit.models import AuditRecord
from microloan.risk import services
from microloan.risk.models import BlacklistEntry, RuleSet, Scorecard

from .conftest import staff_with
from .test_scorecard import ARTIFACT

pytestmark = [pytest.mark.django_db, pytest.mark.urls("microloan.risk.tests.urls")]

BASE = "/api/v1/risk"
ANALYST_PERMS = (
    "risk.view_blacklistentry", "risk.change_blacklistentry",
    "risk.view_ruleset", "risk.add_ruleset", "risk.approve_ruleset",
    "risk.view_scorecard", "risk.add_scorecard", "risk.approve_scorecard",
    "risk.view_identitycheck",
)  # fmt: skip
ENTRY = {"kind": "id", "value": "11010519491231002X", "reason": "confirmed fraud"}


def _headers(*perms, key=None):
    headers = bearer(make_staff_token(staff_with(*perms)))
    if key:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return headers


@pytest.fixture
def analyst():
    return _headers(*ANALYST_PERMS)


def _post(client, path, body, headers, key="k1"):
    return client.post_json(f"{BASE}{path}", body, **headers, HTTP_IDEMPOTENCY_KEY=key)


# --- blacklist ---------------------------------------------------------------------------------


def test_add_list_and_remove_an_entry(client, analyst):
    created = _post(client, "/blacklist", {**ENTRY, "source": "fraud_investigation"}, analyst)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["value_hint"] == "110***********002X" and body["in_force"] is True
    assert "1949" not in created.content.decode()
    listed = client.get(f"{BASE}/blacklist?kind=id&in_force=true", **analyst).json()
    assert [item["id"] for item in listed["items"]] == [body["id"]]
    removed = client.post_json(
        f"{BASE}/blacklist/{body['id']}/remove", {"reason": "cleared"}, **analyst
    )
    assert removed.status_code == 200 and removed.json()["in_force"] is False
    assert client.get(f"{BASE}/blacklist?in_force=true", **analyst).json()["count"] == 0
    assert client.get(f"{BASE}/blacklist/{body['id']}", **analyst).json()["removed_by"]


def test_the_same_key_replays_and_a_duplicate_is_409(client, analyst):
    first = _post(client, "/blacklist", ENTRY, analyst, key="same")
    replay = _post(client, "/blacklist", ENTRY, analyst, key="same")
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    assert replay.json()["id"] == first.json()["id"]
    duplicate = _post(client, "/blacklist", ENTRY, analyst, key="other")
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "blacklist_entry_exists"
    assert duplicate.json()["message"] == "该值已在黑名单中。"  # zh-Hans by default
    assert BlacklistEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "status", "code", "field"),
    [
        ({"kind": "passport"}, 422, "unknown_blacklist_kind", "kind"),
        ({"value": "110105194912310021"}, 422, "invalid_id_number", "value"),
        ({"kind": "ip", "value": "1.2.3"}, 422, "invalid_ip", "value"),
        ({"kind": "phone", "value": "phone"}, 422, "invalid_phone", "value"),
        ({"source": "gossip"}, 422, "unknown_source", "source"),
        ({"reason": ""}, 422, "reason_required", "reason"),
        ({"expires_at": "tomorrow"}, 422, "validation_failed", "expires_at"),
        ({"expires_at": "2000-01-01T00:00:00+08:00"}, 422, "expiry_in_past", "expires_at"),
        ({"colour": "red"}, 422, "validation_failed", "colour"),
        ({"value": "x" * 129}, 422, "validation_failed", "value"),
    ],
)
def test_bad_entries_are_refused_and_store_nothing(client, analyst, changes, status, code, field):
    response = _post(client, "/blacklist", {**ENTRY, **changes}, analyst)
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert field in response.json()["fields"]
    assert not BlacklistEntry.objects.exists()
    assert not AuditRecord.objects.filter(action__startswith="blacklist.").exists()


def test_without_permission_403_and_without_token_401(client):
    viewer = _headers("risk.view_blacklistentry")
    refused = _post(client, "/blacklist", ENTRY, viewer)
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert client.get(f"{BASE}/blacklist", **_headers("risk.view_ruleset")).status_code == 403
    assert client.get(f"{BASE}/blacklist").status_code == 401
    assert not BlacklistEntry.objects.exists()


def test_an_idempotency_key_is_required(client, analyst):
    response = client.post_json(f"{BASE}/blacklist", ENTRY, **analyst)
    assert response.status_code == 400 and response.json()["code"] == "idempotency_key_required"


def test_unknown_entries_are_404(client, analyst):
    response = client.post_json(f"{BASE}/blacklist/bl_nope/remove", {"reason": "x"}, **analyst)
    assert response.status_code == 404 and response.json()["code"] == "blacklist_entry_not_found"


# --- rule sets ---------------------------------------------------------------------------------


def test_ruleset_maker_checker_over_http(client, analyst):
    listed = client.get(f"{BASE}/rulesets", **analyst)
    assert [r["version"] for r in listed.json()] == [1]
    changes = {"fraud_rules": {"velocity_ip": {"max_1h": 10}}}
    draft = _post(client, "/rulesets", {"changes": changes, "note": "office NAT"}, analyst)
    assert draft.status_code == 201, draft.content
    draft_id = draft.json()["id"]
    assert draft.json()["thresholds"]["fraud_rules"]["velocity_ip"]["max_1h"] == 10
    own = client.post(f"{BASE}/rulesets/{draft_id}/activate", **analyst)
    assert own.status_code == 422 and own.json()["code"] == "maker_cannot_approve"
    checker = _headers("risk.approve_ruleset", "risk.view_ruleset")
    activated = client.post(f"{BASE}/rulesets/{draft_id}/activate", **checker)
    assert activated.status_code == 200 and activated.json()["status"] == "active"
    assert services.active_ruleset().public_id == draft_id
    detail = client.get(f"{BASE}/rulesets/{draft_id}", **analyst).json()
    assert detail["checker"] and detail["maker"] != detail["checker"]


def test_invalid_ruleset_changes_are_422_with_the_path(client, analyst):
    changes = {"decision": {"review_grades": ["Z"]}}
    response = _post(client, "/rulesets", {"changes": changes}, analyst)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_thresholds"
    assert "decision.review_grades" in response.json()["fields"]
    assert not RuleSet.objects.filter(status="draft").exists()
    missing = _post(client, "/rulesets", {"note": "no changes"}, analyst, key="k2")
    assert missing.status_code == 422 and "changes" in missing.json()["fields"]


def test_activating_needs_the_approve_permission(client, analyst):
    draft = _post(client, "/rulesets", {"changes": {}}, analyst).json()
    maker_only = _headers("risk.add_ruleset", "risk.view_ruleset")
    response = client.post(f"{BASE}/rulesets/{draft['id']}/activate", **maker_only)
    assert response.status_code == 403
    assert RuleSet.objects.get(public_id=draft["id"]).status == "draft"


# --- scorecards --------------------------------------------------------------------------------


def test_scorecard_register_list_detail_activate(client, analyst):
    assert [s["version"] for s in client.get(f"{BASE}/scorecards", **analyst).json()] == [1]
    created = _post(client, "/scorecards", {"artifact": copy.deepcopy(ARTIFACT)}, analyst)
    assert created.status_code == 201, created.content
    card_id = created.json()["id"]
    assert created.json()["status"] == "inactive"
    detail = client.get(f"{BASE}/scorecards/{card_id}", **analyst).json()
    assert detail["artifact"]["name"] == "hand"
    assert "artifact" not in client.get(f"{BASE}/scorecards", **analyst).json()[0]
    own = client.post(f"{BASE}/scorecards/{card_id}/activate", **analyst)
    assert own.status_code == 422 and own.json()["code"] == "maker_cannot_approve"
    checker = _headers("risk.approve_scorecard")
    assert client.post(f"{BASE}/scorecards/{card_id}/activate", **checker).status_code == 200
    assert services.active_scorecard().public_id == card_id
    assert Scorecard.objects.get(version=1).status == "retired"


def test_a_malformed_artifact_is_422(client, analyst):
    broken = {**ARTIFACT, "grade_cutoffs": {"A": 1}}
    response = _post(client, "/scorecards", {"artifact": broken}, analyst)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_scorecard"
    assert "grade_cutoffs" in response.json()["fields"]
    assert client.get(f"{BASE}/scorecards/sc_nope", **analyst).status_code == 404


def test_a_ruleset_draft_is_rejected_with_a_reason_by_another_person(client, analyst):
    draft_id = _post(client, "/rulesets", {"changes": {}}, analyst).json()["id"]
    checker = _headers("risk.approve_ruleset", "risk.view_ruleset")
    no_reason = client.post_json(f"{BASE}/rulesets/{draft_id}/reject", {"reason": " "}, **checker)
    assert (no_reason.status_code, no_reason.json()["code"]) == (422, "reason_required")
    own = client.post_json(f"{BASE}/rulesets/{draft_id}/reject", {"reason": "no"}, **analyst)
    assert own.status_code == 422 and own.json()["code"] == "maker_cannot_approve"
    rejected = client.post_json(
        f"{BASE}/rulesets/{draft_id}/reject", {"reason": "no  change"}, **checker
    )
    assert rejected.status_code == 200, rejected.content
    body = rejected.json()
    assert (body["status"], body["reason"]) == ("rejected", "no change") and body["rejected_at"]
    assert AuditRecord.objects.get(action="ruleset.rejected").after["reason"] == "no change"
    late = client.post(f"{BASE}/rulesets/{draft_id}/activate", **checker)
    assert (late.status_code, late.json()["code"]) == (409, "ruleset_not_draft")
    assert services.active_ruleset().version == 1


def test_only_an_inactive_scorecard_is_rejected(client, analyst):
    card_id = _post(client, "/scorecards", {"artifact": copy.deepcopy(ARTIFACT)}, analyst).json()[
        "id"
    ]
    checker = _headers("risk.approve_scorecard")
    active_id = services.active_scorecard().public_id
    refused = client.post_json(f"{BASE}/scorecards/{active_id}/reject", {"reason": "x"}, **checker)
    assert (refused.status_code, refused.json()["code"]) == (409, "scorecard_not_inactive")
    rejected = client.post_json(f"{BASE}/scorecards/{card_id}/reject", {"reason": "x"}, **checker)
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    late = client.post(f"{BASE}/scorecards/{card_id}/activate", **checker)
    assert (late.status_code, late.json()["code"]) == (409, "scorecard_rejected")


# --- identity checks ---------------------------------------------------------------------------


def test_identity_check_results_by_subject(client, analyst):
    services.run_identity_checks(
        subject="app_x", name="张三", id_number="11010519491231002X", face_token="selfie"
    )
    response = client.get(f"{BASE}/identity-checks?subject=app_x", **analyst)
    assert response.status_code == 200
    assert [c["kind"] for c in response.json()] == ["id_verification", "face_match"]
    assert all(c["outcome"] == "pass" and c["score"] for c in response.json())
    assert client.get(f"{BASE}/identity-checks", **analyst).status_code == 422
    assert client.get(f"{BASE}/identity-checks?subject=app_x", **_headers()).status_code == 403
