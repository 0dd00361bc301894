"""Credit lines: open, freeze and unfreeze, limit changes through maker-checker, close.

``used`` is the principal of the line's loans not yet repaid, pending disbursement included;
``available = limit − used``. Every change of ``used`` happens under a row lock on the line and a
``version`` check (``save_versioned``). A limit cut below ``used`` leaves the line *reduced*: it
still lends up to what is available, which grows back as principal is repaid; once ``used`` fits
the limit again the line is active.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from microloan.audit.services import record_audit
from microloan.customers.services import credit_standing
from microloan.kernel import events
from microloan.kernel.actors import Actor
from microloan.kernel.errors import BusinessRuleViolation, Conflict, NotFound, ValidationFailed
from microloan.kernel.ids import new_public_id
from microloan.kernel.regulation import CREDIT_CAP_PER_BORROWER_FEN
from microloan.kernel.sql import select_values
from microloan.loanmath.schedules import add_months

from ..events import LineFrozen, LineLimitChanged
from ..models import CreditLine, Loan, MakerCheckerRequest
from .common import (
    LINE_AUDIT_FIELDS,
    business_date_or_today,
    clean_reason,
    get_line,
    require_staff,
    require_user,
    save_versioned,
    snapshot,
)
from .product_terms import check_line_rate, lendable_version

PERM_OPEN = "lending.add_creditline"
PERM_CLOSE = "lending.change_creditline"
PERM_FREEZE = "lending.freeze_creditline"
PERM_PROPOSE_LIMIT = "lending.adjust_creditline_limit"
PERM_APPROVE_LIMIT = "lending.approve_creditline_limit"
OPEN_STATUSES = (CreditLine.Status.ACTIVE, CreditLine.Status.FROZEN, CreditLine.Status.REDUCED)


def _check_limit(limit, field: str = "limit") -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0:
        raise ValidationFailed(
            code="invalid_amount", fields={field: _("The limit must be more than zero.")}
        )
    return limit


def _check_product_limit(terms, limit: int, field: str) -> None:
    if limit > terms.max_line_limit:
        raise BusinessRuleViolation(
            _("The limit is above the product's maximum line limit."),
            code="limit_above_product_maximum",
            fields={field: str(terms.max_line_limit)},
        )


def _check_total_credit(customer_id: str, extra: int, *, excluding: CreditLine | None) -> None:
    """The borrower's open limits plus ``extra`` stay within the regulatory cap."""
    lines = CreditLine.objects.filter(customer_id=customer_id, status__in=OPEN_STATUSES)
    if excluding is not None:
        lines = lines.exclude(pk=excluding.pk)
    total = (lines.aggregate(total=Sum("limit"))["total"] or 0) + extra
    if total > CREDIT_CAP_PER_BORROWER_FEN:
        raise BusinessRuleViolation(
            _("A borrower's credit lines may total at most 200,000.00 yuan."),
            code="total_credit_above_cap",
            fields={"limit": str(CREDIT_CAP_PER_BORROWER_FEN - total + extra)},
        )


def _require_creditworthy_customer(customer_id: str, on: dt.date) -> None:
    refusal = credit_standing(customer_id, on=on)
    if refusal == "customer_not_found":
        raise NotFound(
            _("No such customer."), code="customer_not_found", fields={"customer_id": customer_id}
        )
    if refusal is not None:
        raise BusinessRuleViolation(
            _("The customer's resident ID has expired; update it before opening a line."),
            code="customer_id_expired",
            fields={"customer_id": customer_id},
        )


def open_credit_line(
    *,
    actor: Actor,
    customer_id: str,
    product_version_id: str,
    limit: int,
    daily_rate: Decimal,
    grade: str = "",
    opened_on: dt.date | None = None,
) -> CreditLine:
    """Open a line for ``customer_id`` on an approved product version; valid for the product's
    line validity from ``opened_on`` (default: the business date).

    For callers that carry their own approval (origination's decision, the demo). Staff asking
    for a line outside an application go through ``propose_line_opening``."""
    require_staff(actor, PERM_OPEN)
    return _open_line(
        actor,
        customer_id=customer_id,
        product_version_id=product_version_id,
        limit=limit,
        daily_rate=daily_rate,
        grade=grade,
        opened_on=opened_on,
    )


