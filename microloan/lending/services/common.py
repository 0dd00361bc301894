"""Helpers shared by the lending services: look-ups that respect who asks, row locks, versioned
saves, audit snapshots and small conversions."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microloan.kernel.actors import Actor
from microloan.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from microloan.kernel.services import get_business_date
from microloan.kernel.sql import select_one
from microloan.kernel.text import clean_reason as kernel_clean_reason

from ..models import RATE_SCALE, CreditLine, Loan, MakerCheckerRequest
from .product_terms import attach_product_version

MAX_REASON_LENGTH = 1000

PERM_VIEW_LINE = "lending.view_creditline"
PERM_VIEW_LOAN = "lending.view_loan"


def business_date_or_today(business_date: dt.date | None) -> dt.date:
    return business_date if business_date is not None else get_business_date()


def refuse_future_date(business_date: dt.date, field: str = "business_date") -> None:
    """Money moves on today's business date or earlier, never on a day still to come."""
    today = get_business_date()
    if business_date > today:
        raise ValidationFailed(
            _("The date is after today's business date (%(today)s).")
            % {"today": today.isoformat()},
            code="date_after_business_date",
            fields={field: business_date.isoformat()},
        )


def require_staff(actor: Actor, *perms: str) -> None:
    """A staff (or system) actor holding ``perms``; borrowers are refused."""
    actor.require_staff()
    actor.require(*perms)


def require_user(actor: Actor) -> int:
    """The staff user's primary key, for maker/checker foreign keys."""
    if actor.kind != "staff" or actor.user_pk is None:
        raise PermissionDenied(
            _("Only a signed-in member of staff can do this."), fields={"actor": actor.label}
        )
    return actor.user_pk


# The kernel's one reason check (always required), at the length lending's columns hold.
clean_reason = partial(kernel_clean_reason, max_length=MAX_REASON_LENGTH)


def check_positive_amount(amount: Any, field: str = "amount") -> int:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValidationFailed(
            code="invalid_amount", fields={field: _("The amount must be more than zero.")}
        )
    return amount


def check_non_negative_amount(amount: Any, field: str = "amount") -> int:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise ValidationFailed(
            code="invalid_amount", fields={field: _("The amount must not be negative.")}
        )
    return amount


def line_not_found(line_id: str) -> NotFound:
    return NotFound(_("No such credit line."), code="line_not_found", fields={"line_id": line_id})


def loan_not_found(loan_id: str) -> NotFound:
    return NotFound(_("No such loan."), code="loan_not_found", fields={"loan_id": loan_id})


def get_line(actor: Actor, line_id: str, *, lock: bool = False) -> CreditLine:
    """The line ``line_id``; a borrower finds only their own (else 404, as if it did not exist).

    No permission check: a service acting on the line checks its own permission, a read
    checks the view permission (``visible_line``).
    """
    lines = CreditLine.objects.select_related("product_version")
    if lock:
        lines = lines.select_for_update(of=("self",))
    line = lines.filter(public_id=str(line_id)[:60]).first()
    if line is None or (actor.kind == "borrower" and line.customer_id != actor.id):
        raise line_not_found(line_id)
    return line


def get_loan(actor: Actor, loan_id: str) -> Loan:
    """The loan ``loan_id`` (no lock); a borrower finds only their own (else 404)."""
    # Prepared SQL and the cached product version: payments, repayments and pages ask often.
    loan = select_one(Loan, '"public_id" = %s', [str(loan_id)[:60]])
    if loan is None or (actor.kind == "borrower" and loan.customer_id != actor.id):
        raise loan_not_found(loan_id)
    loan.line = select_one(CreditLine, '"id" = %s', [loan.line_id])
    attach_product_version(loan)
    return loan


def visible_line(actor: Actor, line_id: str) -> CreditLine:
    """For reads: the line, to its borrower or to staff with the view permission."""
    line = get_line(actor, line_id)
    if actor.kind == "staff":
        actor.require(PERM_VIEW_LINE)
    return line


