"""Reversing an entry: sides swapped, at most once, never a reversal, audited."""

import datetime as dt

import pytest

from microloan.audit.models import AuditRecord
from microloan.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from microloan.ledger import accounts as gl
from microloan.ledger.models import JournalEntry
from microloan.ledger.services import (
    account_balances,
    post_entry,
    post_manual_entry,
    reverse_entry,
    trial_balance,
)

from .helpers import TODAY

pytestmark = pytest.mark.django_db

YESTERDAY = TODAY - dt.timedelta(days=1)


@pytest.fixture
def repayment(today, system):
    """A loan's own entry: lending owns it, so it is not reversed here."""
    return post_entry(
        actor=system,
        entry_type="repayment",
        business_date=YESTERDAY,
        lines=[
            {"account": gl.BANK_CLEARING, "debit": 1_000},
            {"account": gl.INTEREST_RECEIVABLE, "credit": 300},
            {"account": gl.LOANS_PRINCIPAL, "credit": 700},
        ],
        loan_id="loan_a",
        product_code="WLD",
        source_ref="repayment:pay_1",
    )


@pytest.fixture
def adjustment(today, accountant):
    """A person's entry: the ledger's own, reversible here."""
    return post_manual_entry(
        actor=accountant,
        business_date=YESTERDAY,
        lines=[
            {"account": gl.BANK_CLEARING, "debit": 1_000},
            {"account": gl.FEE_INCOME, "credit": 300},
            {"account": gl.INTEREST_INCOME, "credit": 700},
        ],
        description="bank charge booked as a receipt",
        loan_id="loan_a",
        product_code="WLD",
    )


def reverse(actor, entry, **extra):
    fields = {
        "actor": actor,
        "entry_id": entry.public_id,
        "business_date": TODAY,
        "reason": "payment bounced",
        **extra,
    }
    return reverse_entry(**fields)


def test_a_reversal_swaps_every_line_and_nets_the_entry_to_zero(accountant, adjustment):
    reversal = reverse(accountant, adjustment)
    assert (reversal.entry_type, reversal.business_date) == ("reversal", TODAY)
    assert reversal.reverses_id == adjustment.pk
    assert adjustment.reversal == reversal
    assert (reversal.loan_id, reversal.product_code) == ("loan_a", "WLD")
    assert reversal.description == f"Reversal of {adjustment.public_id}: payment bounced"
    assert list(reversal.lines.order_by("id").values_list("account_id", "debit", "credit")) == [
        (gl.BANK_CLEARING, 0, 1_000),
        (gl.FEE_INCOME, 300, 0),
        (gl.INTEREST_INCOME, 700, 0),
    ]
    assert set(account_balances(loan_id="loan_a").values()) == {0}
    assert trial_balance().balanced


def test_the_balance_before_the_reversal_date_still_shows_the_entry(accountant, adjustment):
    reverse(accountant, adjustment)
    assert account_balances(account_codes=[gl.BANK_CLEARING], as_of=YESTERDAY) == {
        gl.BANK_CLEARING: 1_000
    }


def test_a_reversal_is_audited_against_the_reversed_entry(accountant, adjustment):
    reversal = reverse(accountant, adjustment)
    record = AuditRecord.objects.get(action="ledger.entry_reversed")
    assert record.object_id == adjustment.public_id
    assert record.after == {
        "reversal": reversal.public_id,
        "business_date": TODAY.isoformat(),
        "reason": "payment bounced",
    }


def test_an_entry_is_reversed_at_most_once(accountant, adjustment):
    reverse(accountant, adjustment)
    with pytest.raises(Conflict) as refused:
        reverse(accountant, adjustment, reason="again")
    assert refused.value.code == "already_reversed"
    assert JournalEntry.objects.filter(entry_type="reversal").count() == 1
    assert AuditRecord.objects.filter(action="ledger.entry_reversed").count() == 1


def test_a_reversal_cannot_itself_be_reversed(accountant, adjustment):
    reversal = reverse(accountant, adjustment)
    with pytest.raises(Conflict) as refused:
        reverse(accountant, reversal)
    assert refused.value.code == "cannot_reverse_reversal"
    assert JournalEntry.objects.count() == 2


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"business_date": YESTERDAY - dt.timedelta(days=1)}, "reversal_before_original"),
        ({"business_date": TODAY + dt.timedelta(days=1)}, "future_business_date"),
        ({"reason": "  "}, "validation_failed"),
        ({"reason": "x" * 501}, "validation_failed"),
    ],
)
def test_a_refused_reversal_stores_nothing(accountant, adjustment, changes, code):
    with pytest.raises(ValidationFailed) as refused:
        reverse(accountant, adjustment, **changes)
    assert refused.value.code == code
    assert JournalEntry.objects.count() == 1
    assert not AuditRecord.objects.filter(action="ledger.entry_reversed").exists()


def test_reversing_an_unknown_entry_is_not_found(accountant, today):
    with pytest.raises(NotFound) as refused:
        reverse_entry(actor=accountant, entry_id="je_nope", business_date=TODAY, reason="x")
    assert refused.value.code == "entry_not_found"


def test_reversing_needs_the_manual_entry_permission(clerk, adjustment):
    with pytest.raises(PermissionDenied):
        reverse(clerk, adjustment)
    assert JournalEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("entry_type", "owner"),
    [("repayment", "lending"), ("disbursement", "lending"), ("interest_accrual", "lending")],
)
def test_an_entry_a_subledger_owns_is_refused_naming_the_owner(
    accountant, system, today, entry_type, owner
):
    entry = post_entry(
        actor=system,
        entry_type=entry_type,
        business_date=YESTERDAY,
        lines=[
            {"account": gl.BANK_CLEARING, "debit": 1_000},
            {"account": gl.LOANS_PRINCIPAL, "credit": 1_000},
        ],
        loan_id="loan_a",
    )
    with pytest.raises(Conflict) as refused:
        reverse(accountant, entry)
    assert (refused.value.status, refused.value.code) == (409, "entry_owned_by_subledger")
    assert refused.value.fields == {"entry_id": entry.public_id, "owner": owner}
    assert JournalEntry.objects.count() == 1
    assert not AuditRecord.objects.exists()


def test_the_loan_repayment_entry_stays_unreversed(accountant, repayment):
    with pytest.raises(Conflict):
        reverse(accountant, repayment)
    assert repayment.reversal is None
