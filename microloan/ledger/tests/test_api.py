"""The ledger API over HTTP: who may call it, money as strings, idempotent posting, and clear
4xx answers that store nothing."""

import datetime as dt
import json

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from microloan.accounts.testing import bearer, make_staff, make_staff_token
from microloan.audit.models import AuditRecord
from microloan.ledger import accounts as gl
from microloan.ledger.models import JournalEntry
from microloan.ledger.services import post_entry, post_manual_entry

from .helpers import TODAY, disbursement_lines

pytestmark = [pytest.mark.django_db, pytest.mark.urls("microloan.ledger.tests.urls")]

BASE = "/t/ledger"


def staff_with(*codenames):
    user = make_staff()
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="ledger", codename__in=codenames)
    )
    return bearer(make_staff_token(user))


@pytest.fixture
def viewer():
    return staff_with("view_journalentry")


@pytest.fixture
def poster():
    return staff_with("view_journalentry", "post_manual_entry")


@pytest.fixture
def client():
    return Client()


def get(client, path, headers, **query):
    return client.get(f"{BASE}{path}", query, **headers)


def post(client, path, headers, body, key="key-1"):
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(
        f"{BASE}{path}", json.dumps(body), content_type="application/json", **headers, **extra
    )


@pytest.fixture
def disbursed(today, system):
    return post_entry(
        actor=system,
        entry_type="disbursement",
        business_date=TODAY,
        lines=disbursement_lines(123_456),
        loan_id="loan_a",
        product_code="WLD",
        source_ref="disbursement:loan_a",
    )


def manual_body(**changes):
    return {
        "description": "correct a mis-posted fee",
        "lines": [
            {"account": gl.FEE_INCOME, "debit": "10.50"},
            {"account": gl.BANK_CLEARING, "credit": "10.50", "loan_id": "loan_a"},
        ],
        **changes,
    }


# --- reads ---------------------------------------------------------------------------------


def test_the_trial_balance_carries_money_as_strings(client, viewer, disbursed):
    response = get(client, "/trial-balance", viewer)
    assert response.status_code == 200
    body = response.json()
    rows = {row["account"]: row for row in body["rows"]}
    assert rows[gl.LOANS_PRINCIPAL]["debit_total"] == "1234.56"
    assert rows[gl.BANK_CLEARING]["balance"] == "-1234.56"
    assert rows[gl.BANK_CLEARING]["credit_balance"] == "1234.56"
    assert rows[gl.BANK_CLEARING]["name"] == "银行清算"  # zh-hans is the default language
    assert (body["total_debit"], body["total_credit"], body["balanced"]) == (
        "1234.56",
        "1234.56",
        True,
    )


def test_the_trial_balance_as_of_an_earlier_day_is_empty(client, viewer, disbursed):
    body = get(client, "/trial-balance", viewer, as_of="2026-03-09").json()
    assert (body["as_of"], body["total_debit"]) == ("2026-03-09", "0.00")


def test_a_bad_date_is_a_422_naming_the_field(client, viewer):
    response = get(client, "/trial-balance", viewer, as_of="March")
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"
    assert "as_of" in response.json()["fields"]


@pytest.mark.parametrize("path", ["/trial-balance", "/entries", "/accounts"])
def test_reads_need_a_token_and_the_view_permission(client, path):
    assert get(client, path, {}).status_code == 401
    assert get(client, path, staff_with()).status_code == 403


def test_the_chart_is_listed(client, viewer):
    body = get(client, "/accounts", viewer).json()
    assert [row["code"] for row in body] == sorted(spec.code for spec in gl.CHART)
    assert body[4] == {
        "code": gl.LOAN_LOSS_ALLOWANCE,
        "name": "贷款损失准备",
        "account_type": "contra_asset",
        "normal_side": "credit",
    }


def test_entries_are_listed_by_filter_and_read_one_by_one(client, viewer, disbursed, system):
    post_entry(
        actor=system,
        entry_type="interest_accrual",
        business_date=TODAY,
        lines=[
            {"account": gl.INTEREST_RECEIVABLE, "debit": 99},
            {"account": gl.INTEREST_INCOME, "credit": 99},
        ],
    )
    listed = get(client, "/entries", viewer, loan_id="loan_a").json()
    assert (listed["total"], listed["page"], listed["page_size"]) == (1, 1, 50)
    item = listed["items"][0]
    assert (item["public_id"], item["total"], item["entry_type"]) == (
        disbursed.public_id,
        "1234.56",
        "disbursement",
    )
    assert item["lines"][0] == {
        "account": gl.LOANS_PRINCIPAL,
        "account_name": "贷款本金",
        "debit": "1234.56",
        "credit": "0.00",
        "loan_id": "loan_a",
        "product_code": "WLD",
    }
    assert get(client, "/entries", viewer, account=gl.INTEREST_INCOME).json()["total"] == 1
    assert get(client, "/entries", viewer).json()["total"] == 2
    one = get(client, f"/entries/{disbursed.public_id}", viewer)
    assert one.status_code == 200 and one.json() == item


