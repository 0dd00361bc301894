"""Home-page figures of origination: the reviewer's queue and SLA, the approval rate for risk."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from microloan.backoffice.dashboard import HOME_PANELS, Figure, ratio

from .models import APPROVED_STATES, REJECTED_STATES, Application, ApplicationState
from .services.common import PERM_REVIEW_FINAL, PERM_REVIEW_INITIAL

_STAGES = (
    ("initial", ApplicationState.INITIAL_REVIEW, PERM_REVIEW_INITIAL),
    ("final", ApplicationState.FINAL_REVIEW, PERM_REVIEW_FINAL),
)


def review_figures(user, business_date: dt.date) -> list[Figure]:
    """Per stage the user may review: my claims, their SLA, and the unclaimed queue."""
    stages = [(stage, state) for stage, state, perm in _STAGES if user.has_perm(perm)]
    now = timezone.now()
    me = user.get_username()
    figures = []
    for stage, state in stages:
        # one aggregate per stage: the queue is indexed on state
        row = Application.objects.filter(state=state).aggregate(
            mine=Count("id", filter=Q(claimed_by=me)),
            breached=Count("id", filter=Q(claimed_by=me, sla_due_at__lt=now)),
            next_due=Min("sla_due_at", filter=Q(claimed_by=me)),
            unclaimed=Count("id", filter=Q(claimed_by="")),
        )
        url = reverse("origination:queue", args=[stage])
        label = _("Initial review") if stage == "initial" else _("Final review")
        figures += [
            Figure(f"{label}: {_('my claimed applications')}", row["mine"], url),
            Figure(
                f"{label}: {_('my next SLA due')}",
                row["next_due"] - now if row["next_due"] else None,
                url,
                kind="duration",
            ),
            Figure(f"{label}: {_('my SLA breaches')}", row["breached"], url, alert=True),
            Figure(f"{label}: {_('unclaimed in the queue')}", row["unclaimed"], url),
        ]
    return figures


def approval_figures(user, business_date: dt.date) -> list[Figure]:
    """Approval rate of the applications submitted in the last 7 and 30 business days."""
    start_30 = business_date - dt.timedelta(days=29)
    start_7 = business_date - dt.timedelta(days=6)
    window = Q(submitted_on__gte=start_30, submitted_on__lte=business_date)
    recent = Q(submitted_on__gte=start_7)
    row = Application.objects.filter(window).aggregate(
        approved_30=Count("id", filter=Q(state__in=APPROVED_STATES)),
        decided_30=Count("id", filter=Q(state__in=APPROVED_STATES + REJECTED_STATES)),
        approved_7=Count("id", filter=recent & Q(state__in=APPROVED_STATES)),
        decided_7=Count("id", filter=recent & Q(state__in=APPROVED_STATES + REJECTED_STATES)),
    )
    base = reverse("origination:applications")

    def since(start: dt.date) -> str:
        query = {"submitted_from": start.isoformat(), "submitted_to": business_date.isoformat()}
        return f"{base}?{urlencode(query)}"

    return [
        Figure(
            str(_("Approval rate, last 7 days")),
            ratio(row["approved_7"], row["decided_7"]),
            since(start_7),
            kind="percent",
        ),
        Figure(
            str(_("Approval rate, last 30 days")),
            ratio(row["approved_30"], row["decided_30"]),
            since(start_30),
            kind="percent",
        ),
    ]


def pipeline_figures(user, business_date: dt.date) -> list[Figure]:
    """Open applications by state: what customer service is asked about every day."""
    states = (
        ApplicationState.RETURNED,
        ApplicationState.INITIAL_REVIEW,
        ApplicationState.FINAL_REVIEW,
    )
    counts = dict(
        Application.objects.filter(state__in=states)
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    base = reverse("origination:applications")
    return [
        Figure(str(state.label), counts.get(state, 0), f"{base}?{urlencode({'state': state})}")
        for state in states
    ]


def register() -> None:
    """Idempotent: ``ready()`` may run more than once in tests."""
    entries = [
        (_("My review work"), None, review_figures),
        (_("Open applications"), "origination.view_application", pipeline_figures),
        (_("Approvals"), "origination.view_application", approval_figures),
    ]
    for entry in entries:
        if entry[2] not in {provider for _t, _p, provider in HOME_PANELS}:
            HOME_PANELS.append(entry)
