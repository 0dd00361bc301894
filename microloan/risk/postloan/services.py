"""Post-loan checks and early-warning actions: the end-of-day hook, on-demand checks, and the
approval of large limit cuts by a second person.

Money and line changes go through lending's services (``freeze_line``, ``reduce_limit``) under
the system actor ``early_warning``; lending publishes ``line.frozen`` / ``line.limit_changed``
and notifications tells the borrower. Checks are written with one bulk insert per partition;
only the few lines that get an action cost a service call each.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microloan.audit.services import record_audit
from microloan.batch.registry import StepContext
from microloan.batch.sql import date_literal
from microloan.customers.interface import customers_matching, customers_with_id_expiring_by
from microloan.kernel.actors import Actor
from microloan.kernel.errors import (
    Conflict,
    NotFound,
    ValidationFailed,
)
from microloan.kernel.ids import new_public_id
from microloan.kernel.maker_checker import ConfigKind, MakerChecker
from microloan.kernel.services import get_business_date
from microloan.lending import interface as lending
from microloan.lending.interface import LINE_FROZEN, LineScope
from microloan.lending.services.lines import OPEN_STATUSES

from ..models import (
    BlacklistEntry,
    EarlyWarningAction,
    EarlyWarningPolicy,
    PostLoanCheck,
)
from ..services.common import staff_user_pk
from . import actions, rules
from .actions import (  # re-exported: the API and pages decide actions through here
    PERM_APPROVE_ACTION,
    SYSTEM_ACTOR,
    apply_queued_actions,
    approve_action,
    reject_action,
)
from .features import LineFacts, close_of_business_day, gather_facts, pk_scope
from .scoring import BehaviourInputs, behaviour_score, utilisation_bp
from .signals import (
    id_expiry_state,
    monthly_slot,
    repeated_minimum_payments,
    rising_utilisation,
)

MAX_CYCLE_DAYS = 20  # every month has at least 20 Monday–Fridays
PERM_VIEW_CHECK = "risk.view_postloancheck"
PERM_RUN_CHECK = "risk.add_postloancheck"
PERM_VIEW_ACTION = "risk.view_earlywarningaction"
PERM_CHANGE_POLICY = "risk.add_earlywarningpolicy"
PERM_APPROVE_POLICY = "risk.approve_earlywarningpolicy"
PERM_VIEW_POLICY = "risk.view_earlywarningpolicy"
Trigger = PostLoanCheck.Trigger
__all__ = [
    "PERM_APPROVE_ACTION",
    "PERM_CHANGE_POLICY",
    "PERM_RUN_CHECK",
    "PERM_VIEW_ACTION",
    "PERM_VIEW_CHECK",
    "active_policy",
    "apply_queued_actions",
    "approve_action",
    "approve_policy",
    "check_line",
    "create_policy_draft",
    "evaluate",
    "get_check",
    "list_actions",
    "list_checks",
    "list_policies",
    "reject_action",
    "reject_policy",
    "run_postloan_checks",
    "triggered_lines",
]
TRIGGER_CHUNK = 500  # lines per fact-gathering query when checking a list of lines


# --- policy ------------------------------------------------------------------------------------


class _EarlyWarningPolicies(MakerChecker[EarlyWarningPolicy]):
    def first_fields(self) -> dict[str, Any]:
        return {**super().first_fields(), "created_by": SYSTEM_ACTOR.label}

    def create_draft(self, *, actor: Actor, changes: Any, note: Any = "") -> EarlyWarningPolicy:
        actor.require(PERM_CHANGE_POLICY)
        if not isinstance(changes, dict) or not changes:
            raise ValidationFailed(fields={"changes": _("Give at least one threshold to change.")})
        return super().create_draft(actor=actor, changes=changes, note=note)

    def snapshot(self, policy: EarlyWarningPolicy) -> dict[str, Any]:
        return {"version": policy.version, "status": policy.status, "thresholds": policy.thresholds}


POLICIES = _EarlyWarningPolicies(
    EarlyWarningPolicy,
    ConfigKind(
        audit_type="early_warning_policy",
        view_perm=PERM_VIEW_POLICY,
        add_perm=PERM_CHANGE_POLICY,
        approve_perm=PERM_APPROVE_POLICY,
        id_field="policy_id",
        not_found=("policy_not_found", _("No such early-warning policy.")),
        no_active=("no_active_policy", _("No early-warning policy is active.")),
        not_draft=("policy_not_draft", _("Only a draft policy can be approved.")),
        version_taken="policy_version_taken",
        maker_id_field="policy_id",
    ),
    bootstrap_actor=SYSTEM_ACTOR,
    schema=rules.EarlyWarningThresholds,
    defaults=lambda: dict(rules.DEFAULT_THRESHOLDS),
    bootstrap_note="defaults",
    problem_prefix="changes.",
)


def active_policy() -> EarlyWarningPolicy:
    """The active early-warning policy (kept per process, see ``kernel.versions``: treat it as
    read-only); version 1 with the default thresholds on first use."""
    return POLICIES.active()


def create_policy_draft(*, actor: Actor, changes: dict, note: str = "") -> EarlyWarningPolicy:
    """A draft: the latest version's thresholds with ``changes`` merged in, validated whole
    (every problem reported at once). It takes effect when someone else approves it."""
    return POLICIES.create_draft(actor=actor, changes=changes, note=note)


def list_policies(*, actor: Actor) -> QuerySet[EarlyWarningPolicy]:
    """Every version, newest first (the defaults become version 1 on first use)."""
    return POLICIES.list_versions(actor=actor)


def approve_policy(*, actor: Actor, policy_id: str) -> EarlyWarningPolicy:
    """Draft → active by a checker other than its maker; the active version retires."""
    return POLICIES.activate(actor=actor, version_id=policy_id)


def reject_policy(*, actor: Actor, policy_id: str, reason: str) -> EarlyWarningPolicy:
    """Draft → rejected, with a reason, by a checker other than its maker."""
    return POLICIES.reject(actor=actor, version_id=policy_id, reason=reason)


# --- evaluating one line -----------------------------------------------------------------------


def months_on_book(opened_on: dt.date, today: dt.date) -> int:
    months = (today.year - opened_on.year) * 12 + today.month - opened_on.month
    return max(months - (1 if today.day < opened_on.day else 0), 0)


def evaluate(facts: LineFacts, today: dt.date, thresholds) -> tuple[dict, rules.Decision]:
    """The check's fields (score, points, signals, facts) and the rules' decision for a line."""
    scored = behaviour_score(
        BehaviourInputs(
            max_dpd_6m=facts.max_dpd_6m,
            late_instalments_6m=facts.late_instalments_6m,
            utilisation_bp=utilisation_bp(facts.used, facts.limit),
            months_on_book=months_on_book(facts.opened_on, today),
        )
    )
    principal = facts.principal_at_month_ends
    minimum = bool(principal) and repeated_minimum_payments(
        facts.months,
        principal_at_start=principal[1] if len(principal) > 1 else principal[0],
        principal_at_end=principal[-1],
        min_months=thresholds["minimum_payment_months"],
    )
    rising = rising_utilisation(principal, increases=thresholds["rising_utilisation_increases"])
    id_state = id_expiry_state(facts.id_expiry, today, within_days=thresholds["id_expiry_days"])
    cooldown = dt.timedelta(days=thresholds["reduction_cooldown_days"])
    decision = rules.decide(
        rules.DecisionInputs(
            score=scored.score,
            limit=facts.limit,
            line_frozen=facts.status == LINE_FROZEN,
            minimum_payments=minimum,
            rising_utilisation=rising,
            other_line_max_dpd=facts.other_line_max_dpd,
            blacklist_hit=facts.blacklist_hit,
            id_state=id_state,
            reduced_recently=facts.reduced_since is not None
            and facts.reduced_since > today - cooldown,
        ),
        thresholds,
    )
    fields = {
        "score": scored.score,
        "score_points": scored.points,
        "facts": {
            "max_dpd_6m": facts.max_dpd_6m,
            "late_instalments_6m": facts.late_instalments_6m,
            "used": facts.used,
            "utilisation_bp": utilisation_bp(facts.used, facts.limit),
            "months_on_book": months_on_book(facts.opened_on, today),
            "principal_at_month_ends": principal,
            "months_due_paid": [[m.due, m.paid] for m in facts.months],
            "other_line_max_dpd": facts.other_line_max_dpd,
            "id_state": id_state,
        },
        "minimum_payments": minimum,
        "rising_utilisation": rising,
        "overdue_other_line": facts.other_line_max_dpd > 0,
        "blacklist_hit": facts.blacklist_hit,
        "id_expiring": bool(id_state),
    }
    return fields, decision


def _check_row(facts: LineFacts, today: dt.date, policy, triggers: list[str], by: str, public_id):
    """The check of one line as a row (column -> value) for ``insert_checks``, and the
    decision. Plain dicts, not model instances: a monthly run builds 100k of them."""
    fields, decision = evaluate(facts, today, policy.thresholds)
    row = {
        "public_id": public_id,
        "line_id": facts.pk,
        "customer_id": facts.customer_id,
        "business_date": today,
        "trigger": triggers[0],
        "triggers": [str(trigger) for trigger in triggers],
        "policy_version": policy.version,
        "decision": decision.action,
        "reasons": list(decision.reasons),
        "limit_before": facts.limit,
        "proposed_limit": decision.new_limit,
        "requested_by": by[:160],
        **fields,
    }
    return row, decision


class CheckIds:
    """Public ids for a run's checks: one fresh random id, then a sequence (6 base-32 digits)
    after it — unique and opaque like ``new_public_id`` at a fraction of the cost per row."""

    def __init__(self) -> None:
        self.stem, self.next = new_public_id("plc"), 0

    def __call__(self) -> str:
        value, digits = self.next, []
        self.next += 1
        for _position in range(6):
            value, digit = divmod(value, 32)
            digits.append("0123456789abcdefghjkmnpqrstvwxyz"[digit])
        return self.stem + "".join(reversed(digits))


# --- writing checks and actions ------------------------------------------------------------


CHECK_COLUMNS = (
    "public_id", "line_id", "customer_id", "business_date", "trigger", "triggers",
    "policy_version", "score", "score_points", "facts", "minimum_payments",
    "rising_utilisation", "overdue_other_line", "blacklist_hit", "id_expiring", "decision",
    "reasons", "limit_before", "proposed_limit", "requested_by", "created_at",
)  # fmt: skip
JSON_COLUMNS = ("triggers", "score_points", "facts", "reasons")


def insert_checks(rows: list[dict]) -> None:
    """Write checks with executemany in batches: the ORM's per-object cost was more than the
    rest of the monthly check. Values go through the backend's own adapters."""
    ops = connection.ops
    pg = connection.vendor == "postgresql"
    placeholders = ", ".join(
        "CAST(%s AS jsonb)" if pg and name in JSON_COLUMNS else "%s" for name in CHECK_COLUMNS
    )
    sql = (
        f"INSERT INTO {PostLoanCheck._meta.db_table}"
        f" ({', '.join(ops.quote_name(name) for name in CHECK_COLUMNS)})"
        f" VALUES ({placeholders})"
    )
    now = ops.adapt_datetimefield_value(timezone.now())
    values = []
    encoded: dict[tuple, str] = {}  # triggers and reasons repeat: encode each list once
    for row in rows:
        row["created_at"] = now
        row["business_date"] = ops.adapt_datefield_value(row["business_date"])
        row["score_points"] = json.dumps(row["score_points"])
        row["facts"] = json.dumps(row["facts"])
        for name in ("triggers", "reasons"):
            key = tuple(row[name])
            if key not in encoded:
                encoded[key] = json.dumps(row[name])
            row[name] = encoded[key]
        values.append([row[name] for name in CHECK_COLUMNS])
    with connection.cursor() as cursor:
        for start in range(0, len(values), 2000):
            cursor.executemany(sql, values[start : start + 2000])


