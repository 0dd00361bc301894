"""The demo staff logins as actors: the book's reviewers, collector, risk analyst and operations
act as the people they are, so the audit trail and every queue show who did what."""

from __future__ import annotations

from django.contrib.auth.models import Group

from microloan.accounts.models import StaffUser
from microloan.accounts.roles import ROLE_DEPARTMENTS, sync_roles
from microloan.kernel.actors import Actor


def role_actor(role: str) -> Actor:
    """The demo login of ``role`` (username = role name) as an actor, made without a password
    if it is missing (``microloan demo`` makes them all first; tests may not)."""
    user = StaffUser.objects.filter(username=role).first()
    if user is None:
        user = StaffUser(username=role, department=ROLE_DEPARTMENTS[role])
        user.set_unusable_password()
        user.save()
    if not user.groups.filter(name=role).exists():
        if not Group.objects.filter(name=role).exists():
            sync_roles()
        user.groups.add(Group.objects.get(name=role))
    return Actor.from_user(StaffUser.objects.get(pk=user.pk))  # fresh permissions
