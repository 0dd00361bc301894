"""After every end of day the loan sub-ledger equals the general ledger, the allowance equals
the provision rules, and the snapshot adds up to the loans."""

from __future__ import annotations

from collections import defaultdict

import pytest
from django.db.models import Count, Sum

from microloan.batch.models import PortfolioSnapshot
from microloan.batch.services import BATCH_ACTOR, run_eod
from microloan.ledger import accounts as gl
from microloan.ledger.services import gl_balances_by_product
from microloan.lending.classification import bucket
from microloan.lending.eod.provisions import PROVISION_RATES, required_allowance
from microloan.lending.models import Loan

from .helpers import assert_subledger_equals_gl

pytestmark = pytest.mark.django_db


def _expected_allowance() -> dict[str, int]:
    by_product: dict[str, dict[str, int]] = defaultdict(dict)
    for row in (
        Loan.objects.filter(status="active")
        .values("product_code", "category")
        .annotate(principal=Sum("principal_outstanding"))
    ):
        by_product[row["product_code"]][row["category"]] = row["principal"]
    return {p: required_allowance(c, PROVISION_RATES) for p, c in by_product.items()}


def _expected_snapshot(business_date) -> dict:
    groups: dict[tuple, list[int]] = defaultdict(lambda: [0] * 6)
    for loan in Loan.objects.filter(status="active"):
        key = (loan.product_code, loan.category, str(bucket(loan.dpd)))
        for index, value in enumerate(
            (
                1,
                loan.principal_outstanding,
                loan.overdue_principal,
                loan.interest_receivable,
                loan.overdue_interest,
                loan.penalty_receivable,
            )
        ):
            groups[key][index] += value
    return {key: tuple(values) for key, values in groups.items()}


def test_subledger_allowance_and_snapshot_after_each_day(book):
    assert_subledger_equals_gl()
    for _day in range(4):
        run = run_eod(actor=BATCH_ACTOR, partitions=2)
        assert_subledger_equals_gl()
        allowance = gl_balances_by_product(account_codes=[gl.LOAN_LOSS_ALLOWANCE])
        for product, required in _expected_allowance().items():
            assert allowance[product][gl.LOAN_LOSS_ALLOWANCE] == required, product
        snapshot = {
            (s.product_code, s.category, s.dpd_bucket): (
                s.loan_count,
                s.principal_outstanding,
                s.overdue_principal,
                s.interest_receivable,
                s.overdue_interest,
                s.penalty_receivable,
            )
            for s in PortfolioSnapshot.objects.filter(business_date=run.business_date)
        }
        assert snapshot == _expected_snapshot(run.business_date)
    # The book holds arrears in several buckets and categories, so the checks above had teeth.
    kinds = PortfolioSnapshot.objects.aggregate(
        buckets=Count("dpd_bucket", distinct=True), categories=Count("category", distinct=True)
    )
    assert kinds["buckets"] >= 3 and kinds["categories"] >= 3
    assert Loan.objects.filter(penalty_receivable__gt=0).exists()
