"""Post-loan checks and early-warning actions (mounted at ``/api/v1/risk/postloan/``). Staff only.

- ``GET /checks`` (filters: line_id, customer_id, business_date, decision), ``GET /checks/{id}``
- ``GET /actions`` (filter: status), ``POST /actions/{id}/approve`` and ``/reject``: a second
  person (422 ``maker_cannot_approve`` for the analyst who asked for the check)
- ``POST /lines/{line_id}/check``: check a line now (idempotent with an Idempotency-Key)
- ``GET /policies``; ``POST /policies`` (a draft: the latest thresholds with ``changes``);
  ``POST /policies/{id}/approve`` by someone other than its maker (maker-checker), or
  ``/reject`` with a reason (``api.versioned_config``)

Money in fen (integers) with yuan strings alongside. No ``from __future__ import annotations``:
ninja reads ``Query[...]`` at import time.
"""

import datetime as dt
from typing import Any, Literal

from ninja import Field, Path, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import ConfigDict

from microloan.api.auth import staff_auth
from microloan.api.idempotency import idempotent
from microloan.api.pagination import BoundedPageNumberPagination
from microloan.api.schemas import ErrorOut
from microloan.api.versioned_config import add_versioned_config_routes
from microloan.kernel.ids import PUBLIC_ID_MAX_LENGTH
from microloan.kernel.input_types import ApiDate
from microloan.kernel.money import to_yuan_str

from ..models import REASON_MAX_LENGTH, EarlyWarningAction, EarlyWarningPolicy, PostLoanCheck
from . import services
from .services import (
    PERM_APPROVE_ACTION,
    PERM_RUN_CHECK,
    PERM_VIEW_ACTION,
    PERM_VIEW_CHECK,
)

router = Router(tags=["risk: post-loan"])

_REFUSALS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
_ID = Path(..., max_length=PUBLIC_ID_MAX_LENGTH)


def _yuan(fen: int | None) -> str | None:
    return None if fen is None else to_yuan_str(fen)


class CheckFilters(Schema):
    model_config = ConfigDict(extra="forbid")

    line_id: str | None = Field(None, max_length=PUBLIC_ID_MAX_LENGTH)
    customer_id: str | None = Field(None, max_length=PUBLIC_ID_MAX_LENGTH)
    business_date: ApiDate | None = None
    decision: Literal["none", "reduce", "freeze"] | None = None


class ActionFilters(Schema):
    model_config = ConfigDict(extra="forbid")

    status: Literal["pending", "applied", "rejected", "skipped"] | None = None


class ActionDecisionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    note: str = Field("", max_length=REASON_MAX_LENGTH)


class CheckOut(Schema):
    id: str
    line_id: str
    customer_id: str
    business_date: dt.date
    trigger: str
    triggers: list[str]
    policy_version: int
    score: int
    score_points: dict[str, int]
    signals: list[str]
    facts: dict[str, Any]
    decision: str
    reasons: list[str]
    limit_before: str = Field(description="yuan")
    proposed_limit: str | None = Field(description="yuan")
    requested_by: str
    created_at: dt.datetime

    @staticmethod
    def resolve_id(check: PostLoanCheck) -> str:
        return check.public_id

    @staticmethod
    def resolve_line_id(check: PostLoanCheck) -> str:
        return check.line.public_id

    @staticmethod
    def resolve_limit_before(check: PostLoanCheck) -> str:
        return to_yuan_str(check.limit_before)

    @staticmethod
    def resolve_proposed_limit(check: PostLoanCheck) -> str | None:
        return _yuan(check.proposed_limit)


def _username(user) -> str | None:
    return user.get_username() if user is not None else None


