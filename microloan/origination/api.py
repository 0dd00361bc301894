"""Origination API (mounted at ``/api/v1/origination/``).

Borrowers: apply (``POST /me/applications``, idempotent), list and read their applications,
resubmit a returned one, withdraw, read the offer. Staff: search and read applications
(personal data masked), the two review queues, claim / release / decide, admission policies
(maker-checker), and apply on a customer's behalf.

Review routes accept either reviewer role: the auth tries the initial reviewer's permission,
then the final reviewer's; which one a case needs depends on its stage, so the service checks
it (403 for the wrong stage).

Money is a yuan string both ways (``requested_amount``, ``monthly_income``, the approval's
``limit``: ``"1234.56"``, read with ``parse_yuan``); a JSON number there is refused (422).

No ``from __future__ import annotations`` here: ninja reads ``Query[...]`` at import time.
"""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Path, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from microloan.api.auth import StaffTokenAuth, borrower_auth, staff_actor, staff_auth
from microloan.api.idempotency import idempotent
from microloan.api.middleware import client_ip
from microloan.api.schemas import ErrorOut
from microloan.api.versioned_config import add_versioned_config_routes
from microloan.customers.validation import Problem
from microloan.kernel.actors import Actor
from microloan.kernel.errors import PermissionDenied, ValidationFailed
from microloan.kernel.ids import PUBLIC_ID_MAX_LENGTH
from microloan.kernel.input_types import ApiDate, BodyInt
from microloan.kernel.money import MoneyFormatError, parse_yuan, to_yuan_str
from microloan.kernel.pagination import paginate

from . import services
from .models import REASON_MAX_LENGTH, AdmissionPolicy
from .services.policies import POLICIES

router = Router(tags=["origination"])

_REFUSALS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
_ID = Path(..., max_length=PUBLIC_ID_MAX_LENGTH)


class _ReviewerAuth(StaffTokenAuth):
    """One of the reviewer permissions: a staff token without ``perms`` passes to the next
    auth (``None``), the last one refuses with 403."""

    def __init__(self, perm: str, *, last: bool) -> None:
        super().__init__((perm,))
        self.last = last

    def __call__(self, request: HttpRequest) -> Actor | None:
        actor = staff_actor(request)
        if actor is None:
            return None
        if actor.has_perm(self.perms[0]):
            return actor
        if self.last:
            raise PermissionDenied(fields={"permission": "review_*_application"})
        return None


REVIEWER_AUTH = [
    _ReviewerAuth(services.PERM_REVIEW_INITIAL, last=False),
    _ReviewerAuth(services.PERM_REVIEW_FINAL, last=True),
]


# --- schemas -----------------------------------------------------------------------------------


class ApplicationConsentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    purpose: str = Field(max_length=40)
    text_version: str = Field(max_length=32)


class ApplicationIn(Schema):
    """Identity fields must be the registered customer's; finances default to registration."""

    model_config = ConfigDict(extra="forbid")

    product_code: str | None = Field(None, max_length=16)
    requested_amount: str | None = Field(None, max_length=40, description="yuan, e.g. 5000.00")
    purpose: str | None = Field(None, max_length=20)
    name: str | None = Field(None, max_length=60)
    id_number: str | None = Field(None, max_length=30)
    phone: str | None = Field(None, max_length=30)
    bank_card_number: str | None = Field(None, max_length=30)
    monthly_income: str | None = Field(None, max_length=40, description="yuan, e.g. 8000.00")
    employer: str | None = Field(None, max_length=100)
    years_employed: BodyInt | None = None
    education: str | None = Field(None, max_length=32)
    marital_status: str | None = Field(None, max_length=16)
    device_id: str | None = Field(None, max_length=128)
    channel: str | None = Field(None, max_length=32)
    face_token: str | None = Field(None, max_length=200)
    consents: list[ApplicationConsentIn] = Field(default_factory=list, max_length=10)


class StaffApplicationIn(ApplicationIn):
    customer_id: str = Field(max_length=PUBLIC_ID_MAX_LENGTH)


