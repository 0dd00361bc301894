"""Background work: apply the early-warning actions a check queued (run workers with
``microloan db_worker``)."""

from __future__ import annotations

from django_tasks import task

MAX_PER_TASK = 2_000  # then queue a follow-up, so one task never runs for long


@task()
def apply_early_warning_actions() -> int:
    from ..models import EarlyWarningAction
    from .actions import apply_queued_actions

    done = apply_queued_actions(limit=MAX_PER_TASK)
    if EarlyWarningAction.objects.filter(status=EarlyWarningAction.Status.QUEUED).exists():
        apply_early_warning_actions.enqueue()
    return done
