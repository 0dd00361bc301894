"""The facts a post-loan check needs, gathered for a whole set of credit lines at once.

Set-based: lending answers a handful of GROUP BY queries over its loans, instalments and loan
transactions for every line in scope, in columns (``lending.interface``); customers answers
with the identity columns blacklists match; earlier actions are this app's own. Never a query
per line. A scope is a ``lending.interface.LineScope`` (a partition's id bounds, a list of line
primary keys, a share of line ids), built from integers only, so nothing can be injected.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from microloan.customers.interface import INDEX_COLUMNS, identity_columns
from microloan.lending import interface as lending
from microloan.lending.interface import LineScope
from microloan.loanmath.schedules import add_months

from ..models import BlacklistEntry, EarlyWarningAction
from .signals import MonthActivity, month_ends_before

WINDOW_MONTHS = 4  # months of repayment behaviour and month-end principal looked at
HISTORY_MONTHS = 6  # DPD and late instalments
BLACKLIST_CHUNK = 900  # hashes per IN (…): under SQLite's host-parameter limit


@dataclass(slots=True)
class LineFacts:
    pk: int
    public_id: str
    customer_id: str
    limit: int
    used: int
    status: str
    opened_on: dt.date
    max_dpd_6m: int = 0
    late_instalments_6m: int = 0
    months: list[MonthActivity] = field(default_factory=list)  # oldest first
    principal_at_month_ends: list[int] = field(default_factory=list)  # oldest first
    other_line_max_dpd: int = 0
    blacklist_hit: bool = False
    id_expiry: dt.date | None = None
    reduced_since: dt.date | None = None  # business date of the last applied cut
    pending_action: bool = False


def close_of_business_day(today: dt.date) -> dt.datetime:
    """The end of business date ``today`` (midnight after it, in the platform's time zone):
    what is in force "on today" for end of day, whatever the wall clock says during the run."""
    return dt.datetime.combine(
        today + dt.timedelta(days=1), dt.time(0), tzinfo=timezone.get_default_timezone()
    )


def partition_scope(lo: int, hi: int) -> LineScope:
    """Open lines whose first loan id is in [lo, hi) (lines without loans: the partition at 0)."""
    return LineScope(partition=(lo, hi))


def pk_scope(pks: list[int]) -> LineScope:
    return LineScope(pks=tuple(pks))


def gather_facts(scope: LineScope, today: dt.date, *, cooldown_days: int) -> dict[int, LineFacts]:
    """Facts for every line in ``scope`` on business date ``today``, by line pk."""
    lines = lending.lines_in_scope(scope)
    facts = {
        row[0]: LineFacts(*row)
        for row in zip(
            lines.pk,
            lines.public_id,
            lines.customer_id,
            lines.limit,
            lines.used,
            lines.status,
            lines.opened_on,
            strict=True,
        )
    }
    if not facts:
        return facts
    # The lines found, by id: ``scope`` may be costly to evaluate (a partition's first-loan
    # subquery on every line) and the queries below would each evaluate it again.
    in_scope = list(facts)
    _add_instalment_facts(facts, in_scope, today)
    _add_transaction_facts(facts, in_scope, today)
    _add_customer_facts(facts, in_scope, today)
    _add_action_facts(facts, in_scope, today, cooldown_days)
    return facts


def _month_bounds(today: dt.date) -> list[tuple[dt.date, dt.date]]:
    ends = month_ends_before(today, WINDOW_MONTHS)
    return [(end.replace(day=1), end) for end in ends]


def _add_instalment_facts(facts: dict[int, LineFacts], in_scope: list[int], today) -> None:
    """Worst lateness and late count over 6 months, and principal+interest due each month."""
    history = lending.instalment_history(
        in_scope, today, since=add_months(today, -HISTORY_MONTHS), months=_month_bounds(today)
    )
    for line_pk, max_late, late_count, due in zip(
        history.line_pk,
        history.max_days_late,
        history.late_instalments,
        history.due_by_month,
        strict=True,
    ):
        line = facts[line_pk]
        line.max_dpd_6m = max(max_late, 0)
        line.late_instalments_6m = late_count
        line.months = [MonthActivity(due=amount, paid=0) for amount in due]
    # Today's DPD of open loans counts too (an instalment overdue for months started earlier).
    for line_pk, dpd in lending.worst_active_dpd(in_scope).items():
        facts[line_pk].max_dpd_6m = max(facts[line_pk].max_dpd_6m, dpd)


def _add_transaction_facts(facts: dict[int, LineFacts], in_scope: list[int], today) -> None:
    """Principal outstanding at each month-end, and principal+interest paid each month."""
    bounds = _month_bounds(today)
    ends = [bounds[0][0] - dt.timedelta(days=1)] + [end for _, end in bounds]
    history = lending.transaction_history(in_scope, today, ends=ends, months=bounds)
    for line_pk, principal_at, paid in zip(
        history.line_pk, history.principal_at, history.paid_by_month, strict=True
    ):
        line = facts[line_pk]
        line.principal_at_month_ends = list(principal_at)
        months = line.months or [MonthActivity(0, 0)] * len(bounds)
        line.months = [
            MonthActivity(due=month.due, paid=amount)
            for month, amount in zip(months, paid, strict=True)
        ]


def _blacklisted(identities, close: dt.datetime) -> set[str]:
    """Customers among ``identities`` matching a blacklist entry in force at ``close``."""
    in_force = Q(removed_at__isnull=True) & (Q(expires_at__isnull=True) | Q(expires_at__gt=close))
    found: set[str] = set()
    for kind, column in INDEX_COLUMNS.items():
        by_hash: dict[str, list[str]] = {}
        for public_id, value in zip(identities.public_id, getattr(identities, column), strict=True):
            by_hash.setdefault(value, []).append(public_id)
        hashes = sorted(by_hash)
        for start in range(0, len(hashes), BLACKLIST_CHUNK):
            for value in (
                BlacklistEntry.objects.filter(
                    in_force, kind=kind, value_hash__in=hashes[start : start + BLACKLIST_CHUNK]
                )
                .order_by()
                .values_list("value_hash", flat=True)
                .distinct()
            ):
                found.update(by_hash[value])
    return found


def _add_customer_facts(facts: dict[int, LineFacts], in_scope: list[int], today) -> None:
    """Overdue on the customer's other lines, blacklist hits, ID expiry."""
    overdue: dict[str, list[tuple[int, int]]] = {}
    for customer_id, line_pk, dpd in lending.customers_overdue_by_line(in_scope):
        overdue.setdefault(customer_id, []).append((line_pk, dpd))
    by_customer: dict[str, list[LineFacts]] = {}
    for line in facts.values():
        by_customer.setdefault(line.customer_id, []).append(line)
        others = [dpd for pk, dpd in overdue.get(line.customer_id, []) if pk != line.pk]
        line.other_line_max_dpd = max(others, default=0)
    identities = identity_columns(by_customer)
    blacklisted = _blacklisted(identities, close_of_business_day(today))
    for public_id, id_expiry in zip(identities.public_id, identities.id_expiry, strict=True):
        for line in by_customer.get(public_id, []):
            line.id_expiry = id_expiry
            line.blacklist_hit = public_id in blacklisted


def _add_action_facts(
    facts: dict[int, LineFacts], in_scope: list[int], today: dt.date, cooldown_days: int
) -> None:
    ids = ", ".join(str(int(pk)) for pk in in_scope)  # inline: no host-parameter limit
    actions = EarlyWarningAction.objects.filter(line_id__in=RawSQL(ids, []))
    for line_pk, business_date in actions.filter(
        kind=EarlyWarningAction.Kind.REDUCE,
        status__in=(EarlyWarningAction.Status.APPLIED, EarlyWarningAction.Status.QUEUED),
        business_date__gt=today - dt.timedelta(days=cooldown_days),
    ).values_list("line_id", "business_date"):
        line = facts[line_pk]
        line.reduced_since = max(filter(None, (line.reduced_since, business_date)))
    for line_pk in actions.filter(status=EarlyWarningAction.Status.PENDING).values_list(
        "line_id", flat=True
    ):
        facts[line_pk].pending_action = True