_MONEY_FIELDS = ("requested_amount", "monthly_income")


def _data(payload: ApplicationIn) -> tuple[dict[str, Any], dict[str, Problem]]:
    """The application for the service, money in fen; and the money fields that are not yuan
    (reported by the service with every other problem of the application)."""
    data = payload.dict(exclude_none=True)
    data.pop("customer_id", None)
    problems: dict[str, Problem] = {}
    for name in _MONEY_FIELDS:
        if name in data:
            try:
                data[name] = parse_yuan(data[name], field=name)
            except MoneyFormatError as invalid:
                del data[name]
                problems[name] = Problem(invalid.code, invalid.fields[name])
    return data, problems


def _yuan(fen: int | None) -> str | None:
    return None if fen is None else to_yuan_str(fen)


def _offer_out(offer: dict[str, Any] | None) -> dict[str, Any] | None:
    if offer is None:
        return None
    shaped = {**offer, "limit": _yuan(offer["limit"])}
    shaped.pop("limit_yuan", None)
    return shaped


def _out(view: dict[str, Any]) -> dict[str, Any]:
    """A service's application view with its money as yuan strings, as every route replies."""
    shaped = {**view, "requested_amount": to_yuan_str(view["requested_amount"])}
    shaped.pop("requested_amount_yuan", None)
    for name in ("proposed_limit", "granted_limit"):
        if name in shaped:
            shaped[name] = _yuan(shaped[name])
    if "offer" in shaped:
        shaped["offer"] = _offer_out(shaped["offer"])
    declared = shaped.get("declared")
    if isinstance(declared, dict) and "monthly_income_fen" in declared:
        declared = dict(declared)
        declared["monthly_income"] = _yuan(declared.pop("monthly_income_fen"))
        shaped["declared"] = declared
    return shaped


class ReasonOut(Schema):
    code: str
    text: str


class OfferOut(Schema):
    application_id: str
    line_id: str
    limit: str | None = Field(description="yuan")
    apr: str = Field(description="annual percentage rate, IRR method, fraction")
    daily_rate: str
    term_options: list[dict[str, Any]]
    terms_months: list[int]
    decided_at: dt.datetime | None


class MyApplicationOut(Schema):
    id: str
    customer_id: str
    product_code: str
    requested_amount: str = Field(description="yuan")
    purpose: str
    state: str
    state_label: str
    submitted_at: dt.datetime
    decided_at: dt.datetime | None
    attempt: int
    reasons: list[ReasonOut]
    return_fields: dict[str, str]
    offer: OfferOut | None


class SummaryOut(Schema):
    id: str
    customer_id: str
    product_code: str
    requested_amount: str = Field(description="yuan")
    purpose: str
    state: str
    state_label: str
    risk_level: str
    grade: str
    submitted_at: dt.datetime
    decided_at: dt.datetime | None
    sla_due_at: dt.datetime | None
    claimed_by: str


class QueueRowOut(SummaryOut):
    sla: str = Field(description="overdue, due_soon or on_time")
    claim_live: bool


class TransitionOut(Schema):
    from_state: str
    to_state: str
    actor: str
    reasons: list[str]
    note: str
    at: dt.datetime


class DetailOut(SummaryOut):
    attempt: int
    product_version: str
    applicant: dict[str, Any] | None = Field(description="masked")
    declared: dict[str, Any]
    admission: dict[str, Any]
    checks: dict[str, Any]
    reasons: list[ReasonOut]
    return_fields: dict[str, str]
    proposed_limit: str | None = Field(description="yuan")
    granted_limit: str | None = Field(description="yuan")
    daily_rate: str
    apr: str
    term_options: list[dict[str, Any]]
    line_id: str
    device_id: str
    channel: str
    policy_version: int | None
    claimed_at: dt.datetime | None
    claim_expires_at: dt.datetime | None
    initial_reviewer: str
    initial_reason: str
    initial_reviewed_at: dt.datetime | None
    final_reviewer: str
    final_reason: str
    final_reviewed_at: dt.datetime | None
    transitions: list[TransitionOut]


