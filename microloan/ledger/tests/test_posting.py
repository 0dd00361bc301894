"""Posting entries: validation with nothing stored, idempotency by source_ref, manual entries,
and entries that cannot be changed once posted."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from microloan.audit.models import AuditRecord
from microloan.kernel.actors import Actor
from microloan.kernel.errors import Conflict, PermissionDenied, ValidationFailed
from microloan.ledger import accounts as gl
from microloan.ledger.domain import LineDraft
from microloan.ledger.models import ImmutableLedgerRecord, JournalEntry, JournalLine
from microloan.ledger.services import account_balances, post_entry, post_manual_entry

from .helpers import TODAY, disbursement_lines, dr_cr

pytestmark = pytest.mark.django_db


def disburse(actor, amount=100_000, **extra):
    fields = {
        "actor": actor,
        "entry_type": "disbursement",
        "business_date": TODAY,
        "lines": disbursement_lines(amount),
        "loan_id": "loan_a",
        "product_code": "WLD",
        **extra,
    }
    return post_entry(**fields)


def ledger_state():
    return JournalEntry.objects.count(), JournalLine.objects.count()


def test_a_posted_entry_keeps_its_header_and_lines(system):
    entry = disburse(system, description="drawdown", source_ref="disbursement:loan_a")
    assert entry.public_id.startswith("je_")
    assert (entry.entry_type, entry.business_date, entry.description) == (
        "disbursement",
        TODAY,
        "drawdown",
    )
    assert (entry.loan_id, entry.product_code, entry.created_by) == (
        "loan_a",
        "WLD",
        "system:test-ledger",
    )
    lines = list(
        entry.lines.order_by("id").values_list(
            "account_id", "debit", "credit", "loan_id", "product_code", "business_date"
        )
    )
    assert lines == [
        (gl.LOANS_PRINCIPAL, 100_000, 0, "loan_a", "WLD", TODAY),
        (gl.BANK_CLEARING, 0, 100_000, "loan_a", "WLD", TODAY),
    ]
    assert account_balances(account_codes=[gl.LOANS_PRINCIPAL, gl.BANK_CLEARING]) == {
        gl.LOANS_PRINCIPAL: 100_000,
        gl.BANK_CLEARING: -100_000,
    }


def test_line_drafts_and_mappings_may_be_mixed(system):
    entry = post_entry(
        actor=system,
        entry_type="repayment",
        business_date=TODAY,
        lines=[
            LineDraft(gl.BANK_CLEARING, debit=500),
            {"account": gl.INTEREST_RECEIVABLE, "credit": 200},
            {"account": gl.LOANS_PRINCIPAL, "debit": 0, "credit": 300, "loan_id": "loan_b"},
        ],
        loan_id="loan_a",
    )
    assert list(entry.lines.order_by("id").values_list("loan_id", flat=True)) == [
        "loan_a",
        "loan_a",
        "loan_b",
    ]


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        (dr_cr(gl.LOANS_PRINCIPAL, gl.BANK_CLEARING, 0), "zero_line"),
        (dr_cr(gl.LOANS_PRINCIPAL, gl.BANK_CLEARING, -5), "negative_amount"),
        (dr_cr(gl.LOANS_PRINCIPAL, "1001", 5), "unknown_account"),
        (dr_cr(gl.LOANS_PRINCIPAL, gl.BANK_CLEARING, 5)[:1], "unbalanced_entry"),
        ([], "empty_entry"),
    ],
)
def test_an_invalid_entry_is_refused_and_nothing_is_stored(system, lines, code):
    with pytest.raises(ValidationFailed) as refused:
        post_entry(actor=system, entry_type="fee", business_date=TODAY, lines=lines)
    assert refused.value.code == code
    assert ledger_state() == (0, 0)


@pytest.mark.parametrize("entry_type", ["manual", "reversal"])
def test_manual_and_reversal_types_are_refused_by_the_automatic_service(system, entry_type):
    with pytest.raises(ValidationFailed) as refused:
        disburse(system, entry_type=entry_type)
    assert refused.value.code == "reserved_entry_type"
    assert ledger_state() == (0, 0)


def test_posting_again_with_the_same_source_ref_returns_the_first_entry(system):
    first = disburse(system, source_ref="disbursement:loan_a")
    again = disburse(system, source_ref="disbursement:loan_a")
    assert again.pk == first.pk
    assert ledger_state() == (1, 2)


def test_line_order_does_not_make_a_re_posting_different(system):
    first = disburse(system, source_ref="ref-1")
    again = disburse(system, source_ref="ref-1", lines=list(reversed(disbursement_lines(100_000))))
    assert again.pk == first.pk


@pytest.mark.parametrize(
    "changes",
    [
        {"amount": 100_001},
        {"business_date": TODAY - dt.timedelta(days=1)},
        {"entry_type": "repayment", "lines": dr_cr(gl.BANK_CLEARING, gl.LOANS_PRINCIPAL, 100_000)},
        {"loan_id": "loan_other"},
    ],
)
def test_a_different_posting_under_a_used_source_ref_is_refused(system, changes):
    disburse(system, source_ref="disbursement:loan_a")
    with pytest.raises(Conflict) as refused:
        disburse(system, source_ref="disbursement:loan_a", **changes)
    assert refused.value.code == "source_ref_conflict"
    assert refused.value.status == 409
    assert ledger_state() == (1, 2)


def test_entries_without_source_ref_are_all_posted(system):
    disburse(system)
    disburse(system)
    assert ledger_state() == (2, 4)


def test_a_lost_race_on_the_source_ref_returns_the_winners_entry(system, monkeypatch):
    """Both callers saw no entry; the second insert fails on the unique source_ref."""
    winner = disburse(system, source_ref="race")
    from microloan.ledger import services

    looked = []
    real = services._already_posted

    def first_look_misses(draft):
        looked.append(draft.source_ref)
        return None if len(looked) == 1 else real(draft)

    monkeypatch.setattr(services, "_already_posted", first_look_misses)
    assert disburse(system, source_ref="race").pk == winner.pk
    assert looked == ["race", "race"]
    assert ledger_state() == (1, 2)


# --- immutability --------------------------------------------------------------------------


def test_a_posted_entry_cannot_be_saved_again_or_deleted(system):
    entry = disburse(system)
    line = entry.lines.first()
    for record in (entry, line):
        with pytest.raises(ImmutableLedgerRecord):
            record.save()
        with pytest.raises(ImmutableLedgerRecord):
            record.delete()
    entry.refresh_from_db()
    assert entry.description == ""


@pytest.mark.parametrize("model", [JournalEntry, JournalLine])
def test_querysets_refuse_bulk_changes(system, model):
    disburse(system)
    rows = model.objects.all()
    with pytest.raises(ImmutableLedgerRecord):
        rows.update(loan_id="changed")
    with pytest.raises(ImmutableLedgerRecord):
        rows.delete()
    with pytest.raises(ImmutableLedgerRecord):
        model.objects.bulk_update(list(rows), ["loan_id"])
    assert ledger_state() == (1, 2)


def test_the_database_refuses_a_two_sided_line(system):
    entry = disburse(system)
    with pytest.raises(IntegrityError), transaction.atomic():
        JournalLine.objects.create(
            entry=entry, account_id=gl.BANK_CLEARING, debit=5, credit=5, business_date=TODAY
        )


# --- manual entries ------------------------------------------------------------------------


def manual(actor, **extra):
    fields = {
        "actor": actor,
        "business_date": TODAY,
        "lines": dr_cr(gl.CREDIT_IMPAIRMENT_LOSS, gl.LOAN_LOSS_ALLOWANCE, 12_345),
        "description": "year-end top-up of the allowance",
        **extra,
    }
    return post_manual_entry(**fields)


def test_a_manual_entry_is_posted_and_audited(today, accountant):
    entry = manual(accountant, product_code="WLD")
    assert entry.entry_type == "manual"
    assert entry.created_by == "staff:accountant"
    record = AuditRecord.objects.get(action="ledger.manual_entry_posted")
    assert (record.actor_id, record.object_id) == ("accountant", entry.public_id)
    assert record.after["lines"][0] == {
        "account": gl.CREDIT_IMPAIRMENT_LOSS,
        "debit": "123.45",
        "credit": "0.00",
        "loan_id": None,
        "product_code": "WLD",
    }


def test_a_manual_entry_replayed_by_source_ref_is_audited_once(today, accountant):
    first = manual(accountant, source_ref="manual:1")
    assert manual(accountant, source_ref="manual:1").pk == first.pk
    assert AuditRecord.objects.filter(action="ledger.manual_entry_posted").count() == 1


def test_a_manual_entry_needs_the_permission(today, clerk):
    with pytest.raises(PermissionDenied):
        manual(clerk)
    assert ledger_state() == (0, 0)
    assert not AuditRecord.objects.exists()


def test_a_borrower_cannot_post_a_manual_entry(today):
    with pytest.raises(PermissionDenied):
        manual(Actor.borrower("cust_a"))


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"business_date": TODAY + dt.timedelta(days=1)}, "future_business_date", "business_date"),
        ({"description": ""}, "validation_failed", "description"),
        ({"lines": dr_cr(gl.FEE_INCOME, gl.BANK_CLEARING, 0)}, "zero_line", "lines.0"),
    ],
)
def test_a_refused_manual_entry_stores_nothing(today, accountant, changes, code, field):
    with pytest.raises(ValidationFailed) as refused:
        manual(accountant, **changes)
    assert (refused.value.code, list(refused.value.fields)) == (code, [field])
    assert ledger_state() == (0, 0)
    assert not AuditRecord.objects.exists()