def _check_lines(facts_by_pk, today, policy, triggers_by_pk, *, by: str, maker_pk=None) -> list:
    """Check every line of ``facts_by_pk``: write the checks (one batched insert) and the
    actions their decisions ask for (one bulk insert); queued actions are applied after the
    commit (``actions``). Returns the public ids of the checks written."""
    ids = CheckIds()
    rows, acted = [], {}
    for pk, facts in facts_by_pk.items():
        row, decision = _check_row(facts, today, policy, triggers_by_pk(pk), by, ids())
        if decision.action != rules.NONE:
            if decision.needs_approval and facts.pending_action:
                row["reasons"].append("action_pending")
            else:
                acted[row["public_id"]] = (decision, facts)
        rows.append(row)
    written = [row["public_id"] for row in rows]
    insert_checks(rows)
    acted_ids, new_actions = sorted(acted), []
    for start in range(0, len(acted_ids), TRIGGER_CHUNK):
        chunk = acted_ids[start : start + TRIGGER_CHUNK]
        for check in PostLoanCheck.objects.filter(public_id__in=chunk):
            decision, facts = acted[check.public_id]
            new_actions.append(actions.new_action(check, decision, facts, maker_pk))
    EarlyWarningAction.objects.bulk_create(new_actions, batch_size=1000)
    if any(action.status == EarlyWarningAction.Status.QUEUED for action in new_actions):
        actions.enqueue_application()
    return written


