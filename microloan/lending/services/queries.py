"""Read-only look-ups for the API and the back office: narrow queries, paginated lists.

A borrower sees only their own lines and loans; staff need the view permission. APRs are
computed here so every screen shows the same figure.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from microloan.kernel.actors import Actor
from microloan.kernel.errors import ValidationFailed
from microloan.kernel.pagination import DEFAULT_PAGE_SIZE, Page, paginate
from microloan.kernel.services import get_business_date
from microloan.loanmath.apr import apr_for_schedule
from microloan.loanmath.schedules import generate_schedule
from microloan.products.domain import ProductTerms, apr_at_rate

from ..models import CreditLine, Instalment, Loan, LoanTransaction, MakerCheckerRequest
from .common import PERM_VIEW_LINE, PERM_VIEW_LOAN, visible_line, visible_loan


def _scope(actor: Actor, queryset: QuerySet, perm: str) -> QuerySet:
    if actor.kind == "borrower":
        return queryset.filter(customer_id=actor.id)
    actor.require(perm)
    return queryset


def list_loans(
    *,
    actor: Actor,
    status: str | None = None,
    customer_id: str | None = None,
    product: str | None = None,
    category: str | None = None,
    dpd_min: int | None = None,
    dpd_max: int | None = None,
    line_id: str | None = None,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> Page:
    """Loans matching every given filter, newest first."""
    loans = _scope(actor, Loan.objects.select_related("line"), PERM_VIEW_LOAN)
    if dpd_min is not None and dpd_max is not None and dpd_min > dpd_max:
        raise ValidationFailed(
            code="invalid_range", fields={"dpd_max": _("Below the minimum days past due.")}
        )
    exact = {
        "status": status,
        "customer_id": customer_id,
        "product_code": product,
        "category": category,
        "line__public_id": line_id,
    }
    loans = loans.filter(**{field: value for field, value in exact.items() if value})
    if dpd_min is not None:
        loans = loans.filter(dpd__gte=dpd_min)
    if dpd_max is not None:
        loans = loans.filter(dpd__lte=dpd_max)
    return paginate(loans.order_by("-id"), page, page_size)


def list_lines(
    *,
    actor: Actor,
    customer_id: str | None = None,
    status: str | None = None,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> Page:
    lines = _scope(
        actor, CreditLine.objects.select_related("product_version__product"), PERM_VIEW_LINE
    )
    exact = {"customer_id": customer_id, "status": status}
    lines = lines.filter(**{field: value for field, value in exact.items() if value})
    return paginate(lines.order_by("-id"), page, page_size)


def line_detail(*, actor: Actor, line_id: str) -> CreditLine:
    return visible_line(actor, line_id)


def loan_detail(*, actor: Actor, loan_id: str) -> Loan:
    return visible_loan(actor, loan_id)


def loan_schedule(
    *, actor: Actor, loan_id: str, include_cancelled: bool = False
) -> list[Instalment]:
    loan = visible_loan(actor, loan_id)
    instalments = loan.instalments.order_by("number", "id")
    if not include_cancelled:
        instalments = instalments.exclude(status=Instalment.Status.CANCELLED)
    return list(instalments)


def loan_transactions(*, actor: Actor, loan_id: str) -> list[LoanTransaction]:
    return list(visible_loan(actor, loan_id).transactions.order_by("id"))


def list_requests(
    *,
    actor: Actor,
    status: str | None = MakerCheckerRequest.Status.PENDING,
    kind: str | None = None,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> Page:
    actor.require_staff()
    actor.require(PERM_VIEW_LOAN, PERM_VIEW_LINE)
    requests = MakerCheckerRequest.objects.select_related("line", "loan", "maker", "checker")
    exact = {"status": status, "kind": kind}
    requests = requests.filter(**{field: value for field, value in exact.items() if value})
    return paginate(requests.order_by("-id"), page, page_size)


@lru_cache(maxsize=2048)
def _schedule_apr(
    principal: int,
    daily_rate: Decimal,
    method: str,
    term_months: int,
    start_date: dt.date,
    day_count: int,
    rounding: str,
) -> Decimal:
    rows = generate_schedule(
        principal=principal,
        daily_rate=daily_rate,
        method=method,
        term_months=term_months,
        start_date=start_date,
        day_count=day_count,
        rounding=rounding,
    )
    return apr_for_schedule(principal, start_date, rows, daily_rate=daily_rate)


def loan_apr(loan: Loan) -> Decimal:
    """The APR (IRR method) of the loan's contract: its principal at its current rate,
    method and term from its value date (the drawdown's schedule start while pending)."""
    start = loan.start_date
    if start is None:
        first = loan.instalments.order_by("number").values_list("start_date", flat=True).first()
        start = first or get_business_date()
    return _schedule_apr(
        loan.principal,
        loan.daily_rate,
        loan.method,
        loan.term_months,
        start,
        loan.day_count,
        loan.rounding,
    )


def line_apr(line: CreditLine) -> Decimal:
    """The highest APR a loan on this line can have (any allowed method and term)."""
    terms = line.product_version.terms()
    return _line_apr(
        terms.allowed_methods, terms.allowed_terms, terms.day_count, terms.rounding, line.daily_rate
    )


@lru_cache(maxsize=512)
def _line_apr(
    methods: tuple[str, ...], terms: tuple[int, ...], day_count: int, rounding: str, rate: Decimal
) -> Decimal:
    # Only these terms enter the APR of apr_at_rate, so they make the whole cache key.
    return apr_at_rate(
        ProductTerms(
            allowed_methods=methods,
            allowed_terms=terms,
            daily_rate_min=rate,
            daily_rate_max=rate,
            day_count=day_count,
            rounding=rounding,
        ),
        rate,
    )
