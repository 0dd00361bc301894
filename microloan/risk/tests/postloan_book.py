"""Helpers for post-loan tests: a lending product, staff, lines and loans through lending's
services, walking business days with the real end of day, and running the hook directly."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from dataclasses import replace
from decimal import Decimal

from django.contrib.auth.models import Permission
from django.db import transaction

from microloan.accounts.testing import make_staff
from microloan.batch.registry import Partition, StepContext
from microloan.batch.services import run_eod
from microloan.batch.sql import ID_CEILING
from microloan.customers.testing import ensure_customer
from microloan.kernel.actors import Actor
from microloan.kernel.models import BusinessDate
from microloan.kernel.services import get_business_date, set_initial_business_date
from microloan.lending.models import CreditLine, Instalment, Loan
from microloan.lending.services import drawdowns, lines, repayments
from microloan.products.domain import default_weilidai_terms
from microloan.products.models import Product, ProductVersion
from microloan.risk.postloan.services import run_postloan_checks

EOD_ACTOR = Actor.system("test-eod")
SETUP_ACTOR = Actor.system("test")
_refs = itertools.count(1)


def staff_with(*perms: str, role: str | None = None):
    user = make_staff(role=role)
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return type(user).objects.get(pk=user.pk)


def start_book(day: dt.date) -> ProductVersion:
    """Business date ``day`` and an active Weilidai-like product version."""
    set_initial_business_date(day)
    maker = make_staff()
    product, _ = Product.objects.get_or_create(
        code="WLD", defaults={"name_zh": "微粒贷", "name_en": "Weilidai"}
    )
    version = ProductVersion(product=product, version=1, maker=maker, status="active")
    version.set_terms(replace(default_weilidai_terms()))
    version.save()
    return version


def open_line(version, customer: str, limit: int = 5_000_000) -> CreditLine:
    ensure_customer(customer)  # a line opens only for a registered customer
    return lines.open_credit_line(
        actor=SETUP_ACTOR,
        customer_id=customer,
        product_version_id=version.public_id,
        limit=limit,
        daily_rate=Decimal("0.0005"),
    )


def draw(line: CreditLine, amount: int = 1_200_000, term: int = 5) -> Loan:
    """A loan drawn and disbursed today (equal instalments)."""
    on = get_business_date()
    loan = drawdowns.drawdown(
        actor=Actor.borrower(line.customer_id),
        line_id=line.public_id,
        amount=amount,
        term_months=term,
        method="equal_instalment",
        business_date=on,
    )
    return drawdowns.disburse_loan(actor=SETUP_ACTOR, loan_id=loan.public_id, business_date=on)


def pay_what_falls_due_today(customers: set[str] | None = None) -> int:
    """Repay exactly the principal and interest of every instalment due today (on time), for
    the customers or lines (public ids) in ``customers`` (None: all)."""
    today = get_business_date()
    paid = 0
    due = Instalment.objects.filter(due_date=today, loan__status=Loan.Status.ACTIVE).exclude(
        status__in=(Instalment.Status.PAID, Instalment.Status.CANCELLED)
    )
    for inst in due.select_related("loan__line"):
        owners = {inst.loan.customer_id, inst.loan.line.public_id}
        if customers is not None and not owners & customers:
            continue
        amount = inst.principal + inst.interest - inst.paid_principal - inst.paid_interest
        repayments.repay(
            actor=Actor.system("payments"),  # as when the bank reports the debit paid
            loan_id=inst.loan.public_id,
            amount=amount,
            business_date=today,
            source_ref=f"test-pay:{next(_refs)}",
        )
        paid += 1
    return paid


def walk_to(day: dt.date, *, pay: set[str] | None = frozenset()) -> dt.date:
    """Run end of day up to ``day`` (then today), stopping on every due date to repay what
    falls due for the customers in ``pay`` (None: everyone); quiet days are jumped over."""
    while (today := get_business_date()) < day:
        if pay is None or pay:
            pay_what_falls_due_today(None if pay is None else set(pay))
        active = Loan.objects.filter(status=Loan.Status.ACTIVE)
        if active.filter(overdue_principal__gt=0).exists():
            run_eod(actor=EOD_ACTOR)
            continue
        following = (
            active.exclude(next_due_date=None)
            .order_by("next_due_date")
            .values_list("next_due_date", flat=True)
            .first()
        )
        stop = min(day, following) if following else day
        if stop > today + dt.timedelta(days=1):  # never past a due date: EOD rolls it that day
            BusinessDate.objects.filter(id=1).update(current=stop - dt.timedelta(days=1))
        run_eod(actor=EOD_ACTOR)
    return get_business_date()


def run_hook(day: dt.date | None = None, bounds=((0, ID_CEILING),)) -> int:
    """The post-loan hook for ``day`` (default today) over partitions ``bounds``, as end of
    day runs it: one transaction per partition."""
    day = day or get_business_date()
    written, run_id = 0, f"test-{uuid.uuid4().hex}"  # one run: its partitions share a search
    for index, (lo, hi) in enumerate(bounds):
        with transaction.atomic():
            written += run_postloan_checks(
                StepContext(
                    run_id=run_id,
                    business_date=day,
                    actor=EOD_ACTOR,
                    partition=Partition(index=index, lo=lo, hi=hi),
                )
            )
    return written