# --- end of day --------------------------------------------------------------------------------


def cycle_days() -> int:
    """Business days the monthly checks are spread over (``RISK_POSTLOAN_CYCLE_DAYS``, 1–20).

    Checking every line on one day made that day's end of day some 13 s longer per 100,000
    lines (over two minutes at a million); spread over 20 business days each line is still
    checked once a month and no day carries more than a twentieth."""
    return min(max(int(settings.RISK_POSTLOAN_CYCLE_DAYS), 1), MAX_CYCLE_DAYS)


# (run id, business date, policy version) -> triggered_lines() of that run, in this process.
_run_triggers: dict[tuple, dict] = {}


def _triggers_of_run(ctx: StepContext, policy) -> dict:
    """The trigger search of the whole book, once per run and process rather than once per
    partition: it reads what earlier steps settled (dpd, blacklist, ID expiry) and the flags
    of checks on other partitions' lines, none of which this step changes for the lines a
    later partition owns. A resumed run in a new process searches again."""
    key = (ctx.run_id, ctx.business_date, policy.version)
    if key not in _run_triggers:
        _run_triggers.clear()
        _run_triggers[key] = triggered_lines(ctx.business_date, policy.thresholds)
    return _run_triggers[key]


def run_postloan_checks(ctx: StepContext) -> int:
    """The ``early_warning`` hook: the monthly check of the lines whose share is due today
    (line id mod ``cycle_days()`` = the day's weekday index in the month, see
    ``signals.monthly_slot``), then any other line of the partition with a new trigger. Lines
    already checked by a batch on the date are left alone, so a rerun adds nothing. Returns
    checks written."""
    today = ctx.business_date
    policy = active_policy()
    cooldown = policy.thresholds["reduction_cooldown_days"]
    already = (
        f"SELECT c.line_id FROM {PostLoanCheck._meta.db_table} c"
        f" WHERE c.business_date = {date_literal(today)} AND c.\"trigger\" <> '{Trigger.ON_DEMAND}'"
    )
    written = 0
    triggered = _triggers_of_run(ctx, policy)
    cycle = cycle_days()
    slot = monthly_slot(today, cycle)
    if slot is not None:
        # The cheap share test first, so the partition's subquery runs on a twentieth.
        scope = LineScope(
            share=(cycle, slot),
            partition=(ctx.partition.lo, ctx.partition.hi),
            exclude_sql=already,
        )
        facts = gather_facts(scope, today, cooldown_days=cooldown)
        extra = {pk: names for pk, names in triggered.items() if pk in facts}
        written += len(
            _check_lines(
                facts,
                today,
                policy,
                lambda pk: [Trigger.MONTHLY, *extra.get(pk, [])],
                by=ctx.actor.label,
            )
        )
    mine = _in_partition(list(triggered), ctx.partition.lo, ctx.partition.hi)
    pks = sorted(mine)
    for start in range(0, len(pks), TRIGGER_CHUNK):
        scope = LineScope(pks=tuple(pks[start : start + TRIGGER_CHUNK]), exclude_sql=already)
        facts = gather_facts(scope, today, cooldown_days=cooldown)
        written += len(
            _check_lines(facts, today, policy, lambda pk: triggered[pk], by=ctx.actor.label)
        )
    return written


