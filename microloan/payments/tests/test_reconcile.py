"""Settlement reconciliation: every kind of break, a malformed line, resolving a break."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from microloan.kernel.actors import Actor
from microloan.kernel.errors import Conflict, PermissionDenied, ValidationFailed
from microloan.payments.channels.simulator import InProcessSimulator
from microloan.payments.models import (
    PaymentOrder,
    ReconciliationRun,
    SettlementBreak,
    SimulatedBankPayment,
)
from microloan.payments.services.reconcile import reconcile_settlement, resolve_break
from microloan.payments.settlement import (
    OurOrder,
    SettlementFileInvalid,
    SettlementLine,
    find_breaks,
    parse_settlement,
)

from .conftest import draw

DAY = dt.date(2026, 3, 2)


def line(n, order_id, amount, status="succeeded", ref="R"):
    return SettlementLine(n, order_id, amount, status, ref)


# (name, bank lines, our orders, our succeeded ids of the day, expected (kind, order) pairs)
CASES = [
    ("all match", [line(1, "p1", 100)], {"p1": OurOrder("p1", 100, "succeeded", "R")}, {"p1"}, []),
    (
        "missing on our side",
        [line(1, "p9", 100)],
        {},
        set(),
        [("missing_ours", "p9")],
    ),
    (
        "missing on theirs",
        [],
        {"p1": OurOrder("p1", 100, "succeeded", "R")},
        {"p1"},
        [("missing_theirs", "p1")],
    ),
    (
        "amount mismatch",
        [line(1, "p1", 101)],
        {"p1": OurOrder("p1", 100, "succeeded", "R")},
        {"p1"},
        [("amount_mismatch", "p1")],
    ),
    (
        "status mismatch (we still wait)",
        [line(1, "p1", 100)],
        {"p1": OurOrder("p1", 100, "pending", "R")},
        set(),
        [("status_mismatch", "p1")],
    ),
    (
        "amount and status both differ",
        [line(1, "p1", 90, "failed")],
        {"p1": OurOrder("p1", 100, "succeeded", "R")},
        {"p1"},
        [("amount_mismatch", "p1"), ("status_mismatch", "p1")],
    ),
    (
        "failed on both sides matches",
        [line(1, "p1", 100, "failed")],
        {"p1": OurOrder("p1", 100, "failed", "R")},
        set(),
        [],
    ),
]


@pytest.mark.parametrize(
    ("theirs", "ours", "for_date", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_breaks_table(theirs, ours, for_date, expected):
    found = find_breaks(theirs, ours, for_date)
    assert [(b.kind, b.order_id) for b in found] == expected


@pytest.mark.parametrize(
    ("text", "line_no"),
    [
        ("order_id,amount,status,channel_ref\npay_1,100,succeeded,R\npay_2,abc,succeeded,R\n", 3),
        ("pay_1,100,succeeded\n", 1),
        ("pay_1,100,succeeded,R,extra\n", 1),
        ("pay_1,-5,succeeded,R\n", 1),
        ("pay_1,1.50,succeeded,R\n", 1),
        ("pay_1,100,done,R\n", 1),
        (",100,succeeded,R\n", 1),
        ("pay_1,100,succeeded,R\npay_1,100,succeeded,R\n", 2),
    ],
)
def test_malformed_lines_are_refused_with_their_number(text, line_no):
    with pytest.raises(SettlementFileInvalid) as refused:
        parse_settlement(text)
    assert refused.value.line == line_no


def test_header_and_blank_lines_are_fine():
    text = "order_id,amount,status,channel_ref\n\npay_1,100,succeeded,R1\n"
    assert parse_settlement(text) == [SettlementLine(3, "pay_1", 100, "succeeded", "R1")]


@pytest.fixture
def settled_day(line, signed, today):
    """Three disbursements of today: two paid, one refused by the bank."""
    paid = [signed(draw(line, amount=100_000)), signed(draw(line, amount=200_000))]
    refused = signed(draw(line, amount=300_091))
    return paid, refused


@pytest.mark.django_db
def test_simulator_file_matches_our_orders(settled_day, operations, today):
    run = reconcile_settlement(actor=operations, business_date=today)
    assert (run.lines, run.breaks, run.matched) == (3, 0, 3)
    # The same file again is the same run.
    assert reconcile_settlement(actor=operations, business_date=today).pk == run.pk


@pytest.mark.django_db
def test_reconciliation_stores_every_break(settled_day, operations, today):
    (first, second), refused = settled_day
    text = InProcessSimulator().settlement_file(today)
    rows = text.strip().split("\n")
    header, bank = rows[0], rows[1:]
    changed = [
        r.replace(",100000,", ",100001,") for r in bank if r.startswith(first.public_id)
    ]  # amount mismatch
    unchanged_refused = [r for r in bank if r.startswith(refused.public_id)]
    # second is missing on their side; a stranger is missing on ours; refused status differs
    stranger = "pay_stranger,5000,succeeded,SIMX"
    refused_as_paid = [r.replace(",failed,", ",succeeded,") for r in unchanged_refused]
    text = "\n".join([header, *changed, *refused_as_paid, stranger]) + "\n"
    run = reconcile_settlement(actor=operations, business_date=today, text=text)
    found = sorted(SettlementBreak.objects.filter(run=run).values_list("kind", "order_id"))
    assert found == sorted(
        [
            ("amount_mismatch", first.public_id),
            ("missing_theirs", second.public_id),
            ("missing_ours", "pay_stranger"),
            ("status_mismatch", refused.public_id),
        ]
    )
    item = SettlementBreak.objects.get(run=run, kind="amount_mismatch")
    assert (item.our_amount, item.their_amount) == (100_000, 100_001)
    # A corrected file supersedes the open breaks of the earlier run.
    fixed = reconcile_settlement(actor=operations, business_date=today)
    assert fixed.breaks == 0
    assert not SettlementBreak.objects.filter(status="open").exists()


@pytest.mark.django_db
def test_malformed_file_stores_nothing(settled_day, operations, today):
    text = "order_id,amount,status,channel_ref\npay_1,100,succeeded,R\npay_2,1e3,succeeded,R\n"
    with pytest.raises(ValidationFailed) as refused:
        reconcile_settlement(actor=operations, business_date=today, text=text)
    assert refused.value.code == "settlement_line_invalid"
    assert refused.value.fields["line"] == 3
    assert not ReconciliationRun.objects.exists() and not SettlementBreak.objects.exists()


@pytest.mark.django_db
def test_command_reconciles_a_file_and_refuses_a_malformed_one(
    settled_day, today, tmp_path, capsys
):
    good = tmp_path / "good.csv"
    good.write_text(InProcessSimulator().settlement_file(today) + "pay_stranger,5,succeeded,X\n")
    call_command("payments", "reconcile", "--date", today.isoformat(), "--file", str(good))
    out = capsys.readouterr().out
    assert "1 breaks" in out and "missing_ours" in out
    bad = tmp_path / "bad.csv"
    bad.write_text("pay_1,100,succeeded,R\npay_2,x,succeeded,R\n")
    runs = ReconciliationRun.objects.count()
    with pytest.raises(CommandError, match="line 2"):
        call_command("payments", "reconcile", "--date", today.isoformat(), "--file", str(bad))
    assert ReconciliationRun.objects.count() == runs


@pytest.mark.django_db
def test_resolving_a_break(settled_day, operations, today):
    run = reconcile_settlement(
        actor=operations, business_date=today, text="pay_stranger,5000,succeeded,SIMX\n"
    )
    item = SettlementBreak.objects.get(run=run, kind="missing_ours")
    with pytest.raises(ValidationFailed):
        resolve_break(actor=operations, break_id=item.public_id, resolution="  ")
    with pytest.raises(PermissionDenied):
        resolve_break(actor=Actor.borrower("cus_x"), break_id=item.public_id, resolution="x")
    done = resolve_break(actor=operations, break_id=item.public_id, resolution="bank error")
    assert done.status == "resolved" and done.resolved_by == operations.label
    with pytest.raises(Conflict):
        resolve_break(actor=operations, break_id=item.public_id, resolution="again")


@pytest.mark.django_db
def test_simulator_books_each_order_once(settled_day):
    assert SimulatedBankPayment.objects.count() == 3
    assert PaymentOrder.objects.filter(status="succeeded").count() == 2
