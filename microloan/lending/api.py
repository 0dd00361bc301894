"""Lending API (mounted at /api/v1/lending/): staff routes, then the borrower's ``/me`` routes.

Each route parses its input, calls one service and shapes the reply. Money comes in as yuan
strings (``parse_yuan``: "1.234" is refused with ``invalid_amount``).

No route here moves money on the caller's word. A borrower repays, prepays or pays off through
``/api/v1/payments/me/loans/{id}/…`` (a payment order that posts when the bank reports
success); a loan is disbursed by its disbursement order's bank result; staff record money the
bank received through ``/loans/{id}/manual-postings`` (bank reference, maker-checker).
"""

from __future__ import annotations

from ninja import Query, Router, Schema
from ninja.responses import Status

from microloan.api.auth import borrower_auth, staff_auth
from microloan.api.idempotency import idempotent
from microloan.kernel.input_types import ApiDate, PageNumber, PageSize, QueryInt
from microloan.kernel.money import parse_yuan
from microloan.kernel.pagination import page_of
from microloan.kernel.rounding import parse_rate
from microloan.kernel.services import get_business_date

from .models import MakerCheckerRequest
from .schemas import (
    DrawdownIn,
    LimitChangeIn,
    LineIn,
    LineOut,
    LinePage,
    LoanOut,
    LoanPage,
    ManualPostingIn,
    ManualPostingOut,
    QuoteOut,
    ReasonIn,
    ReconciliationOut,
    RequestDecisionIn,
    RequestOut,
    RequestPage,
    RestructureIn,
    ScheduleOut,
    TransactionOut,
    TransactionsOut,
    apr_fields,
    rate_str,
)
from .services import (
    drawdowns,
    lines,
    manual_postings,
    queries,
    quotes,
    reconcile,
    requests,
    restructure,
    writeoff,
)
from .services.queries import loan_apr

router = Router(tags=["lending"])

VIEW_LINE = "lending.view_creditline"
VIEW_LOAN = "lending.view_loan"
DECIDE = "lending.change_makercheckerrequest"  # the generic decision routes; see services.requests


class LoanFilters(Schema):
    status: str | None = None
    customer_id: str | None = None
    product: str | None = None
    category: str | None = None
    dpd_min: QueryInt | None = None
    dpd_max: QueryInt | None = None
    page: PageNumber = 1
    page_size: PageSize = 50


class LineFilters(Schema):
    customer_id: str | None = None
    status: str | None = None
    page: PageNumber = 1
    page_size: PageSize = 50


class RequestFilters(Schema):
    status: str | None = "pending"
    kind: str | None = None
    page: PageNumber = 1
    page_size: PageSize = 50


def _loan_reply(loan_id: str, actor) -> dict:
    return LoanOut.of(queries.loan_detail(actor=actor, loan_id=loan_id))


# --- staff: credit lines -----------------------------------------------------------------------


@router.get("/lines", auth=staff_auth(VIEW_LINE), response=LinePage)
def list_lines(request, filters: Query[LineFilters]):
    page = queries.list_lines(actor=request.auth, **filters.dict())
    return page_of(page, LineOut.of)


@router.post(
    "/lines",
    auth=staff_auth("lending.add_creditline"),
    response={201: RequestOut},
    description=(
        "Ask for a credit line outside an application. Every check runs now; the line opens "
        "when a second person approves the request (POST /requests/{id}/approve)."
    ),
)
@idempotent
def propose_line_opening(request, payload: LineIn):
    proposal = lines.propose_line_opening(
        actor=request.auth,
        customer_id=payload.customer_id,
        product_version_id=payload.product_version_id,
        limit=parse_yuan(payload.limit, field="limit"),
        daily_rate=parse_rate(payload.daily_rate, field="daily_rate"),
        grade=payload.grade,
        opened_on=payload.opened_on,
        reason=payload.reason,
    )
    return Status(201, RequestOut.of(proposal))


@router.get("/lines/{line_id}", auth=staff_auth(VIEW_LINE), response=LineOut)
def get_line(request, line_id: str):
    return LineOut.of(queries.line_detail(actor=request.auth, line_id=line_id))


@router.post(
    "/lines/{line_id}/freeze", auth=staff_auth("lending.freeze_creditline"), response=LineOut
)
def freeze_line(request, line_id: str, payload: ReasonIn):
    return LineOut.of(lines.freeze_line(actor=request.auth, line_id=line_id, reason=payload.reason))


