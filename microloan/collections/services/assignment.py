"""Who works which case: collectors and their profile (senior team, taking new cases),
assignment by workload (end of day and on demand), and reassignment by a supervisor."""

from __future__ import annotations

import datetime as dt
import heapq

from django.db import transaction
from django.db.models import Count, F, Sum
from django.utils.translation import gettext_lazy as _

from microloan.accounts.interface import (
    StaffMember,
    active_member_of_role,
    staff_in_role,
    usernames_by_pk,
)
from microloan.accounts.roles import COLLECTOR
from microloan.audit.services import record_audit
from microloan.kernel.actors import Actor
from microloan.kernel.errors import ValidationFailed
from microloan.kernel.services import get_business_date

from ..models import CollectionCase, CollectionStrategy, CollectorProfile
from .common import CHANGE_CASE, VIEW_CASE, get_case, require_open
from .strategies import ensure_default_strategies

UPDATE_CHUNK = 5_000  # ids per UPDATE … WHERE id IN (…): under every database's parameter cap


# --- assignment ----------------------------------------------------------------------------


def collectors() -> list[tuple[int, bool]]:
    """(pk, senior) of active staff in the collector role who take new cases."""
    profiles = _profiles()
    return [
        (member.pk, profiles.get(member.pk, (False, True))[0])
        for member in staff_in_role(COLLECTOR, active_only=True)
        if profiles.get(member.pk, (False, True))[1]
    ]


def _profiles() -> dict[int, tuple[bool, bool]]:
    """staff pk → (senior, accepts cases) for the collectors with a profile (a small table)."""
    rows = CollectorProfile.objects.values_list("user_id", "senior", "accepts_cases")
    return {pk: (bool(senior), accepts is not False) for pk, senior, accepts in rows}


def _open_case_counts() -> dict[int, int]:
    rows = (
        CollectionCase.objects.filter(status=CollectionCase.Status.OPEN)
        .exclude(collector=None)
        .values("collector")
        .annotate(open_cases=Count("id"))
    )
    return {row["collector"]: row["open_cases"] for row in rows}


def assign_cases(*, actor: Actor, business_date: dt.date | None = None) -> int:
    """Give every open, unassigned case whose bucket's strategy has a team to the collector of
    that team with the fewest open cases (ties: lowest id), one UPDATE per collector.

    Teams: "collectors" are the collectors not marked senior (every collector if none is),
    "senior" the senior ones only — with no senior collector such cases wait unassigned.
    Returns the cases assigned."""
    actor.require(CHANGE_CASE)
    on = business_date or get_business_date()
    ensure_default_strategies()
    teams = dict(CollectionStrategy.objects.values_list("bucket", "team"))
    staff = collectors()
    regular = [pk for pk, senior in staff if not senior] or [pk for pk, _senior in staff]
    pools = {
        CollectionStrategy.Team.COLLECTORS: regular,
        CollectionStrategy.Team.SENIOR: [pk for pk, senior in staff if senior],
    }
    counts = _open_case_counts()
    heaps = {team: [(counts.get(pk, 0), pk) for pk in members] for team, members in pools.items()}
    for heap in heaps.values():
        heapq.heapify(heap)
    with transaction.atomic():
        waiting = (
            CollectionCase.objects.select_for_update()
            .filter(status=CollectionCase.Status.OPEN, collector=None)
            .order_by("id")
            .values_list("id", "bucket")
        )
        chosen: dict[int, list[int]] = {}
        for case_pk, bucket in waiting:
            heap = heaps.get(teams.get(bucket, CollectionStrategy.Team.NONE))
            if not heap:
                continue
            load, collector_pk = heapq.heappop(heap)
            chosen.setdefault(collector_pk, []).append(case_pk)
            heapq.heappush(heap, (load + 1, collector_pk))
        usernames = usernames_by_pk(chosen)
        for collector_pk, case_pks in chosen.items():
            for start in range(0, len(case_pks), UPDATE_CHUNK):
                CollectionCase.objects.filter(
                    pk__in=case_pks[start : start + UPDATE_CHUNK], collector=None
                ).update(collector_id=collector_pk, assigned_on=on, version=F("version") + 1)
            record_audit(
                actor=actor,
                action="collection_cases.assigned",
                object_type="collector",
                object_id=usernames[collector_pk],
                after={"cases": len(case_pks), "business_date": on.isoformat()},
            )
    return sum(len(case_pks) for case_pks in chosen.values())