class ActionOut(Schema):
    id: str
    check_id: str
    line_id: str
    customer_id: str
    kind: str
    status: str
    old_limit: str = Field(description="yuan")
    new_limit: str | None = Field(description="yuan")
    reason: str
    maker: str | None
    checker: str | None
    decision_note: str
    business_date: dt.date
    created_at: dt.datetime
    decided_at: dt.datetime | None

    @staticmethod
    def resolve_id(action: EarlyWarningAction) -> str:
        return action.public_id

    @staticmethod
    def resolve_check_id(action: EarlyWarningAction) -> str:
        return action.check_record.public_id

    @staticmethod
    def resolve_line_id(action: EarlyWarningAction) -> str:
        return action.line.public_id

    @staticmethod
    def resolve_old_limit(action: EarlyWarningAction) -> str:
        return to_yuan_str(action.old_limit)

    @staticmethod
    def resolve_new_limit(action: EarlyWarningAction) -> str | None:
        return _yuan(action.new_limit)

    @staticmethod
    def resolve_maker(action: EarlyWarningAction) -> str | None:
        return _username(action.maker)

    @staticmethod
    def resolve_checker(action: EarlyWarningAction) -> str | None:
        return _username(action.checker)


@router.get("/checks", auth=staff_auth(PERM_VIEW_CHECK), response=list[CheckOut])
@paginate(BoundedPageNumberPagination, page_size=50)
def list_checks(request, filters: Query[CheckFilters]):
    """Checks, newest first."""
    checks = services.list_checks(actor=request.auth, **filters.dict())
    return checks


@router.get(
    "/checks/{check_id}", auth=staff_auth(PERM_VIEW_CHECK), response={200: CheckOut, **_REFUSALS}
)
def get_check(request, check_id: str = _ID):
    return services.get_check(actor=request.auth, check_id=check_id)


@router.get("/actions", auth=staff_auth(PERM_VIEW_ACTION), response=list[ActionOut])
@paginate(BoundedPageNumberPagination, page_size=50)
def list_actions(request, filters: Query[ActionFilters]):
    """Early-warning actions, newest first; ``status=pending`` is the approval queue."""
    return services.list_actions(actor=request.auth, **filters.dict())


@router.post(
    "/actions/{action_id}/approve",
    auth=staff_auth(PERM_APPROVE_ACTION),
    response={200: ActionOut, **_REFUSALS},
)
def approve_action(request, payload: ActionDecisionIn, action_id: str = _ID):
    """Approve a pending cut (not the maker's own); lending applies it."""
    action = services.approve_action(actor=request.auth, action_id=action_id, note=payload.note)
    return action


@router.post(
    "/actions/{action_id}/reject",
    auth=staff_auth(PERM_APPROVE_ACTION),
    response={200: ActionOut, **_REFUSALS},
)
def reject_action(request, payload: ActionDecisionIn, action_id: str = _ID):
    action = services.reject_action(actor=request.auth, action_id=action_id, note=payload.note)
    return action


@router.post(
    "/lines/{line_id}/check",
    auth=staff_auth(PERM_RUN_CHECK),
    response={201: CheckOut, **_REFUSALS},
)
@idempotent
def check_line(request, line_id: str = _ID):
    """Check a credit line now; the decision acts as in end of day (a large cut waits for
    another analyst than the caller)."""
    check = services.check_line(actor=request.auth, line_id=line_id)
    return Status(201, check)


class PolicyIn(Schema):
    model_config = ConfigDict(extra="forbid")

    changes: dict[str, Any]
    note: str = Field("", max_length=REASON_MAX_LENGTH)


class EarlyWarningPolicyOut(Schema):
    id: str
    version: int
    status: str
    thresholds: dict[str, Any]
    note: str
    maker: str | None
    checker: str | None
    created_at: dt.datetime
    activated_at: dt.datetime | None
    retired_at: dt.datetime | None
    rejected_at: dt.datetime | None
    reason: str

    @staticmethod
    def resolve_id(policy: EarlyWarningPolicy) -> str:
        return policy.public_id

    @staticmethod
    def resolve_maker(policy: EarlyWarningPolicy) -> str | None:
        return _username(policy.maker)

    @staticmethod
    def resolve_checker(policy: EarlyWarningPolicy) -> str | None:
        return _username(policy.checker)


add_versioned_config_routes(
    router,
    services.POLICIES,
    path="/policies",
    id_param="policy_id",
    out=EarlyWarningPolicyOut,
    draft_in=PolicyIn,
    idempotent_approve=True,
    names={
        "list": "list_policies",
        "create": "create_policy_draft",
        "approve": "approve_policy",
        "reject": "reject_policy",
    },
    module=__name__,
)