def _page_of(model):
    class PageOut(Schema):
        items: list[model]
        count: int
        page: int
        page_size: int

    PageOut.__name__ = f"{model.__name__.removesuffix('Out')}PageOut"
    return PageOut


MyPageOut = _page_of(MyApplicationOut)
SummaryPageOut = _page_of(SummaryOut)
QueuePageOut = _page_of(QueueRowOut)


class PageIn(Schema):
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(20, ge=1, le=100)


class SearchIn(PageIn):
    state: str = Field("", max_length=16)
    customer_id: str = Field("", max_length=PUBLIC_ID_MAX_LENGTH)
    product_code: str = Field("", max_length=16)
    submitted_from: ApiDate | None = None
    submitted_to: ApiDate | None = None


def _page(rows, paging: PageIn, shape) -> dict[str, Any]:
    """The kernel's page, in the shape origination's API has always answered (``count``)."""
    found = paginate(rows, paging.page, paging.page_size)
    return {
        "items": shape(found.items),
        "count": found.total,
        "page": found.page,
        "page_size": found.page_size,
    }


class ApplicationDecisionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    outcome: str = Field(
        max_length=10, description="initial: pass|reject|return; final: approve|reject"
    )
    reason: str = Field(max_length=REASON_MAX_LENGTH)
    reason_codes: list[str] = Field(default_factory=list, max_length=10)
    limit: str | None = Field(None, max_length=40, description="yuan, e.g. 5000.00; final approval")
    daily_rate: str | None = Field(None, max_length=20, description="final approval")
    terms_months: list[BodyInt] | None = Field(None, max_length=12)
    return_fields: dict[str, str] | None = Field(None, description="return: field -> problem")


class WithdrawIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field("", max_length=REASON_MAX_LENGTH)


class HumanReviewIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field("", max_length=REASON_MAX_LENGTH, description="why the applicant asks")


class PolicyIn(Schema):
    model_config = ConfigDict(extra="forbid")

    changes: dict[str, Any]
    note: str = Field("", max_length=REASON_MAX_LENGTH)


class PolicyOut(Schema):
    id: str
    version: int
    status: str
    note: str
    maker: str | None
    checker: str | None
    thresholds: dict[str, Any]
    created_at: dt.datetime
    activated_at: dt.datetime | None
    retired_at: dt.datetime | None
    rejected_at: dt.datetime | None
    reason: str


# The policy's money thresholds are stored in fen (as every amount); the API shows and takes
# them as yuan strings under these names, like every other amount.
MONEY_THRESHOLDS = {
    "min_monthly_income": "min_monthly_income_fen",
    "max_total_credit": "max_total_credit_fen",
}


def _thresholds_out(stored: dict[str, Any]) -> dict[str, Any]:
    shown = dict(stored)
    for api_name, stored_name in MONEY_THRESHOLDS.items():
        if stored_name in shown:
            shown[api_name] = to_yuan_str(shown.pop(stored_name))
    return shown


def _threshold_changes_in(changes: dict[str, Any]) -> dict[str, Any]:
    """``changes`` with yuan amounts read into the stored fen names; fen given directly, or an
    amount that is not a yuan string, is refused naming the field (all at once)."""
    stored, problems = dict(changes), {}
    for api_name, stored_name in MONEY_THRESHOLDS.items():
        if stored_name in stored:
            stored.pop(stored_name)
            problems[f"changes.{stored_name}"] = _(
                'Amounts are yuan strings: use %(name)s, e.g. "3000.00".'
            ) % {"name": api_name}
        if api_name in stored:
            value = stored.pop(api_name)
            try:
                stored[stored_name] = parse_yuan(
                    value if isinstance(value, str) else "", field=f"changes.{api_name}"
                )
            except MoneyFormatError as invalid:
                problems.update(invalid.fields)
    if problems:
        raise ValidationFailed(code="invalid_thresholds", fields=problems)
    return stored