def _open_line(
    actor: Actor,
    *,
    customer_id: str,
    product_version_id: str,
    limit: int,
    daily_rate: Decimal,
    grade: str,
    opened_on: dt.date | None,
    dry_run: bool = False,
) -> CreditLine | None:
    """Every check of a line opening; with ``dry_run`` nothing is written (a proposal)."""
    customer_id = (customer_id or "").strip()
    if not customer_id or len(customer_id) > 40:
        raise ValidationFailed(fields={"customer_id": _("A customer id is required.")})
    if len(grade or "") > 2:
        raise ValidationFailed(fields={"grade": _("At most 2 characters.")})
    _check_limit(limit)
    opened_on = business_date_or_today(opened_on)
    _require_creditworthy_customer(customer_id, opened_on)
    with transaction.atomic():
        version = lendable_version(product_version_id)
        terms = version.terms()
        _check_product_limit(terms, limit, "limit")
        check_line_rate(terms, daily_rate, grade)
        # Lock the borrower's lines so two openings cannot both pass the cap (PostgreSQL), and
        # total the open ones from the rows just locked (one query, not lock + aggregate).
        locked = select_values(  # prepared SQL: every approval runs this
            CreditLine, ["limit", "status"], '"customer_id" = %s', [customer_id], lock=True
        )
        total = limit + sum(line_limit for line_limit, status in locked if status in OPEN_STATUSES)
        if total > CREDIT_CAP_PER_BORROWER_FEN:
            raise BusinessRuleViolation(
                _("A borrower's credit lines may total at most 200,000.00 yuan."),
                code="total_credit_above_cap",
                fields={"limit": str(CREDIT_CAP_PER_BORROWER_FEN - total + limit)},
            )
        if dry_run:
            return None
        line = CreditLine.objects.create(
            public_id=new_public_id("line"),
            customer_id=customer_id,
            product_version=version,
            limit=limit,
            daily_rate=daily_rate,
            grade=grade or "",
            opened_on=opened_on,
            expires_on=add_months(opened_on, terms.line_validity_months),
        )
        record_audit(
            actor=actor,
            action="line.opened",
            object_type="credit_line",
            object_id=line.public_id,
            after={
                **snapshot(line, LINE_AUDIT_FIELDS),
                "customer_id": customer_id,
                "product_version": version.public_id,
            },
        )
    return line


def propose_line_opening(
    *,
    actor: Actor,
    customer_id: str,
    product_version_id: str,
    limit: int,
    daily_rate: Decimal,
    reason: str,
    grade: str = "",
    opened_on: dt.date | None = None,
) -> MakerCheckerRequest:
    """Ask for a line outside an application: every check runs now, and the line opens only
    when a second person with ``approve_creditline_limit`` approves (a limit granted on one
    person's word is money lent on one person's word)."""
    require_staff(actor, PERM_OPEN)
    maker_pk = require_user(actor)
    reason = clean_reason(reason)
    with transaction.atomic():
        _open_line(
            actor,
            customer_id=customer_id,
            product_version_id=product_version_id,
            limit=limit,
            daily_rate=daily_rate,
            grade=grade,
            opened_on=opened_on,
            dry_run=True,
        )
        customer_id = customer_id.strip()
        if MakerCheckerRequest.objects.filter(
            kind=MakerCheckerRequest.Kind.LINE_OPENING,
            status=MakerCheckerRequest.Status.PENDING,
            params__customer_id=customer_id,
        ).exists():
            raise Conflict(
                _("A line opening for this customer is already waiting for approval."),
                code="request_already_pending",
                fields={"customer_id": customer_id},
            )
        request = MakerCheckerRequest.objects.create(
            public_id=new_public_id("mcr"),
            kind=MakerCheckerRequest.Kind.LINE_OPENING,
            params={
                "customer_id": customer_id,
                "product_version_id": product_version_id,
                "limit": limit,
                "daily_rate": str(daily_rate),
                "grade": grade or "",
                "opened_on": opened_on.isoformat() if opened_on else None,
            },
            reason=reason,
            maker_id=maker_pk,
        )
        record_audit(
            actor=actor,
            action="line.opening_proposed",
            object_type="maker_checker_request",
            object_id=request.public_id,
            after={**request.params, "reason": reason},
        )
    return request


def apply_line_opening(*, actor: Actor, request: MakerCheckerRequest) -> CreditLine:
    """The approved side of a line opening (called by ``requests.approve_request``): the
    checks run again, as the book may have changed since the proposal."""
    params = request.params
    line = _open_line(
        actor,
        customer_id=params["customer_id"],
        product_version_id=params["product_version_id"],
        limit=params["limit"],
        daily_rate=Decimal(params["daily_rate"]),
        grade=params["grade"],
        opened_on=dt.date.fromisoformat(params["opened_on"]) if params["opened_on"] else None,
    )
    request.line = line
    return line


