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
