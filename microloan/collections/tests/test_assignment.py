"""Assignment by workload: fewest open cases first, the senior team for M3+, collectors who
take no new cases skipped, supervisors reassigning; the collectors API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from microloan.accounts.testing import bearer, make_staff, make_staff_token
from microloan.batch.services import BATCH_ACTOR
from microloan.kernel.actors import Actor
from microloan.kernel.errors import Conflict, PermissionDenied, ValidationFailed

from ..models import CollectionCase, CollectorProfile
from ..services.assignment import assign_case, assign_cases, update_collector
from .conftest import run_hook, set_overdue

pytestmark = pytest.mark.django_db
D1 = dt.date(2026, 4, 3)


def _open_cases(borrow, count: int, dpd: int = 3) -> list:
    loans = [borrow() for _n in range(count)]
    for loan in loans:
        set_overdue(loan, dpd)
    run_hook(D1)
    return loans


def _load() -> dict[int, int]:
    loads: dict[int, int] = {}
    for pk in CollectionCase.objects.filter(status="open").values_list("collector_id", flat=True):
        loads[pk] = loads.get(pk, 0) + 1
    return loads


def test_fewest_open_cases_first(borrow, collector, other_collector):
    busy = collector
    _open_cases(borrow, 2)
    CollectionCase.objects.update(collector=busy)  # busy already works two
    idle = other_collector
    third = make_staff(role="collector")
    for loan in [borrow() for _n in range(4)]:
        set_overdue(loan, 2)
    run_hook(D1 + dt.timedelta(days=1))
    assert assign_cases(actor=BATCH_ACTOR) == 4
    assert _load() == {busy.pk: 2, idle.pk: 2, third.pk: 2}
    assert assign_cases(actor=BATCH_ACTOR) == 0  # nothing left: idempotent


def test_senior_team_takes_m3_plus_only(borrow, collector, other_collector):
    update_collector(actor=BATCH_ACTOR, username=other_collector.username, senior=True)
    _open_cases(borrow, 2, dpd=95)
    _open_cases(borrow, 1, dpd=10)
    assign_cases(actor=BATCH_ACTOR)
    by_bucket = dict(CollectionCase.objects.values_list("bucket", "collector_id").distinct())
    assert by_bucket == {"M3+": other_collector.pk, "M1": collector.pk}


def test_without_a_senior_team_m3_plus_waits(borrow, collector):
    _open_cases(borrow, 1, dpd=120)
    assert assign_cases(actor=BATCH_ACTOR) == 0
    assert CollectionCase.objects.get().collector is None


def test_collectors_taking_no_new_cases_are_skipped(borrow, collector, other_collector):
    update_collector(actor=BATCH_ACTOR, username=collector.username, accepts_cases=False)
    _open_cases(borrow, 3)
    assign_cases(actor=BATCH_ACTOR)
    assert _load() == {other_collector.pk: 3}
    assert CollectorProfile.objects.get(user=collector).accepts_cases is False


def test_reassign_by_hand(borrow, collector, other_collector):
    _open_cases(borrow, 1)
    case = CollectionCase.objects.get()
    supervisor = Actor.from_user(make_staff(role="risk_analyst"))
    assert (
        assign_case(
            actor=supervisor, case_id=case.public_id, collector=other_collector.username
        ).collector
        == other_collector
    )
    with pytest.raises(ValidationFailed):
        assign_case(actor=supervisor, case_id=case.public_id, collector=supervisor.id)
    with pytest.raises(PermissionDenied):
        assign_case(
            actor=Actor.from_user(collector), case_id=case.public_id, collector=collector.username
        )
    CollectionCase.objects.update(status="closed")
    with pytest.raises(Conflict):
        assign_case(actor=supervisor, case_id=case.public_id, collector=collector.username)


def test_collectors_api(borrow, collector, other_collector):
    _open_cases(borrow, 1)
    assign_cases(actor=BATCH_ACTOR)
    client = Client()
    analyst = bearer(make_staff_token(make_staff(role="risk_analyst")))
    rows = client.get("/api/v1/collections/collectors", **analyst).json()
    assert {row["username"]: row["open_cases"] for row in rows} == {
        collector.username: 1,
        other_collector.username: 0,
    }
    reply = client.patch(
        f"/api/v1/collections/collectors/{other_collector.username}",
        '{"senior": true}',
        content_type="application/json",
        **analyst,
    )
    assert (reply.status_code, reply.json()["senior"]) == (200, True)
    reply = client.patch(
        "/api/v1/collections/collectors/nobody", "{}", content_type="application/json", **analyst
    )
    assert reply.status_code == 422
    as_collector = bearer(make_staff_token(collector))
    reply = client.patch(
        f"/api/v1/collections/collectors/{collector.username}",
        '{"senior": true}',
        content_type="application/json",
        **as_collector,
    )
    assert reply.status_code == 403


def test_assign_command(borrow, collector):
    from io import StringIO

    from django.core.management import call_command

    _open_cases(borrow, 2)
    out = StringIO()
    call_command("assign_collection_cases", stdout=out)
    assert out.getvalue().strip() == "2 cases assigned"
    assert _load() == {collector.pk: 2}