def _status_after_limit(line: CreditLine) -> str:
    if line.status in (CreditLine.Status.FROZEN, CreditLine.Status.CLOSED):
        return line.status
    return CreditLine.Status.REDUCED if line.used > line.limit else CreditLine.Status.ACTIVE


def freeze_line(*, actor: Actor, line_id: str, reason: str) -> CreditLine:
    """Stop new drawdowns on the line (existing loans run on)."""
    require_staff(actor, PERM_FREEZE)
    reason = clean_reason(reason)
    with transaction.atomic():
        line = get_line(actor, line_id, lock=True)
        if line.status in (CreditLine.Status.FROZEN, CreditLine.Status.CLOSED):
            raise Conflict(
                _("The line is already %(status)s.") % {"status": line.get_status_display()},
                code="line_not_freezable",
                fields={"line_id": line.public_id, "status": line.status},
            )
        before = snapshot(line, LINE_AUDIT_FIELDS)
        line.status = CreditLine.Status.FROZEN
        save_versioned(line, ["status"])
        record_audit(
            actor=actor,
            action="line.frozen",
            object_type="credit_line",
            object_id=line.public_id,
            before=before,
            after={**snapshot(line, LINE_AUDIT_FIELDS), "reason": reason},
        )
        events.publish(
            LineFrozen(customer_id=line.customer_id, line_id=line.public_id, reason=reason)
        )
    return line


def unfreeze_line(*, actor: Actor, line_id: str, reason: str) -> CreditLine:
    require_staff(actor, PERM_FREEZE)
    reason = clean_reason(reason)
    with transaction.atomic():
        line = get_line(actor, line_id, lock=True)
        if line.status != CreditLine.Status.FROZEN:
            raise Conflict(
                _("Only a frozen line can be unfrozen."),
                code="line_not_frozen",
                fields={"line_id": line.public_id, "status": line.status},
            )
        before = snapshot(line, LINE_AUDIT_FIELDS)
        line.status = CreditLine.Status.ACTIVE  # then reduced if the limit no longer covers it
        line.status = _status_after_limit(line)
        save_versioned(line, ["status"])
        record_audit(
            actor=actor,
            action="line.unfrozen",
            object_type="credit_line",
            object_id=line.public_id,
            before=before,
            after={**snapshot(line, LINE_AUDIT_FIELDS), "reason": reason},
        )
    return line


def propose_limit_change(
    *, actor: Actor, line_id: str, new_limit: int, reason: str
) -> MakerCheckerRequest:
    """Ask for a new limit; a second person with ``approve_creditline_limit`` decides."""
    require_staff(actor, PERM_PROPOSE_LIMIT)
    maker_pk = require_user(actor)
    _check_limit(new_limit, "new_limit")
    reason = clean_reason(reason)
    with transaction.atomic():
        line = get_line(actor, line_id, lock=True)
        if line.status == CreditLine.Status.CLOSED:
            raise Conflict(
                _("The line is closed."), code="line_closed", fields={"line_id": line.public_id}
            )
        if new_limit == line.limit:
            raise ValidationFailed(
                code="limit_unchanged", fields={"new_limit": _("That is the current limit.")}
            )
        _check_product_limit(line.product_version.terms(), new_limit, "new_limit")
        if new_limit > line.limit:
            _check_total_credit(line.customer_id, new_limit, excluding=line)
        if MakerCheckerRequest.objects.filter(
            line=line,
            kind=MakerCheckerRequest.Kind.LIMIT_CHANGE,
            status=MakerCheckerRequest.Status.PENDING,
        ).exists():
            raise Conflict(
                _("A limit change for this line is already waiting for approval."),
                code="request_already_pending",
                fields={"line_id": line.public_id},
            )
        request = MakerCheckerRequest.objects.create(
            public_id=new_public_id("mcr"),
            kind=MakerCheckerRequest.Kind.LIMIT_CHANGE,
            line=line,
            params={"old_limit": line.limit, "new_limit": new_limit},
            reason=reason,
            maker_id=maker_pk,
        )
        record_audit(
            actor=actor,
            action="line.limit_change_proposed",
            object_type="credit_line",
            object_id=line.public_id,
            after={"request": request.public_id, **request.params, "reason": reason},
        )
    return request