def _policy_out(policy: AdmissionPolicy) -> dict[str, Any]:
    return {
        "id": policy.public_id,
        "version": policy.version,
        "status": policy.status,
        "note": policy.note,
        "maker": policy.maker.get_username() if policy.maker else None,
        "checker": policy.checker.get_username() if policy.checker else None,
        "thresholds": _thresholds_out(policy.thresholds),
        "created_at": policy.created_at,
        "activated_at": policy.activated_at,
        "retired_at": policy.retired_at,
        "rejected_at": policy.rejected_at,
        "reason": policy.reason,
    }


# --- borrower ----------------------------------------------------------------------------------


@router.post("/me/applications", auth=borrower_auth, response={201: MyApplicationOut, **_REFUSALS})
@idempotent
def apply(request, payload: ApplicationIn):
    """Apply for a credit line; 422 names every field problem at once, 409
    ``application_open`` if one is already in progress. The reply is the decision."""
    data, problems = _data(payload)
    application = services.apply_for_credit(
        actor=request.auth, data=data, input_problems=problems, ip=client_ip(request)
    )
    return Status(201, _out(services.borrower_view(application)))


@router.get("/me/applications", auth=borrower_auth, response={200: MyPageOut, **_REFUSALS})
def my_applications(request, paging: Query[PageIn]):
    rows = services.my_applications(actor=request.auth)
    return _page(rows, paging, lambda items: [_out(services.borrower_view(a)) for a in items])


@router.get(
    "/me/applications/{application_id}",
    auth=borrower_auth,
    response={200: MyApplicationOut, **_REFUSALS},
)
def my_application(request, application_id: str = _ID):
    return _out(services.get_my_application(actor=request.auth, application_id=application_id))


@router.post(
    "/me/applications/{application_id}/resubmit",
    auth=borrower_auth,
    response={200: MyApplicationOut, **_REFUSALS},
)
def resubmit(request, payload: ApplicationIn, application_id: str = _ID):
    """Send a returned application again with the corrected details (the same application)."""
    data, problems = _data(payload)
    application = services.resubmit_application(
        actor=request.auth,
        application_id=application_id,
        data=data,
        input_problems=problems,
        ip=client_ip(request),
    )
    return _out(services.borrower_view(application))


@router.post(
    "/me/applications/{application_id}/withdraw",
    auth=borrower_auth,
    response={200: MyApplicationOut, **_REFUSALS},
)
def withdraw(request, payload: WithdrawIn, application_id: str = _ID):
    application = services.withdraw_application(
        actor=request.auth, application_id=application_id, reason=payload.reason
    )
    return _out(services.borrower_view(application))


@router.post(
    "/me/applications/{application_id}/human-review",
    auth=borrower_auth,
    response={200: MyApplicationOut, **_REFUSALS},
)
@idempotent
def ask_for_human_review(request, payload: HumanReviewIn, application_id: str = _ID):
    """PIPL art. 24: a person reviews the automated refusal (within 30 days, once)."""
    application = services.request_human_review(
        actor=request.auth, application_id=application_id, reason=payload.reason
    )
    return _out(services.borrower_view(application))


@router.get(
    "/me/applications/{application_id}/offer",
    auth=borrower_auth,
    response={200: OfferOut, **_REFUSALS},
)
def my_offer(request, application_id: str = _ID):
    """Limit, daily rate, the APR (IRR) of every allowed method × term; 409 ``no_offer``
    unless approved."""
    return _offer_out(services.get_offer(actor=request.auth, application_id=application_id))


# --- staff -------------------------------------------------------------------------------------


@router.post(
    "/applications",
    auth=staff_auth(services.PERM_APPLY_ON_BEHALF),
    response={201: DetailOut, **_REFUSALS},
)
@idempotent
def apply_on_behalf(request, payload: StaffApplicationIn):
    data, problems = _data(payload)
    application = services.apply_for_credit(
        actor=request.auth,
        customer_id=payload.customer_id,
        data=data,
        input_problems=problems,
        ip="",
    )
    return Status(
        201,
        _out(services.application_detail(actor=request.auth, application_id=application.public_id)),
    )