def _in_partition(pks: list[int], lo: int, hi: int) -> set[int]:
    """The lines among ``pks`` whose first loan id (0 without loans) is in [lo, hi)."""
    first = lending.first_loan_ids(pks)
    return {pk for pk in pks if lo <= first.get(pk, 0) < hi}


def _not_flagged_since_last_check(pks: list[int], flag: str) -> list[int]:
    """Lines among ``pks`` whose latest check did not already flag ``flag`` (or that have no
    check)."""
    latest = (
        PostLoanCheck.objects.filter(line_id__in=pks)
        .values("line_id")
        .annotate(last=Max("id"))
        .values("last")
    )
    flagged = set(
        PostLoanCheck.objects.filter(id__in=latest, **{flag: True}).values_list(
            "line_id", flat=True
        )
    )
    return [pk for pk in pks if pk not in flagged]


def _lines_of_customers(customer_ids: set[str]) -> list[tuple[int, str]]:
    """(pk, customer id) of the open lines of ``customer_ids`` (indexed look-ups, chunked)."""
    return lending.open_lines_of_customers(customer_ids)


def _blacklisted_customers(today: dt.date) -> set[str]:
    """Customers matching a blacklist entry in force at the close of business date ``today``:
    from the (few) entries to customers through the blind-index columns, the same match as
    risk.services.blacklisted_kinds."""
    close = close_of_business_day(today)
    entries = BlacklistEntry.objects.filter(removed_at__isnull=True).exclude(expires_at__lte=close)
    found: set[str] = set()
    for kind in (
        BlacklistEntry.Kind.ID,
        BlacklistEntry.Kind.PHONE,
        BlacklistEntry.Kind.CARD,
        BlacklistEntry.Kind.DEVICE,
    ):
        found |= customers_matching(kind, entries.filter(kind=kind).values("value_hash"))
    return found


