"""accounts.interface: staff as plain rows and actors, never StaffUser instances."""

from __future__ import annotations

import pytest

from microloan.accounts import interface
from microloan.accounts.roles import COLLECTOR, RISK_ANALYST
from microloan.accounts.testing import make_staff

pytestmark = pytest.mark.django_db


def test_staff_in_role_and_look_ups_answer_rows():
    active = make_staff(role=COLLECTOR, username="c_active")
    away = make_staff(role=COLLECTOR, username="c_away", is_active=False)
    make_staff(role=RISK_ANALYST, username="analyst")
    assert interface.staff_in_role(COLLECTOR) == [
        interface.StaffMember(active.pk, "c_active", True),
        interface.StaffMember(away.pk, "c_away", False),
    ]
    assert [m.username for m in interface.staff_in_role(COLLECTOR, active_only=True)] == [
        "c_active"
    ]
    assert interface.active_member_of_role("c_away", COLLECTOR) is None
    assert interface.active_member_of_role("analyst", COLLECTOR) is None
    assert interface.active_member_of_role("c_active", COLLECTOR).pk == active.pk
    assert interface.usernames_by_pk([active.pk]) == {active.pk: "c_active"}


def test_role_actor_makes_the_demo_login_once():
    actor = interface.role_actor(RISK_ANALYST)
    assert actor.id == RISK_ANALYST and actor.has_perm("risk.approve_earlywarningaction")
    assert interface.role_actor(RISK_ANALYST).user_pk == actor.user_pk
    member, created = interface.ensure_staff_in_role("bench_1", COLLECTOR)
    assert created and interface.ensure_staff_in_role("bench_1", COLLECTOR) == (member, False)
