"""Home-page figures of lending: the book (balance, loans), disbursed today, delinquency."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from microloan.backoffice.dashboard import HOME_PANELS, Figure, ratio

from .models import Loan

_ORDERS = "payments.view_paymentorder"
_LOANS = "lending.view_loan"
_BALANCE = Coalesce(Sum("principal_outstanding"), 0)


def book_figures(user, business_date: dt.date) -> list[Figure]:
    active = Loan.Status.ACTIVE
    book = Loan.objects.filter(status=active).aggregate(
        loans=Count("id"),
        balance=_BALANCE,
        overdue=Coalesce(Sum("principal_outstanding", filter=Q(dpd__gt=0)), 0),
        over_30=Coalesce(Sum("principal_outstanding", filter=Q(dpd__gt=30)), 0),
        over_90=Coalesce(Sum("principal_outstanding", filter=Q(dpd__gt=90)), 0),
    )
    # disbursed on the business date: loans whose value date it is, whatever became of them
    disbursed = Loan.objects.filter(start_date=business_date).aggregate(
        loans=Count("id"), amount=Coalesce(Sum("principal"), 0)
    )
    base = reverse("lending:loans")
    # the loan list has no value-date filter; the day's succeeded disbursement orders do
    query = {"kind": "disbursement", "status": "succeeded", "business_date": business_date}
    paid_out = f"{reverse('payments:orders')}?{urlencode(query)}"

    def loans(**query) -> str:
        return f"{base}?{urlencode({'status': active, **query})}"

    balance = book["balance"]
    return [
        Figure(
            str(_("Book balance (principal outstanding)")),
            balance,
            loans(),
            kind="money",
            needs=_LOANS,
        ),
        Figure(str(_("Active loans")), book["loans"], loans(), needs=_LOANS),
        Figure(
            str(_("Disbursed today")), disbursed["amount"], paid_out, kind="money", needs=_ORDERS
        ),
        Figure(str(_("Loans disbursed today")), disbursed["loans"], paid_out, needs=_ORDERS),
        Figure(
            str(_("Overdue ratio (balance past due)")),
            ratio(book["overdue"], balance),
            loans(dpd_min=1),
            kind="percent",
            needs=_LOANS,
        ),
        Figure(
            str(_("Delinquency over 30 days")),
            ratio(book["over_30"], balance),
            loans(dpd_min=31),
            kind="percent",
            needs=_LOANS,
        ),
        Figure(
            str(_("Delinquency over 90 days")),
            ratio(book["over_90"], balance),
            loans(dpd_min=91),
            kind="percent",
            needs=_LOANS,
        ),
    ]


def register() -> None:
    """Idempotent: ``ready()`` may run more than once in tests."""
    entry = (_("Loan book"), "reports.view_reports", book_figures)
    if book_figures not in {provider for _t, _p, provider in HOME_PANELS}:
        HOME_PANELS.append(entry)