def triggered_lines(today: dt.date, thresholds, *, only: set[int] | None = None) -> dict:
    """Open lines with a trigger not yet acted on, by pk -> trigger names. Cheap: each trigger
    starts from the few offending rows (loans past grace, blacklist entries, IDs near expiry),
    reaches the customers' lines by index, and keeps those whose latest check did not flag it."""
    overdue_lines: dict[str, set[int]] = {}
    for customer_id, line_pk in lending.overdue_past_grace():
        overdue_lines.setdefault(customer_id, set()).add(line_pk)
    elsewhere = {
        pk
        for pk, customer_id in _lines_of_customers(set(overdue_lines))
        if overdue_lines[customer_id] - {pk}
    }
    blacklisted = {pk for pk, _customer in _lines_of_customers(_blacklisted_customers(today))}
    horizon = today + dt.timedelta(days=thresholds["id_expiry_days"])
    expiring_customers = customers_with_id_expiring_by(horizon)
    expiring = {pk for pk, _customer in _lines_of_customers(expiring_customers)}
    found: dict[int, list[str]] = {}
    for trigger, pks, flag in (
        (Trigger.OVERDUE_OTHER_LINE, elsewhere, "overdue_other_line"),
        (Trigger.BLACKLIST_HIT, blacklisted, "blacklist_hit"),
        (Trigger.ID_EXPIRY, expiring, "id_expiring"),
    ):
        candidates = sorted(pks if only is None else pks & only)
        for start in range(0, len(candidates), TRIGGER_CHUNK):
            for pk in _not_flagged_since_last_check(
                candidates[start : start + TRIGGER_CHUNK], flag
            ):
                found.setdefault(pk, []).append(str(trigger))
    return found


