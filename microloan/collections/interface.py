"""What other apps (and the demo book) may use of collections: typed queries over the cases,
contacts and promises (this app's own tables) and the collector's commands."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count

from .models import Bucket, CollectionCase, ContactAttempt, ContactResult, PromiseToPay
from .services.contacts import debt_of, log_contact, make_promise

# --- for risk, collections, notifications and the demo ---
__all__ = [
    "ContactResult",
    "OpenCase",
    "case_counts_by_status",
    "case_debt",
    "case_overdue",
    "contact_count",
    "has_pending_promise",
    "log_contact",
    "make_promise",
    "open_case_count",
    "open_cases_of",
    "promise_count",
]


@dataclass(frozen=True, slots=True)
class OpenCase:
    public_id: str
    customer_id: str


def open_cases_of(collector_pk: int) -> list[OpenCase]:
    """The open cases assigned to staff login ``collector_pk``, by id."""
    rows = (
        CollectionCase.objects.filter(status=CollectionCase.Status.OPEN, collector_id=collector_pk)
        .order_by("id")
        .values_list("public_id", "customer_id")
    )
    return [OpenCase(*row) for row in rows]


def case_debt(case_id: str) -> int:
    """What the borrower of case ``case_id`` owes today (``services.contacts.debt_of``)."""
    return debt_of(CollectionCase.objects.select_related("loan").get(public_id=case_id).loan)


def case_overdue(case_id: str) -> int:
    """What the borrower of case ``case_id`` is behind by today: overdue principal, overdue
    interest and penalty (what a cure needs; a promise of more than the debt is refused)."""
    loan = CollectionCase.objects.select_related("loan").get(public_id=case_id).loan
    return loan.overdue_principal + loan.overdue_interest + loan.penalty_receivable


def has_pending_promise(case_id: str) -> bool:
    return PromiseToPay.objects.filter(case__public_id=case_id, status="pending").exists()


def open_case_count() -> int:
    return CollectionCase.objects.filter(status=CollectionCase.Status.OPEN).count()


def case_counts_by_status() -> dict[str, int]:
    """Case status → cases, by status."""
    rows = CollectionCase.objects.values("status").annotate(n=Count("id")).order_by("status")
    return {row["status"]: row["n"] for row in rows}


def contact_count() -> int:
    return ContactAttempt.objects.count()


def promise_count() -> int:
    return PromiseToPay.objects.count()


# --- for the customer 360 page ---
@dataclass(frozen=True)
class CustomerCase:
    case_id: str
    loan_id: str
    status: str
    status_label: str
    bucket_label: str
    opened_on: dt.date
    opening_overdue: int  # fen
    closed_on: dt.date | None
    close_reason_label: str


def customer_cases(customer_id: str) -> list[CustomerCase]:
    """The customer's collection cases, newest first (one query)."""
    rows = (
        CollectionCase.objects.filter(customer_id=customer_id)
        .order_by("-opened_on", "-id")
        .values_list(
            "public_id", "loan__public_id", "status", "bucket", "opened_on", "opening_overdue",
            "closed_on", "close_reason",
        )
    )  # fmt: skip
    return [
        CustomerCase(
            case_id, loan_id, status, CollectionCase.Status(status).label, Bucket(bucket).label,
            opened, overdue, closed, CollectionCase.CloseReason(reason).label if reason else "",
        )
        for case_id, loan_id, status, bucket, opened, overdue, closed, reason in rows
    ]  # fmt: skip


def _register_customer_sections() -> None:
    from django.utils.translation import gettext_lazy as _

    from microloan.customers.profile import ProfileSection, register_section

    # Customer service sees that a case exists (status and bucket, the call's context); the
    # case page itself stays behind collections.view_collectioncase.
    register_section(
        ProfileSection(
            "cases", _("Collection cases"), "customers.view_customer", customer_cases, 80
        )
    )


_register_customer_sections()
