"""Roles are groups holding exactly their permissions, kept in step with the code."""

import pytest
from django.contrib.auth.models import Group, Permission

from microloan.accounts import roles
from microloan.accounts.roles import ADMIN, AUDITOR, ROLE_PERMISSIONS, ROLES, sync_roles

pytestmark = pytest.mark.django_db


def group_permissions(role):
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name=role).permissions.select_related("content_type")
    }


def all_permissions():
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.select_related("content_type")
    }


def test_a_fresh_database_has_every_role():
    """post_migrate ran sync_roles when the test database was migrated."""
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLES)


def test_the_auditor_gets_every_view_permission_and_nothing_else():
    granted = group_permissions(AUDITOR)
    assert granted == {p for p in all_permissions() if p.split(".")[1].startswith("view_")}
    assert "audit.view_auditrecord" in granted and "accounts.view_staffuser" in granted


def test_the_admin_gets_every_permission():
    assert group_permissions(ADMIN) == all_permissions()


@pytest.mark.parametrize("role", [r for r in ROLES if r not in (ADMIN, AUDITOR)])
def test_other_roles_get_exactly_their_listed_permissions_that_exist(role):
    assert group_permissions(role) == set(ROLE_PERMISSIONS[role]) & all_permissions()


def test_segregation_of_duties_in_the_mapping():
    """Whoever makes a product does not approve it; collectors propose, risk approves."""
    pm, risk = set(ROLE_PERMISSIONS["product_manager"]), set(ROLE_PERMISSIONS["risk_analyst"])
    collector = set(ROLE_PERMISSIONS["collector"])
    assert "products.add_productversion" in pm and "products.approve_productversion" not in pm
    assert "products.approve_productversion" in risk and "products.add_productversion" not in risk
    assert {"lending.propose_restructure", "lending.propose_writeoff"} <= collector
    assert not {p for p in collector if ".approve_" in p}
    assert {"lending.approve_writeoff", "lending.approve_restructure"} <= risk


def test_sync_is_idempotent_and_undoes_manual_changes():
    first = sync_roles()
    marketing = Group.objects.get(name="marketing")
    marketing.permissions.add(Permission.objects.get(codename="change_staffuser"))
    assert sync_roles() == first
    assert "accounts.change_staffuser" not in group_permissions("marketing")
    assert Group.objects.filter(name__in=ROLES).count() == len(ROLES)


def test_permissions_of_apps_not_built_yet_are_skipped(monkeypatch):
    monkeypatch.setitem(
        ROLE_PERMISSIONS, "marketing", [*ROLE_PERMISSIONS["marketing"], "campaigns.run_campaign"]
    )
    sync_roles()
    assert "campaigns.run_campaign" not in group_permissions("marketing")


def test_a_deleted_group_comes_back():
    Group.objects.filter(name="collector").delete()
    sync_roles()
    assert group_permissions("collector") == set(ROLE_PERMISSIONS["collector"]) & all_permissions()


def test_every_role_has_a_department():
    assert set(roles.ROLE_DEPARTMENTS) == set(ROLES)
