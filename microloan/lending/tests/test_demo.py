"""The lending demo builds its book through the services, and the books agree."""

from io import StringIO

import pytest

from microloan.lending import demo
from microloan.lending.models import CreditLine, Loan, MakerCheckerRequest
from microloan.lending.services import reconcile
from microloan.products import demo as products_demo

pytestmark = pytest.mark.django_db


def test_demo_book(today):
    products_demo.build_demo(StringIO())
    demo.build_demo(StringIO())
    statuses = sorted(Loan.objects.values_list("status", flat=True))
    assert statuses == sorted(
        ["active", "active", "pending_disbursement", "paid_off", "written_off"]
    )
    assert CreditLine.objects.filter(status="frozen").count() == 2
    assert MakerCheckerRequest.objects.filter(status="pending").count() == 2
    assert reconcile.reconcile().ok
    out = StringIO()
    demo.build_demo(out)  # a second run changes nothing
    assert "unchanged" in out.getvalue()
    assert Loan.objects.count() == 5