def apply_limit_change(*, actor: Actor, request: MakerCheckerRequest) -> CreditLine:
    """The approved side of a limit change (called by ``requests.approve_request``)."""
    line = CreditLine.objects.select_for_update().get(pk=request.line_id)
    if line.status == CreditLine.Status.CLOSED:
        raise Conflict(
            _("The line is closed."), code="line_closed", fields={"line_id": line.public_id}
        )
    new_limit = request.params["new_limit"]
    if new_limit > line.limit:
        _check_total_credit(line.customer_id, new_limit, excluding=line)
    _set_limit(actor, line, new_limit, reason=request.reason, request_id=request.public_id)
    return line


def _set_limit(
    actor: Actor, line: CreditLine, new_limit: int, *, reason: str, request_id: str = ""
) -> None:
    """Write a new limit on a locked line, audit it and tell the borrower (event)."""
    before = snapshot(line, LINE_AUDIT_FIELDS)
    old_limit = line.limit
    line.limit = new_limit
    line.status = _status_after_limit(line)
    save_versioned(line, ["limit", "status"])
    record_audit(
        actor=actor,
        action="line.limit_changed",
        object_type="credit_line",
        object_id=line.public_id,
        before=before,
        after={**snapshot(line, LINE_AUDIT_FIELDS), "request": request_id, "reason": reason},
    )
    events.publish(
        LineLimitChanged(
            customer_id=line.customer_id,
            line_id=line.public_id,
            old_limit=old_limit,
            new_limit=new_limit,
            reason=reason,
        )
    )


def reduce_limit(*, actor: Actor, line_id: str, new_limit: int, reason: str) -> CreditLine:
    """Cut a line's limit at once, without a second person: for post-loan rules whose cut is
    within the threshold that needs no maker-checker (the caller decides the threshold; larger
    cuts go through ``propose_limit_change``). Only ever lowers the limit."""
    require_staff(actor, PERM_APPROVE_LIMIT)
    _check_limit(new_limit, "new_limit")
    reason = clean_reason(reason)
    with transaction.atomic():
        line = get_line(actor, line_id, lock=True)
        if line.status == CreditLine.Status.CLOSED:
            raise Conflict(
                _("The line is closed."), code="line_closed", fields={"line_id": line.public_id}
            )
        if new_limit >= line.limit:
            raise ValidationFailed(
                code="not_a_reduction",
                fields={"new_limit": _("A direct change may only lower the limit.")},
            )
        _set_limit(actor, line, new_limit, reason=reason)
    return line


def close_line(*, actor: Actor, line_id: str, reason: str) -> CreditLine:
    """Close a line that has no loan left to repay (nothing used, nothing pending)."""
    require_staff(actor, PERM_CLOSE)
    reason = clean_reason(reason)
    with transaction.atomic():
        line = get_line(actor, line_id, lock=True)
        if line.status == CreditLine.Status.CLOSED:
            raise Conflict(
                _("The line is closed."), code="line_closed", fields={"line_id": line.public_id}
            )
        open_loans = line.loans.filter(
            status__in=(Loan.Status.PENDING_DISBURSEMENT, Loan.Status.ACTIVE)
        ).exists()
        if line.used or open_loans:
            raise Conflict(
                _("The line still has loans to repay."),
                code="line_has_open_loans",
                fields={"line_id": line.public_id},
            )
        before = snapshot(line, LINE_AUDIT_FIELDS)
        line.status = CreditLine.Status.CLOSED
        save_versioned(line, ["status"])
        record_audit(
            actor=actor,
            action="line.closed",
            object_type="credit_line",
            object_id=line.public_id,
            before=before,
            after={**snapshot(line, LINE_AUDIT_FIELDS), "reason": reason},
        )
    return line


def take_principal(line: CreditLine, amount: int) -> None:
    """Book ``amount`` of new principal on the locked ``line`` (a drawdown)."""
    line.used += amount
    save_versioned(line, ["used"])


def release_principal(line: CreditLine, amount: int) -> None:
    """Principal repaid, written off or cancelled frees the locked ``line`` again."""
    if amount == 0:
        return
    line.used -= amount
    if line.used < 0:
        raise Conflict(
            _("The line's used amount would fall below zero."),
            code="line_state_inconsistent",
            fields={"line_id": line.public_id},
        )
    line.status = _status_after_limit(line)
    save_versioned(line, ["used", "status"])


def line_is_open_for_drawdown(line: CreditLine, on: dt.date) -> bool:
    return (
        line.status in (CreditLine.Status.ACTIVE, CreditLine.Status.REDUCED)
        and line.opened_on <= on <= line.expires_on
    )
