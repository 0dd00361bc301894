"""Credit lines through the services: opening rules, freezing, maker-checker limit changes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from microloan.audit.models import AuditRecord
from microloan.kernel.actors import Actor
from microloan.kernel.errors import DomainError
from microloan.lending.events import LineLimitChanged
from microloan.lending.models import CreditLine, MakerCheckerRequest
from microloan.lending.services import lines, requests

from . import helpers
from .conftest import CUSTOMER, make_product_version

pytestmark = pytest.mark.django_db


def test_open_line_sets_validity_and_audits(ops, product_version, today):
    line = helpers.open_line(ops, product_version, limit=3_000_000)
    assert (line.limit, line.used, line.status) == (3_000_000, 0, CreditLine.Status.ACTIVE)
    assert line.opened_on == today
    assert line.expires_on == dt.date(2027, 3, 2)  # the product's 12 months
    assert AuditRecord.objects.filter(action="line.opened", object_id=line.public_id).exists()


@pytest.mark.parametrize(
    ("limit", "rate", "code", "field"),
    [
        (0, "0.0005", "invalid_amount", "limit"),
        (-100, "0.0005", "invalid_amount", "limit"),
        (20_000_001, "0.0005", "limit_above_product_maximum", "limit"),
        (1_000_000, "0.0006", "rate_out_of_range", "daily_rate"),
        (1_000_000, "0.0001", "rate_out_of_range", "daily_rate"),
    ],
)
def test_open_line_refusals_store_nothing(ops, product_version, today, limit, rate, code, field):
    with pytest.raises(DomainError) as refusal:
        helpers.open_line(ops, product_version, limit=limit, rate=rate)
    assert (refusal.value.code, field in refusal.value.fields) == (code, True)
    assert not CreditLine.objects.exists()


def test_total_credit_per_borrower_is_capped(ops, product_version, today):
    helpers.open_line(ops, product_version, limit=15_000_000)
    with pytest.raises(DomainError) as refusal:
        helpers.open_line(ops, product_version, limit=5_000_001)
    assert refusal.value.code == "total_credit_above_cap"
    helpers.open_line(ops, product_version, limit=5_000_000)  # exactly 200,000.00 is allowed
    assert CreditLine.objects.filter(customer_id=CUSTOMER).count() == 2


def test_only_an_active_product_version_lends(ops, ops_user, today):
    version = make_product_version(ops_user, code="OLD")
    version.status = "retired"
    version.save()
    with pytest.raises(DomainError) as refusal:
        helpers.open_line(ops, version)
    assert refusal.value.code == "product_version_not_active"


def test_opening_needs_the_permission(checker, product_version, today):
    with pytest.raises(DomainError) as refusal:
        helpers.open_line(checker, product_version)
    assert refusal.value.status == 403


def test_freeze_and_unfreeze(ops, line):
    frozen = lines.freeze_line(actor=ops, line_id=line.public_id, reason="early warning")
    assert frozen.status == CreditLine.Status.FROZEN
    with pytest.raises(DomainError) as refusal:
        lines.freeze_line(actor=ops, line_id=line.public_id, reason="again")
    assert refusal.value.code == "line_not_freezable"
    assert (
        lines.unfreeze_line(actor=ops, line_id=line.public_id, reason="cleared").status == "active"
    )
    with pytest.raises(DomainError) as refusal:
        lines.freeze_line(actor=ops, line_id=line.public_id, reason="  ")
    assert (refusal.value.code, "reason" in refusal.value.fields) == ("reason_required", True)


def test_borrower_cannot_freeze(borrower, line):
    with pytest.raises(DomainError) as refusal:
        lines.freeze_line(actor=borrower, line_id=line.public_id, reason="no")
    assert refusal.value.status == 403


def test_limit_change_is_maker_checker(ops, checker, line):
    proposal = lines.propose_limit_change(
        actor=ops, line_id=line.public_id, new_limit=6_000_000, reason="good payer"
    )
    assert CreditLine.objects.get(pk=line.pk).limit == 5_000_000  # nothing changes yet
    decided = requests.approve_request(actor=checker, request_id=proposal.public_id, note="ok")
    assert decided.status == MakerCheckerRequest.Status.APPROVED
    assert decided.checker_id == checker.user_pk
    assert CreditLine.objects.get(pk=line.pk).limit == 6_000_000


def test_maker_cannot_approve_own_limit_change(both, line):
    proposal = lines.propose_limit_change(
        actor=both, line_id=line.public_id, new_limit=6_000_000, reason="mine"
    )
    with pytest.raises(DomainError) as refusal:
        requests.approve_request(actor=both, request_id=proposal.public_id)
    assert (refusal.value.code, "request_id" in refusal.value.fields) == (
        "maker_cannot_approve",
        True,
    )
    assert MakerCheckerRequest.objects.get(pk=proposal.pk).status == "pending"
    assert CreditLine.objects.get(pk=line.pk).limit == 5_000_000


def test_second_decision_is_refused(ops, checker, line):
    proposal = lines.propose_limit_change(
        actor=ops, line_id=line.public_id, new_limit=1_000_000, reason="risk"
    )
    requests.reject_request(actor=checker, request_id=proposal.public_id, note="no")
    with pytest.raises(DomainError) as refusal:
        requests.approve_request(actor=checker, request_id=proposal.public_id)
    assert refusal.value.code == "request_not_pending"
    assert CreditLine.objects.get(pk=line.pk).limit == 5_000_000


def test_limit_cut_below_used_reduces_the_line(ops, checker, line):
    helpers.active_loan(line, amount=3_000_000)
    proposal = lines.propose_limit_change(
        actor=ops, line_id=line.public_id, new_limit=1_000_000, reason="risk"
    )
    requests.approve_request(actor=checker, request_id=proposal.public_id)
    reduced = CreditLine.objects.get(pk=line.pk)
    assert (reduced.status, reduced.available) == (CreditLine.Status.REDUCED, 0)


def test_limit_increase_respects_the_cap(ops, product_version, line):
    helpers.open_line(ops, product_version, limit=14_000_000)
    with pytest.raises(DomainError) as refusal:
        lines.propose_limit_change(
            actor=ops, line_id=line.public_id, new_limit=7_000_000, reason="more"
        )
    assert refusal.value.code == "total_credit_above_cap"
    assert not MakerCheckerRequest.objects.exists()


def test_close_line_needs_no_open_loans(ops, line):
    helpers.active_loan(line)
    with pytest.raises(DomainError) as refusal:
        lines.close_line(actor=ops, line_id=line.public_id, reason="customer asked")
    assert refusal.value.code == "line_has_open_loans"


def test_close_empty_line(ops, line):
    closed = lines.close_line(actor=ops, line_id=line.public_id, reason="customer asked")
    assert closed.status == CreditLine.Status.CLOSED


def test_borrower_sees_only_own_line(product_version, line):
    with pytest.raises(DomainError) as refusal:
        lines.freeze_line(
            actor=Actor.borrower("cust_someone_else"), line_id=line.public_id, reason="x"
        )
    assert refusal.value.status in (403, 404)


def test_rate_is_stored_exactly(ops, product_version, today):
    line = helpers.open_line(ops, product_version, rate="0.00035")
    assert CreditLine.objects.get(pk=line.pk).daily_rate == Decimal("0.00035")


def test_reduce_limit_lowers_at_once_and_announces_it(ops, product_version, today):
    from microloan.kernel import events

    seen = []

    def record(event: LineLimitChanged):
        seen.append({"event": event.name, **event.payload()})

    line = helpers.open_line(ops, product_version, limit=3_000_000)
    system = Actor.system("early_warning")
    events.subscribe(LineLimitChanged, record)
    try:
        lines.reduce_limit(actor=system, line_id=line.public_id, new_limit=2_000_000, reason="r")
    finally:
        events.unsubscribe(LineLimitChanged, record)
    line.refresh_from_db()
    assert line.limit == 2_000_000
    assert seen == [
        {
            "event": "line.limit_changed",
            "customer_id": CUSTOMER,
            "line_id": line.public_id,
            "old_limit": 3_000_000,
            "new_limit": 2_000_000,
            "reason": "r",
        }
    ]
    with pytest.raises(DomainError) as refusal:
        lines.reduce_limit(actor=system, line_id=line.public_id, new_limit=2_500_000, reason="r")
    assert refusal.value.code == "not_a_reduction"
    line.refresh_from_db()
    assert line.limit == 2_000_000


@pytest.mark.postgres
def test_loan_table_leaves_room_for_hot_updates():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'lending_loan'")
        (options,) = cursor.fetchone()
    assert "fillfactor=70" in (options or [])
