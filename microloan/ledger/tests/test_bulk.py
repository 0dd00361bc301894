"""End of day's bulk posting: set-based, all or nothing, idempotent by source_ref."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from microloan.kernel.errors import Conflict, ValidationFailed
from microloan.ledger import accounts as gl
from microloan.ledger.domain import EntryDraft
from microloan.ledger.models import JournalEntry, JournalLine
from microloan.ledger.services import post_entries_bulk, trial_balance

from .helpers import dr_cr

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 1)


def accrual(part: int, amount: int = 100, *, ref: str | None = "default") -> EntryDraft:
    return EntryDraft.of(
        entry_type="interest_accrual",
        business_date=DAY,
        lines=dr_cr(gl.INTEREST_RECEIVABLE, gl.INTEREST_INCOME, amount),
        product_code="WLD",
        description=f"interest accrual part {part}",
        source_ref=f"eod:accrual:{DAY}:WLD:part{part}" if ref == "default" else ref,
    )


def test_ten_thousand_drafts_are_posted_in_few_queries(system):
    # Speed is measured by benchmarks, never asserted here; the query count is the contract.
    drafts = [accrual(part, amount=part + 1) for part in range(10_000)]
    with CaptureQueriesContext(connection) as queries:
        posted = post_entries_bulk(actor=system, drafts=drafts)
    assert posted == 10_000
    assert (JournalEntry.objects.count(), JournalLine.objects.count()) == (10_000, 20_000)
    assert len(queries) < 250  # set-based: no query per draft
    report = trial_balance()
    assert report.total_debit == report.total_credit == sum(range(1, 10_001))
    entry = JournalEntry.objects.get(source_ref=f"eod:accrual:{DAY}:WLD:part41")
    assert (entry.entry_type, entry.business_date, entry.created_by) == (
        "interest_accrual",
        DAY,
        "system:test-ledger",
    )
    assert abs(entry.created_at - timezone.now()) < dt.timedelta(minutes=1)
    assert list(entry.lines.values_list("account_id", "debit", "credit", "product_code")) == [
        (gl.INTEREST_RECEIVABLE, 42, 0, "WLD"),
        (gl.INTEREST_INCOME, 0, 42, "WLD"),
    ]


def test_a_rerun_skips_drafts_already_posted(system):
    assert post_entries_bulk(actor=system, drafts=[accrual(0), accrual(1)]) == 2
    assert post_entries_bulk(actor=system, drafts=[accrual(0), accrual(1), accrual(2)]) == 1
    assert JournalEntry.objects.count() == 3


def test_a_draft_repeated_in_one_batch_is_posted_once(system):
    assert post_entries_bulk(actor=system, drafts=[accrual(0), accrual(0)]) == 1
    assert JournalEntry.objects.count() == 1


def test_drafts_without_source_ref_are_all_posted(system):
    assert post_entries_bulk(actor=system, drafts=[accrual(0, ref=None), accrual(0, ref=None)]) == 2


def test_a_different_posting_under_a_used_source_ref_refuses_the_whole_batch(system):
    post_entries_bulk(actor=system, drafts=[accrual(0)])
    with pytest.raises(Conflict) as refused:
        post_entries_bulk(actor=system, drafts=[accrual(1), accrual(0, amount=999)])
    assert refused.value.code == "source_ref_conflict"
    assert "drafts.1.source_ref" in refused.value.fields
    assert JournalEntry.objects.count() == 1


def test_one_invalid_draft_refuses_the_whole_batch_and_names_it(system):
    bad = EntryDraft.of(
        entry_type="interest_accrual",
        business_date=DAY,
        lines=[{"account": gl.INTEREST_RECEIVABLE, "debit": 5}, {"account": "6000", "credit": 5}],
    )
    with pytest.raises(ValidationFailed) as refused:
        post_entries_bulk(actor=system, drafts=[accrual(0), bad])
    assert refused.value.code == "unknown_account"
    assert list(refused.value.fields) == ["drafts.1.lines.1.account"]
    assert JournalEntry.objects.count() == 0


def test_manual_entries_cannot_be_posted_in_bulk(system):
    manual = EntryDraft.of(
        entry_type="manual", business_date=DAY, lines=dr_cr(gl.FEE_INCOME, gl.BANK_CLEARING, 5)
    )
    with pytest.raises(ValidationFailed) as refused:
        post_entries_bulk(actor=system, drafts=[manual])
    assert refused.value.code == "reserved_entry_type"


def test_an_empty_batch_posts_nothing(system):
    assert post_entries_bulk(actor=system, drafts=[]) == 0