@router.post(
    "/lines/{line_id}/unfreeze", auth=staff_auth("lending.freeze_creditline"), response=LineOut
)
def unfreeze_line(request, line_id: str, payload: ReasonIn):
    line = lines.unfreeze_line(actor=request.auth, line_id=line_id, reason=payload.reason)
    return LineOut.of(line)


@router.post(
    "/lines/{line_id}/limit-changes",
    auth=staff_auth("lending.adjust_creditline_limit"),
    response={201: RequestOut},
)
@idempotent
def propose_limit_change(request, line_id: str, payload: LimitChangeIn):
    proposal = lines.propose_limit_change(
        actor=request.auth,
        line_id=line_id,
        new_limit=parse_yuan(payload.new_limit, field="new_limit"),
        reason=payload.reason,
    )
    return Status(201, RequestOut.of(proposal))


@router.post(
    "/limit-changes/{request_id}/approve",
    auth=staff_auth("lending.approve_creditline_limit"),
    response=RequestOut,
)
@idempotent
def approve_limit_change(request, request_id: str, payload: RequestDecisionIn):
    decided = requests.approve_request(
        actor=request.auth,
        request_id=request_id,
        note=payload.reason,
        kind=MakerCheckerRequest.Kind.LIMIT_CHANGE,
    )
    return RequestOut.of(decided)


@router.post(
    "/limit-changes/{request_id}/reject",
    auth=staff_auth("lending.approve_creditline_limit"),
    response=RequestOut,
)
def reject_limit_change(request, request_id: str, payload: RequestDecisionIn):
    decided = requests.reject_request(
        actor=request.auth,
        request_id=request_id,
        note=payload.reason,
        kind=MakerCheckerRequest.Kind.LIMIT_CHANGE,
    )
    return RequestOut.of(decided)


# --- staff: loans --------------------------------------------------------------------------------


@router.get("/loans", auth=staff_auth(VIEW_LOAN), response=LoanPage)
def list_loans(request, filters: Query[LoanFilters]):
    return page_of(queries.list_loans(actor=request.auth, **filters.dict()), LoanOut.of)


@router.get("/loans/{loan_id}", auth=staff_auth(VIEW_LOAN), response=LoanOut)
def get_loan(request, loan_id: str):
    return _loan_reply(loan_id, request.auth)


@router.get("/loans/{loan_id}/schedule", auth=staff_auth(VIEW_LOAN), response=ScheduleOut)
def loan_schedule(request, loan_id: str, include_cancelled: bool = False):
    loan = queries.loan_detail(actor=request.auth, loan_id=loan_id)
    rows = queries.loan_schedule(
        actor=request.auth, loan_id=loan_id, include_cancelled=include_cancelled
    )
    return ScheduleOut.of(loan, rows)


@router.get("/loans/{loan_id}/transactions", auth=staff_auth(VIEW_LOAN), response=TransactionsOut)
def loan_transactions(request, loan_id: str):
    loan = queries.loan_detail(actor=request.auth, loan_id=loan_id)
    txns = queries.loan_transactions(actor=request.auth, loan_id=loan_id)
    return {
        **apr_fields(loan_apr(loan)),
        "daily_rate": rate_str(loan.daily_rate),
        "loan_id": loan.public_id,
        "transactions": [TransactionOut.of(txn, loan) for txn in txns],
    }


@router.get("/loans/{loan_id}/payoff-quote", auth=staff_auth(VIEW_LOAN), response=QuoteOut)
def loan_payoff_quote(request, loan_id: str, date: ApiDate | None = None):
    loan = queries.loan_detail(actor=request.auth, loan_id=loan_id)
    quote = quotes.payoff_quote(
        actor=request.auth, loan_id=loan_id, business_date=date or get_business_date()
    )
    return QuoteOut.of(quote, loan)


@router.post(
    "/loans/{loan_id}/manual-postings",
    auth=staff_auth(manual_postings.PERM_RECORD),
    response={201: ManualPostingOut},
    description="Record money the bank received for the loan, with the bank's reference (once "
    "per channel and reference). Above MANUAL_POSTING_APPROVAL_THRESHOLD it waits for a "
    "second person: approve or reject it through /requests/{id}/approve|reject.",
)
@idempotent
def record_manual_posting(request, loan_id: str, payload: ManualPostingIn):
    posting = manual_postings.record_manual_posting(
        actor=request.auth,
        loan_id=loan_id,
        kind=payload.kind,
        amount=parse_yuan(payload.amount),
        channel=payload.channel,
        bank_reference=payload.bank_reference,
        reason=payload.reason,
        mode=payload.mode,
    )
    return Status(201, ManualPostingOut.of(posting))