def assign_case(*, actor: Actor, case_id: str, collector: str) -> CollectionCase:
    """Give one case to the collector with username ``collector`` (a supervisor's choice)."""
    actor.require_staff()
    actor.require(CHANGE_CASE)
    with transaction.atomic():
        case = get_case(case_id, lock=True)
        require_open(case)
        user = _collector(collector)
        before = {"collector": case.collector.username if case.collector else ""}
        case.collector_id = user.pk
        case.assigned_on = get_business_date()
        case.version += 1
        case.save(update_fields=["collector", "assigned_on", "version", "updated_at"])
        record_audit(
            actor=actor,
            action="collection_case.assigned",
            object_type="collection_case",
            object_id=case.public_id,
            before=before,
            after={"collector": user.username},
        )
    return case


def open_counts_by_collector() -> dict[str, int]:
    """username → open cases, for the queue page's workload panel."""
    counts = _open_case_counts()
    staff = sorted(staff_in_role(COLLECTOR), key=lambda member: member.username)
    return {member.username: counts.get(member.pk, 0) for member in staff}


def assign_many(*, actor: Actor, case_ids: list[str], collector: str) -> int:
    """Give each of ``case_ids`` to ``collector`` (the queue's bulk assign): all or none."""
    actor.require_staff()
    actor.require(CHANGE_CASE)
    if not case_ids:
        raise ValidationFailed(fields={"cases": _("Choose at least one case.")})
    with transaction.atomic():
        _collector(collector)  # a wrong name is a field error before any case is touched
        for case_id in dict.fromkeys(case_ids):
            assign_case(actor=actor, case_id=case_id, collector=collector)
    return len(set(case_ids))


def collector_loads() -> list[dict]:
    """Each active collector's load for the assignment picker: open cases and what they owe
    overdue (overdue principal, interest and penalty of the cases' loans), by username."""
    rows = (
        CollectionCase.objects.filter(status=CollectionCase.Status.OPEN)
        .exclude(collector=None)
        .values("collector")
        .annotate(
            open_cases=Count("id"),
            overdue=Sum(
                F("loan__overdue_principal")
                + F("loan__overdue_interest")
                + F("loan__penalty_receivable")
            ),
        )
    )
    loads = {row["collector"]: (row["open_cases"], row["overdue"] or 0) for row in rows}
    staff = sorted(staff_in_role(COLLECTOR, active_only=True), key=lambda m: m.username)
    return [
        {
            "username": member.username,
            "open_cases": loads.get(member.pk, (0, 0))[0],
            "overdue": loads.get(member.pk, (0, 0))[1],
        }
        for member in staff
    ]


def _collector(username: str) -> StaffMember:
    user = active_member_of_role(username, COLLECTOR)
    if user is None:
        raise ValidationFailed(fields={"collector": _("Not an active collector.")})
    return user


def list_collectors(*, actor: Actor) -> list[dict]:
    """Every collector with their profile and open cases (the workload assignment balances)."""
    actor.require_staff()
    actor.require(VIEW_CASE)
    counts = _open_case_counts()
    profiles = _profiles()
    staff = sorted(staff_in_role(COLLECTOR), key=lambda member: member.username)
    return [
        {
            "username": member.username,
            "active": member.is_active,
            "senior": profiles.get(member.pk, (False, True))[0],
            "accepts_cases": profiles.get(member.pk, (False, True))[1],
            "open_cases": counts.get(member.pk, 0),
        }
        for member in staff
    ]


def update_collector(
    *, actor: Actor, username: str, senior: bool | None = None, accepts_cases: bool | None = None
) -> CollectorProfile:
    """Put a collector in or out of the senior team, or stop giving them new cases."""
    actor.require_staff()
    actor.require(CHANGE_CASE)
    with transaction.atomic():
        user = _collector(username)
        profile, _created = CollectorProfile.objects.select_for_update().get_or_create(
            user_id=user.pk
        )
        before = {"senior": profile.senior, "accepts_cases": profile.accepts_cases}
        if senior is not None:
            profile.senior = senior
        if accepts_cases is not None:
            profile.accepts_cases = accepts_cases
        profile.save()
        record_audit(
            actor=actor,
            action="collector.profile_changed",
            object_type="collector",
            object_id=user.username,
            before=before,
            after={"senior": profile.senior, "accepts_cases": profile.accepts_cases},
        )
    return profile