def test_a_bad_page_size_is_a_422(client, viewer):
    response = get(client, "/entries", viewer, page_size=500)
    assert response.status_code == 422
    assert "page_size" in response.json()["fields"]


def test_an_unknown_entry_is_a_404(client, viewer):
    response = get(client, "/entries/je_nothing", viewer)
    assert (response.status_code, response.json()["code"]) == (404, "entry_not_found")


def test_a_statement_pages_through_running_balances(client, viewer, disbursed, system):
    post_entry(
        actor=system,
        entry_type="repayment",
        business_date=TODAY,
        lines=[
            {"account": gl.BANK_CLEARING, "debit": 456},
            {"account": gl.LOANS_PRINCIPAL, "credit": 456},
        ],
        loan_id="loan_a",
    )
    query = {"date_from": "2026-03-01", "date_to": "2026-03-10", "page_size": 1}
    first = get(client, f"/accounts/{gl.LOANS_PRINCIPAL}/statement", viewer, **query).json()
    second = get(client, f"/accounts/{gl.LOANS_PRINCIPAL}/statement", viewer, page=2, **query)
    assert (first["opening_balance"], first["closing_balance"], first["total"]) == (
        "0.00",
        "1230.00",
        2,
    )
    assert [line["balance"] for line in first["lines"]] == ["1234.56"]
    assert [line["balance"] for line in second.json()["lines"]] == ["1230.00"]
    assert first["account"]["code"] == gl.LOANS_PRINCIPAL


def test_a_statement_needs_its_dates_and_a_known_account(client, viewer):
    missing = get(client, f"/accounts/{gl.BANK_CLEARING}/statement", viewer, date_to="2026-03-01")
    assert missing.status_code == 422 and "date_from" in missing.json()["fields"]
    unknown = get(
        client, "/accounts/9999/statement", viewer, date_from="2026-03-01", date_to="2026-03-02"
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "unknown_account")


# --- manual entries ------------------------------------------------------------------------


def test_a_manual_entry_is_posted_once_per_idempotency_key(client, poster, today):
    first = post(client, "/entries", poster, manual_body())
    assert first.status_code == 201, first.content
    body = first.json()
    assert (body["entry_type"], body["business_date"], body["total"]) == (
        "manual",
        TODAY.isoformat(),
        "10.50",
    )
    assert [(ln["account"], ln["debit"], ln["credit"], ln["loan_id"]) for ln in body["lines"]] == [
        (gl.FEE_INCOME, "10.50", "0.00", None),
        (gl.BANK_CLEARING, "0.00", "10.50", "loan_a"),
    ]
    again = post(client, "/entries", poster, manual_body())
    assert again.status_code == 201
    assert again.json() == body
    assert again["Idempotent-Replayed"] == "true"
    assert JournalEntry.objects.count() == 1
    assert AuditRecord.objects.filter(action="ledger.manual_entry_posted").count() == 1


def test_a_manual_entry_needs_an_idempotency_key(client, poster, today):
    response = post(client, "/entries", poster, manual_body(), key=None)
    assert (response.status_code, response.json()["code"]) == (400, "idempotency_key_required")
    assert not JournalEntry.objects.exists()


def test_a_manual_entry_needs_the_permission(client, viewer, today):
    assert post(client, "/entries", viewer, manual_body()).status_code == 403
    assert not JournalEntry.objects.exists()


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        (
            {
                "lines": [
                    {"account": gl.FEE_INCOME, "debit": "1.234"},
                    {"account": gl.BANK_CLEARING, "credit": "1.23"},
                ]
            },
            "invalid_amount",
            "lines.0.debit",
        ),
        (
            {
                "lines": [
                    {"account": gl.FEE_INCOME, "debit": 10.5},
                    {"account": gl.BANK_CLEARING, "credit": "10.50"},
                ]
            },
            "validation_failed",
            "lines.0.debit",
        ),
        (
            {
                "lines": [
                    {"account": gl.FEE_INCOME, "debit": "10.00"},
                    {"account": gl.BANK_CLEARING, "credit": "9.99"},
                ]
            },
            "unbalanced_entry",
            "lines",
        ),
        (
            {
                "lines": [
                    {"account": gl.FEE_INCOME, "debit": "-5.00"},
                    {"account": gl.BANK_CLEARING, "credit": "-5.00"},
                ]
            },
            "invalid_amount",  # a sign is not part of an amount: refused as it is read
            "lines.0.debit",
        ),
        (
            {
                "lines": [
                    {"account": gl.FEE_INCOME, "debit": "5.00", "credit": "5.00"},
                    {"account": gl.BANK_CLEARING},
                ]
            },
            "two_sided_line",
            "lines.0",
        ),
        (
            {
                "lines": [
                    {"account": "1234", "debit": "5.00"},
                    {"account": gl.BANK_CLEARING, "credit": "5.00"},
                ]
            },
            "unknown_account",
            "lines.0.account",
        ),
        ({"lines": [{"account": gl.FEE_INCOME, "debit": "5.00"}]}, "validation_failed", "lines"),
        ({"description": ""}, "validation_failed", "description"),
        ({"memo": "unexpected"}, "validation_failed", "memo"),
        ({"business_date": "2026-03-11"}, "future_business_date", "business_date"),
    ],
)
def test_a_refused_manual_entry_is_a_422_naming_the_field_and_stores_nothing(
    client, poster, today, changes, code, field
):
    response = post(client, "/entries", poster, manual_body(**changes))
    assert response.status_code == 422, response.content
    assert response.json()["code"] == code
    assert field in response.json()["fields"]
    assert not JournalEntry.objects.exists()
    assert not AuditRecord.objects.filter(action="ledger.manual_entry_posted").exists()