@router.post(
    "/loans/{loan_id}/write-off-requests",
    auth=staff_auth("lending.propose_writeoff"),
    response={201: RequestOut},
)
@idempotent
def propose_write_off(request, loan_id: str, payload: ReasonIn):
    proposal = writeoff.propose_writeoff(actor=request.auth, loan_id=loan_id, reason=payload.reason)
    return Status(201, RequestOut.of(proposal))


@router.post(
    "/loans/{loan_id}/restructure-requests",
    auth=staff_auth("lending.propose_restructure"),
    response={201: RequestOut},
)
@idempotent
def propose_restructure(request, loan_id: str, payload: RestructureIn):
    proposal = restructure.propose_restructure(
        actor=request.auth,
        loan_id=loan_id,
        term_months=payload.term_months,
        method=payload.method,
        daily_rate=payload.daily_rate,
        reason=payload.reason,
    )
    return Status(201, RequestOut.of(proposal))


@router.get("/requests", auth=staff_auth(VIEW_LOAN, VIEW_LINE), response=RequestPage)
def list_requests(request, filters: Query[RequestFilters]):
    return page_of(queries.list_requests(actor=request.auth, **filters.dict()), RequestOut.of)


@router.post("/requests/{request_id}/approve", auth=staff_auth(DECIDE), response=RequestOut)
@idempotent
def approve_request(request, request_id: str, payload: RequestDecisionIn):
    # The kind's own approval permission is checked by the service once the request is found.
    decided = requests.approve_request(
        actor=request.auth, request_id=request_id, note=payload.reason
    )
    return RequestOut.of(decided)


@router.post("/requests/{request_id}/reject", auth=staff_auth(DECIDE), response=RequestOut)
def reject_request(request, request_id: str, payload: RequestDecisionIn):
    decided = requests.reject_request(
        actor=request.auth, request_id=request_id, note=payload.reason
    )
    return RequestOut.of(decided)


@router.get("/reconciliation", auth=staff_auth(VIEW_LOAN), response=ReconciliationOut)
def reconciliation(request, date: ApiDate | None = None):
    return reconcile.reconcile(business_date=date).as_reply()


# --- borrower: my lines and loans ---------------------------------------------------------------


@router.get("/me/lines", auth=borrower_auth, response=LinePage)
def my_lines(request, page: PageNumber = 1, page_size: PageSize = 50):
    found = queries.list_lines(actor=request.auth, page=page, page_size=page_size)
    return page_of(found, LineOut.of)


@router.get("/me/loans", auth=borrower_auth, response=LoanPage)
def my_loans(request, status: str | None = None, page: PageNumber = 1, page_size: PageSize = 50):
    found = queries.list_loans(actor=request.auth, status=status, page=page, page_size=page_size)
    return page_of(found, LoanOut.of)


@router.get("/me/loans/{loan_id}", auth=borrower_auth, response=LoanOut)
def my_loan(request, loan_id: str):
    return _loan_reply(loan_id, request.auth)


@router.get("/me/loans/{loan_id}/schedule", auth=borrower_auth, response=ScheduleOut)
def my_schedule(request, loan_id: str):
    loan = queries.loan_detail(actor=request.auth, loan_id=loan_id)
    return ScheduleOut.of(loan, queries.loan_schedule(actor=request.auth, loan_id=loan_id))


@router.post("/me/drawdowns", auth=borrower_auth, response={201: LoanOut})
@idempotent
def my_drawdown(request, payload: DrawdownIn):
    loan = drawdowns.drawdown(
        actor=request.auth,
        line_id=payload.line_id,
        amount=parse_yuan(payload.amount),
        term_months=payload.term_months,
        method=payload.method,
    )
    return Status(201, _loan_reply(loan.public_id, request.auth))


@router.get("/me/loans/{loan_id}/payoff-quote", auth=borrower_auth, response=QuoteOut)
def my_payoff_quote(request, loan_id: str):
    loan = queries.loan_detail(actor=request.auth, loan_id=loan_id)
    quote = quotes.payoff_quote(
        actor=request.auth, loan_id=loan_id, business_date=get_business_date()
    )
    return QuoteOut.of(quote, loan)