def visible_loan(actor: Actor, loan_id: str) -> Loan:
    """For reads: the loan, to its borrower or to staff with the view permission."""
    loan = get_loan(actor, loan_id)
    if actor.kind == "staff":
        actor.require(PERM_VIEW_LOAN)
    return loan


def lock_loan_and_line(actor: Actor, loan_id: str) -> tuple[Loan, CreditLine]:
    """Lock the loan's line, then the loan (the documented lock order), and return both fresh."""
    found = select_one(Loan, '"public_id" = %s', [str(loan_id)[:60]], fields=_OWNER)
    if found is None or (actor.kind == "borrower" and found.customer_id != actor.id):
        raise loan_not_found(loan_id)
    line = select_one(CreditLine, '"id" = %s', [found.line_id], lock=True)
    loan = select_one(Loan, '"id" = %s', [found.pk], lock=True)
    attach_product_version(loan)
    loan.line = line
    return loan, line


_OWNER = ("line_id", "customer_id")


def require_loan_active(loan: Loan) -> None:
    if loan.status != Loan.Status.ACTIVE:
        raise Conflict(
            _("Only an active loan can be changed this way."),
            code="loan_not_active",
            fields={"loan_id": loan.public_id, "status": loan.status},
        )


def require_no_pending_request(loan: Loan) -> None:
    """One maker-checker change of a loan at a time."""
    if MakerCheckerRequest.objects.filter(
        loan=loan, status=MakerCheckerRequest.Status.PENDING
    ).exists():
        raise Conflict(
            _("A change of this loan is already waiting for approval."),
            code="request_already_pending",
            fields={"loan_id": loan.public_id},
        )


def save_versioned(obj: models.Model, fields: list[str]) -> None:
    """Write ``fields`` only if nobody changed the row since it was read; bump ``version``.

    The row is normally locked already; the version check is what still protects it where the
    database ignores ``select_for_update`` (SQLite) and against a caller holding a stale copy.
    """
    values = {name: getattr(obj, name) for name in fields}
    values["version"] = obj.version + 1
    values["updated_at"] = timezone.now()
    updated = type(obj).objects.filter(pk=obj.pk, version=obj.version).update(**values)
    if updated != 1:
        raise Conflict(
            _("Someone else changed this record meanwhile; try again."),
            code="stale_version",
            fields={"version": str(obj.version)},
        )
    obj.version += 1
    obj.updated_at = values["updated_at"]


def rate_to_e8(rate: Decimal) -> int:
    """A rate as integer parts per 10^8 (exact for the ≤ 8 decimals a rate column holds)."""
    return int((rate * RATE_SCALE).to_integral_value(rounding=ROUND_HALF_UP))


def penalty_rate_e8(daily_rate: Decimal, multiplier: Decimal) -> int:
    """Daily penalty rate on overdue principal = daily rate × multiplier (docs/servicing.md)."""
    return int((daily_rate * multiplier * RATE_SCALE).to_integral_value(rounding=ROUND_HALF_UP))


LINE_AUDIT_FIELDS = ("limit", "used", "status", "daily_rate", "expires_on", "version")
LOAN_AUDIT_FIELDS = (
    "status",
    "principal",
    "daily_rate",
    "method",
    "term_months",
    "principal_outstanding",
    "overdue_principal",
    "interest_receivable",
    "overdue_interest",
    "penalty_receivable",
    "unapplied_balance",
    "next_due_date",
    "dpd",
    "category",
    "restructured",
    "version",
)


def snapshot(obj: models.Model, fields: tuple[str, ...]) -> dict[str, Any]:
    """The audited fields of ``obj`` as JSON-ready values."""
    values = {}
    for name in fields:
        value = getattr(obj, name)
        values[name] = str(value) if isinstance(value, Decimal | dt.date) else value
    return values