def test_a_manual_entry_may_be_back_dated(client, poster, today):
    response = post(client, "/entries", poster, manual_body(business_date="2026-02-28"))
    assert response.status_code == 201
    assert response.json()["business_date"] == "2026-02-28"


# --- reversals -----------------------------------------------------------------------------


@pytest.fixture
def adjustment(today, accountant):
    return post_manual_entry(
        actor=accountant,
        business_date=TODAY,
        lines=[
            {"account": gl.BANK_CLEARING, "debit": 123_456},
            {"account": gl.FEE_INCOME, "credit": 123_456},
        ],
        description="bank charge refunded",
    )


def test_a_manual_entry_is_reversed_once(client, poster, adjustment):
    path = f"/entries/{adjustment.public_id}/reverse"
    response = post(client, path, poster, {"reason": "posted twice"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["entry_type"], body["reverses"], body["total"]) == (
        "reversal",
        adjustment.public_id,
        "1234.56",
    )
    original = get(client, f"/entries/{adjustment.public_id}", poster).json()
    assert original["reversed_by"] == body["public_id"]
    again = post(client, path, poster, {"reason": "again"}, key="key-2")
    assert (again.status_code, again.json()["code"]) == (409, "already_reversed")
    assert get(client, "/trial-balance", poster).json()["total_debit"] == "2469.12"


def test_a_loan_entry_is_not_reversed_here(client, poster, disbursed):
    """Reversing a loan's own entry in the GL alone would split it from the loan sub-ledger:
    refused with 409 naming the owner, and nothing stored."""
    response = post(client, f"/entries/{disbursed.public_id}/reverse", poster, {"reason": "x"})
    assert (response.status_code, response.json()["code"]) == (409, "entry_owned_by_subledger")
    assert response.json()["fields"] == {"entry_id": disbursed.public_id, "owner": "lending"}
    assert "lending" in response.json()["message"]
    assert JournalEntry.objects.count() == 1


@pytest.mark.parametrize("account", sorted(gl.LOAN_SUBLEDGER_ACCOUNTS))
def test_a_manual_entry_may_not_touch_the_loan_subledger_accounts(client, poster, today, account):
    body = manual_body(
        lines=[
            {"account": gl.BANK_CLEARING, "debit": "10.00"},
            {"account": account, "credit": "10.00", "loan_id": "loan_a"},
        ]
    )
    response = post(client, "/entries", poster, body)
    assert (response.status_code, response.json()["code"]) == (422, "account_owned_by_subledger")
    assert "lines.1.account" in response.json()["fields"]
    assert not JournalEntry.objects.exists()


def test_reversing_needs_a_reason_and_a_known_entry(client, poster, disbursed):
    no_reason = post(client, f"/entries/{disbursed.public_id}/reverse", poster, {})
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["fields"]
    unknown = post(client, "/entries/je_nothing/reverse", poster, {"reason": "x"}, key="key-2")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "entry_not_found")
    assert JournalEntry.objects.count() == 1


def test_reversing_needs_the_permission(client, viewer, disbursed):
    path = f"/entries/{disbursed.public_id}/reverse"
    assert post(client, path, viewer, {"reason": "x"}).status_code == 403
    assert JournalEntry.objects.count() == 1


def test_a_reversal_dated_before_its_entry_is_refused(client, poster, adjustment):
    path = f"/entries/{adjustment.public_id}/reverse"
    response = post(
        client, path, poster, {"reason": "x", "business_date": str(TODAY - dt.timedelta(days=1))}
    )
    assert (response.status_code, response.json()["code"]) == (422, "reversal_before_original")
    assert response.json()["fields"].keys() == {"business_date"}