@router.get(
    "/applications",
    auth=staff_auth(services.PERM_VIEW),
    response={200: SummaryPageOut, **_REFUSALS},
)
def search(request, filters: Query[SearchIn]):
    rows = services.search_applications(
        actor=request.auth,
        **filters.dict(include={"state", "customer_id", "product_code"}),
        submitted_from=filters.submitted_from,
        submitted_to=filters.submitted_to,
    )
    return _page(rows, filters, lambda items: [_out(services.summary_of(a)) for a in items])


@router.get(
    "/applications/{application_id}",
    auth=staff_auth(services.PERM_VIEW),
    response={200: DetailOut, **_REFUSALS},
)
def detail(request, application_id: str = _ID):
    return _out(services.application_detail(actor=request.auth, application_id=application_id))


def _queue(request, stage: str, paging: PageIn) -> dict[str, Any]:
    rows = services.review_queue(actor=request.auth, stage=stage)

    def shape(items):
        return [
            {**_out(services.summary_of(a)), "sla": a.sla, "claim_live": a.claim_live}
            for a in services.with_sla_flags(items)
        ]

    return _page(rows, paging, shape)


@router.get(
    "/queues/initial",
    auth=staff_auth(services.PERM_VIEW),
    response={200: QueuePageOut, **_REFUSALS},
)
def initial_queue(request, paging: Query[PageIn]):
    """Applications waiting for the initial review, oldest first, with SLA flags."""
    return _queue(request, "initial", paging)


@router.get(
    "/queues/final", auth=staff_auth(services.PERM_VIEW), response={200: QueuePageOut, **_REFUSALS}
)
def final_queue(request, paging: Query[PageIn]):
    return _queue(request, "final", paging)


@router.post(
    "/applications/{application_id}/claim",
    auth=REVIEWER_AUTH,
    response={200: DetailOut, **_REFUSALS},
)
def claim(request, application_id: str = _ID):
    services.claim_application(actor=request.auth, application_id=application_id)
    return _staff_detail(request, application_id)


@router.post(
    "/applications/{application_id}/release",
    auth=REVIEWER_AUTH,
    response={200: DetailOut, **_REFUSALS},
)
def release(request, application_id: str = _ID):
    services.release_application(actor=request.auth, application_id=application_id)
    return _staff_detail(request, application_id)


@router.post(
    "/applications/{application_id}/decide",
    auth=REVIEWER_AUTH,
    response={200: DetailOut, **_REFUSALS},
)
def decide(request, payload: ApplicationDecisionIn, application_id: str = _ID):
    """Decide the claimed case's stage; 403 without that stage's role, 409 ``not_claimed``,
    422 ``same_reviewer`` if the initial reviewer tries the final review."""
    decision = payload.dict()
    problems: dict[str, Any] = {}
    if decision["limit"] is not None:
        try:
            decision["limit"] = parse_yuan(decision["limit"], field="limit")
        except MoneyFormatError as invalid:
            decision["limit"] = None
            problems.update(invalid.fields)
    services.decide_application(
        actor=request.auth, application_id=application_id, input_problems=problems, **decision
    )
    return _staff_detail(request, application_id)


def _staff_detail(request, application_id: str) -> dict[str, Any]:
    # Reviewers may lack view_application in a custom role: the detail is read as the system.
    return _out(
        services.application_detail(
            actor=Actor.system("origination.api"), application_id=application_id
        )
    )


# --- admission policies ------------------------------------------------------------------------

add_versioned_config_routes(
    router,
    POLICIES,
    path="/policies",
    id_param="policy_id",
    out=PolicyOut,
    present=_policy_out,
    draft_in=PolicyIn,
    changes_in=_threshold_changes_in,
    names={
        "list": "list_policies",
        "get": "get_policy",
        "create": "create_policy",
        "approve": "approve_policy",
        "reject": "reject_policy",
    },
    module=__name__,
)
