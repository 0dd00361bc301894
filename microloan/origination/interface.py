"""What other apps (and the demo book) may use of origination besides
``origination.services``: typed queries over the applications (this app's own table)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count

from .models import Application, ApplicationState

# --- for risk, collections, notifications and the demo ---
APPROVED_STATES = (ApplicationState.AUTO_APPROVED.value, ApplicationState.APPROVED.value)
INITIAL_REVIEW = ApplicationState.INITIAL_REVIEW.value
FINAL_REVIEW = ApplicationState.FINAL_REVIEW.value


@dataclass(frozen=True, slots=True)
class QueuedApplication:
    public_id: str
    product_version: str
    requested_amount: int
    proposed_limit: int | None
    grade: str


def review_queue(state: str, *, submitted_before: dt.date) -> list[QueuedApplication]:
    """Applications in review ``state`` submitted before ``submitted_before``, by id."""
    rows = (
        Application.objects.filter(state=state, submitted_on__lt=submitted_before)
        .order_by("id")
        .values_list("public_id", "product_version", "requested_amount", "proposed_limit", "grade")
    )
    return [QueuedApplication(*row) for row in rows]


def approved_lines(customer_ids: Iterable[str]) -> list[tuple[str, str]]:
    """(customer id, line id) of the approved (by a reviewer) applications of ``customer_ids``."""
    return list(
        Application.objects.filter(
            state=ApplicationState.APPROVED, customer_id__in=customer_ids
        ).values_list("customer_id", "line_id")
    )


def any_application() -> bool:
    return Application.objects.exists()


def application_counts_by_state() -> dict[str, int]:
    """Application state → applications, by state."""
    rows = Application.objects.values("state").annotate(n=Count("id")).order_by("state")
    return {row["state"]: row["n"] for row in rows}


# --- for the customer 360 page ---
@dataclass(frozen=True)
class CustomerApplication:
    application_id: str
    product_code: str
    requested_amount: int  # fen
    granted_limit: int | None  # fen
    state: str  # an ApplicationState value
    state_label: str
    reasons: tuple[str, ...]  # the decision's reasons in words, in the active language
    submitted_at: dt.datetime
    decided_at: dt.datetime | None
    line_id: str


def customer_applications(customer_id: str) -> list[CustomerApplication]:
    """The customer's applications with their decisions in words, newest first (one query)."""
    from .reasons import reason_text

    rows = (
        Application.objects.filter(customer_id=customer_id)
        .order_by("-submitted_at", "-id")
        .values_list(
            "public_id", "product_code", "requested_amount", "granted_limit", "state",
            "decision_reasons", "submitted_at", "decided_at", "line_id",
        )
    )  # fmt: skip
    return [
        CustomerApplication(
            app_id, product, requested, granted, state, ApplicationState(state).label,
            tuple(reason_text(code) for code in reasons or ()), submitted, decided, line_id,
        )
        for app_id, product, requested, granted, state, reasons, submitted, decided, line_id in rows
    ]  # fmt: skip


def _register_customer_sections() -> None:
    from django.utils.translation import gettext_lazy as _

    from microloan.customers.profile import ProfileSection, register_section

    register_section(
        ProfileSection(
            "applications", _("Applications and decisions"), "origination.view_application",
            customer_applications, 30,
        )
    )  # fmt: skip


_register_customer_sections()
