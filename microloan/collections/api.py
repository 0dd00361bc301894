"""Collections API (mounted at /api/v1/collections/), staff only.

Each route parses its input, calls one service and shapes the reply. Conduct refusals of a
contact are 422 with the broken rule as ``code`` (outside_contact_hours,
daily_attempts_exceeded, not_borrower_number, not_assigned) and every broken rule in
``fields.reasons``; the refused attempt is kept (services.contacts explains how).
"""

from __future__ import annotations

from typing import Any

from ninja import Query, Router
from ninja.responses import Status

from microloan.api.auth import staff_auth
from microloan.api.idempotency import idempotent
from microloan.kernel.money import MoneyFormatError, parse_yuan

from .schemas import (
    AssignIn,
    CaseDetailOut,
    CaseFilters,
    CaseOut,
    CasePage,
    CauseIn,
    CollectorIn,
    CollectorOut,
    ContactIn,
    ContactOut,
    PromiseIn,
    PromiseOut,
    RestructureIn,
    RestructureProposalOut,
    StatsFilters,
    StatsOut,
    StrategyIn,
    StrategyOut,
)
from .services import assignment, cases, contacts, stats, strategies
from .services.common import (
    CHANGE_CASE,
    CHANGE_STRATEGY,
    VIEW_CASE,
    VIEW_STRATEGY,
    WORK_CASE,
    get_case,
)

router = Router(tags=["collections"])
PROPOSE_RESTRUCTURE = "lending.propose_restructure"


def _case_reply(case_id: str) -> dict:
    return CaseOut.of(get_case(case_id))


@router.get("/cases", auth=staff_auth(VIEW_CASE), response=CasePage)
def list_cases(request, filters: Query[CaseFilters]):
    return CasePage.of(cases.list_cases(actor=request.auth, **filters.dict()))


@router.get("/cases/{case_id}", auth=staff_auth(VIEW_CASE), response=CaseDetailOut)
def get_case_detail(request, case_id: str):
    return CaseDetailOut.of(cases.case_detail(actor=request.auth, case_id=case_id))


@router.post("/cases/{case_id}/contacts", auth=staff_auth(WORK_CASE), response={201: ContactOut})
@idempotent
def log_contact(request, case_id: str, payload: ContactIn):
    contact = contacts.log_contact(actor=request.auth, case_id=case_id, **payload.dict())
    return Status(201, ContactOut.of(contact))


@router.post("/cases/{case_id}/promises", auth=staff_auth(WORK_CASE), response={201: PromiseOut})
@idempotent
def make_promise(request, case_id: str, payload: PromiseIn):
    problems: dict[str, Any] = {}
    try:
        amount: int | None = parse_yuan(payload.amount, field="amount")
    except MoneyFormatError as invalid:
        amount = None
        problems.update(invalid.fields)
    promise = contacts.make_promise(
        actor=request.auth,
        case_id=case_id,
        amount=amount,
        due_date=payload.due_date,
        input_problems=problems,
    )
    return Status(201, PromiseOut.of(promise))


@router.post("/cases/{case_id}/cause", auth=staff_auth(WORK_CASE), response=CaseOut)
def set_cause(request, case_id: str, payload: CauseIn):
    cases.set_cause(actor=request.auth, case_id=case_id, cause=payload.cause)
    return _case_reply(case_id)


@router.post(
    "/cases/{case_id}/restructure-proposals",
    auth=staff_auth(WORK_CASE, PROPOSE_RESTRUCTURE),
    response={201: RestructureProposalOut},
)
@idempotent
def propose_restructure(request, case_id: str, payload: RestructureIn):
    proposal = cases.propose_case_restructure(actor=request.auth, case_id=case_id, **payload.dict())
    return Status(
        201,
        {
            "request_id": proposal.public_id,
            "status": proposal.status,
            "loan_id": proposal.loan_id,
        },
    )


@router.post("/cases/{case_id}/assign", auth=staff_auth(CHANGE_CASE), response=CaseOut)
def assign_case(request, case_id: str, payload: AssignIn):
    assignment.assign_case(actor=request.auth, case_id=case_id, collector=payload.collector)
    return _case_reply(case_id)


@router.get("/collectors", auth=staff_auth(VIEW_CASE), response=list[CollectorOut])
def list_collectors(request):
    return assignment.list_collectors(actor=request.auth)


@router.patch("/collectors/{username}", auth=staff_auth(CHANGE_CASE), response=CollectorOut)
def update_collector(request, username: str, payload: CollectorIn):
    profile = assignment.update_collector(actor=request.auth, username=username, **payload.dict())
    rows = assignment.list_collectors(actor=request.auth)
    return next(row for row in rows if row["username"] == profile.user.username)


@router.get("/strategies", auth=staff_auth(VIEW_STRATEGY), response=list[StrategyOut])
def list_strategies(request):
    return strategies.list_strategies(actor=request.auth)


@router.patch("/strategies/{bucket}", auth=staff_auth(CHANGE_STRATEGY), response=StrategyOut)
def update_strategy(request, bucket: str, payload: StrategyIn):
    changes = payload.dict(exclude_none=True)
    version = changes.pop("version", None)
    return strategies.update_strategy(
        actor=request.auth, bucket=bucket, changes=changes, version=version
    )


@router.get("/stats", auth=staff_auth(VIEW_CASE), response=StatsOut)
def get_stats(request, filters: Query[StatsFilters]):
    return stats.collection_stats(actor=request.auth, **filters.dict())
