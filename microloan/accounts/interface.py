"""What other apps may use of accounts: staff logins as plain rows and actors, never
``StaffUser`` instances (the table is this app's own)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import transaction

from microloan.kernel.actors import Actor

from .models import StaffUser
from .roles import ROLE_DEPARTMENTS, sync_roles


# --- for risk, collections, notifications and the demo ---
@dataclass(frozen=True, slots=True)
class StaffMember:
    """A staff login as other apps see it."""

    pk: int
    username: str
    is_active: bool


def staff_in_role(role: str, *, active_only: bool = False) -> list[StaffMember]:
    """Staff holding ``role`` (a group name), by pk."""
    users = StaffUser.objects.filter(groups__name=role)
    if active_only:
        users = users.filter(is_active=True)
    rows = users.values_list("pk", "username", "is_active").distinct().order_by("pk")
    return [StaffMember(*row) for row in rows]


def active_member_of_role(username: str, role: str) -> StaffMember | None:
    """The active login ``username`` if it holds ``role``; None otherwise."""
    row = (
        StaffUser.objects.filter(username=str(username)[:150], is_active=True, groups__name=role)
        .values_list("pk", "username", "is_active")
        .first()
    )
    return StaffMember(*row) if row else None


def usernames_by_pk(pks) -> dict[int, str]:
    """pk → username of the staff logins ``pks``."""
    return dict(StaffUser.objects.filter(pk__in=list(pks)).values_list("pk", "username"))


def ensure_role_login(role: str) -> StaffMember:
    """The demo login of ``role`` (username = role name), made without a password if missing
    and put in the role's group."""
    user = StaffUser.objects.filter(username=role).first()
    if user is None:
        user = StaffUser(username=role, department=ROLE_DEPARTMENTS[role])
        user.set_unusable_password()
        user.save()
    if not user.groups.filter(name=role).exists():
        if not Group.objects.filter(name=role).exists():
            sync_roles()
        user.groups.add(Group.objects.get(name=role))
    return StaffMember(user.pk, user.username, user.is_active)


def role_actor(role: str) -> Actor:
    """The demo login of ``role`` as an actor (``ensure_role_login``), its permissions read
    anew."""
    member = ensure_role_login(role)
    return Actor.from_user(StaffUser.objects.get(pk=member.pk))


def ensure_staff_in_role(username: str, role: str) -> tuple[StaffMember, bool]:
    """Login ``username`` (made without a password if missing) in group ``role``; returns it
    and whether it was made now (benchmarks' throwaway staff)."""
    with transaction.atomic():
        user, created = StaffUser.objects.get_or_create(username=username)
        if created:
            user.groups.add(Group.objects.get(name=role))
    return StaffMember(user.pk, user.username, user.is_active), created