# --- on demand ----------------------------------------------------------------------


def check_line(*, actor: Actor, line_id: str) -> PostLoanCheck:
    """Check one line now (a risk analyst's request); decisions act as in end of day, and a
    large cut waits for another person than the one who asked."""
    actor.require(PERM_RUN_CHECK)
    maker_pk = staff_user_pk(actor, required=False)
    today = get_business_date()
    with transaction.atomic():
        line = lending.lock_line(line_id)
        if line is None:
            raise NotFound(_("No such credit line."), code="line_not_found")
        if line.status not in OPEN_STATUSES:
            raise Conflict(
                _("The line is closed."), code="line_closed", fields={"line_id": line.public_id}
            )
        policy = active_policy()
        facts = gather_facts(
            pk_scope([line.pk]), today, cooldown_days=policy.thresholds["reduction_cooldown_days"]
        )
        (check_id,) = _check_lines(
            facts, today, policy, lambda pk: [Trigger.ON_DEMAND], by=actor.label, maker_pk=maker_pk
        )
        for action_pk in EarlyWarningAction.objects.filter(
            check_record__public_id=check_id, status=EarlyWarningAction.Status.QUEUED
        ).values_list("pk", flat=True):
            actions.apply_queued_action(action_pk)  # on demand: at once, not after commit
        check = PostLoanCheck.objects.select_related("line").get(public_id=check_id)
        record_audit(
            actor=actor,
            action="postloan.check_run",
            object_type="credit_line",
            object_id=line.public_id,
            after={"check": check.public_id, "score": check.score, "decision": check.decision},
        )
    return check


# --- reads -------------------------------------------------------------------------------------


def list_checks(
    *,
    actor: Actor,
    line_id: str | None = None,
    customer_id: str | None = None,
    business_date: dt.date | None = None,
    decision: str | None = None,
) -> QuerySet[PostLoanCheck]:
    actor.require(PERM_VIEW_CHECK)
    checks = PostLoanCheck.objects.select_related("line").order_by("-id")
    if line_id:
        checks = checks.filter(line__public_id=line_id)
    if customer_id:
        checks = checks.filter(customer_id=customer_id)
    if business_date:
        checks = checks.filter(business_date=business_date)
    if decision:
        checks = checks.filter(decision=decision)
    return checks


def get_check(*, actor: Actor, check_id: str) -> PostLoanCheck:
    actor.require(PERM_VIEW_CHECK)
    check = PostLoanCheck.objects.select_related("line").filter(public_id=str(check_id)).first()
    if check is None:
        raise NotFound(_("No such post-loan check."), code="check_not_found")
    return check


def list_actions(*, actor: Actor, status: str | None = None) -> QuerySet[EarlyWarningAction]:
    actor.require(PERM_VIEW_ACTION)
    actions = EarlyWarningAction.objects.select_related(
        "line", "check_record", "maker", "checker"
    ).order_by("-id")
    if status:
        actions = actions.filter(status=status)
    return actions
