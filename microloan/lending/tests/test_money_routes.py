"""Every route where a caller's word could move money or a limit, tried with the borrower's
token and with each staff role: only a role holding the route's permission gets past the door,
and a refusal changes nothing. (What the permitted do is under maker-checker or needs bank
evidence; see test_manual_postings, the ledger and payments tests.)"""

from __future__ import annotations

import json

import pytest

from microloan.accounts import roles
from microloan.accounts.testing import bearer, make_borrower_token, make_staff, make_staff_token
from microloan.lending.models import CreditLine, MakerCheckerRequest, ManualPosting
from microloan.lending.services import lines

from . import helpers
from .conftest import CUSTOMER

pytestmark = pytest.mark.django_db  # the project URLs: lending, payments and ledger together

# (path with {loan}, {line}, {request} placeholders, the permission the route needs)
MONEY_ROUTES = [
    ("/api/v1/lending/lines", "lending.add_creditline"),
    ("/api/v1/lending/lines/{line}/limit-changes", "lending.adjust_creditline_limit"),
    ("/api/v1/lending/limit-changes/{request}/approve", "lending.approve_creditline_limit"),
    ("/api/v1/lending/requests/{request}/approve", "lending.change_makercheckerrequest"),
    ("/api/v1/lending/loans/{loan}/manual-postings", "lending.record_manualposting"),
    ("/api/v1/lending/loans/{loan}/write-off-requests", "lending.propose_writeoff"),
    ("/api/v1/lending/loans/{loan}/restructure-requests", "lending.propose_restructure"),
    ("/api/v1/payments/me/loans/{loan}/repayments", None),  # the borrower's own, by order
    ("/api/v1/payments/orders/pay_none/query", "payments.change_paymentorder"),
    ("/api/v1/payments/breaks/brk_none/resolve", "payments.change_settlementbreak"),
    ("/api/v1/ledger/entries", "ledger.post_manual_entry"),
    ("/api/v1/ledger/entries/je_none/reverse", "ledger.post_manual_entry"),
]
BODIES = {
    "/api/v1/lending/loans/{loan}/manual-postings": {
        "kind": "repayment",
        "amount": "100.00",
        "channel": "icbc",
        "bank_reference": "TX-ROLE",
        "reason": "r",
    },
    "/api/v1/lending/lines/{line}/limit-changes": {"new_limit": "60000.00", "reason": "r"},
}


@pytest.fixture
def book(ops, line):
    loan = helpers.active_loan(line, amount=600_000)
    proposal = lines.propose_limit_change(
        actor=ops, line_id=line.public_id, new_limit=6_000_000, reason="r"
    )
    return {"loan": loan.public_id, "line": line.public_id, "request": proposal.public_id}


def state(ledger) -> tuple:
    return (
        ledger.state(),
        tuple(CreditLine.objects.order_by("id").values_list("limit", "used", "status")),
        tuple(MakerCheckerRequest.objects.order_by("id").values_list("status", flat=True)),
        ManualPosting.objects.count(),
    )


def call(client, template, book, headers):
    return client.post(
        template.format(**book),
        data=json.dumps(BODIES.get(template, {})),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=f"{template}:{sorted(headers.values())}",
        **headers,
    )


@pytest.mark.parametrize(("template", "permission"), MONEY_ROUTES)
def test_only_a_role_with_the_permission_gets_through(client, book, ledger, template, permission):
    for role in roles.ROLES:
        before = state(ledger)
        staff = make_staff(role=role)
        response = call(client, template, book, bearer(make_staff_token(staff)))
        if permission is None:  # a borrower's route: staff tokens are not borrowers
            assert response.status_code == 401, (role, response.content)
        elif not staff.has_perm(permission):
            assert response.status_code == 403, (role, response.content)
        else:
            continue  # allowed through the door; what it may do is tested elsewhere
        assert state(ledger) == before, role
    if permission is not None:
        before = state(ledger)
        borrower = call(client, template, book, bearer(make_borrower_token(CUSTOMER)))
        assert borrower.status_code == 401, borrower.content
        assert state(ledger) == before
