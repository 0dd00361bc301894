"""Helpers for tests in any app: staff users in a role, and bearer tokens for them."""

from __future__ import annotations

import datetime as dt
import itertools

from django.contrib.auth.models import Group

from microloan.kernel.actors import Actor

from .models import StaffUser
from .services import create_staff_token, issue_borrower_token

_numbers = itertools.count(1)


def make_staff(
    *, role: str | None = None, username: str | None = None, password: str | None = None, **fields
) -> StaffUser:
    """A staff user, in the group of ``role`` if given. No password unless one is given (hashing
    with Argon2 is deliberately slow)."""
    user = StaffUser(username=username or f"{role or 'staff'}_{next(_numbers)}", **fields)
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save()
    if role is not None:
        user.groups.add(Group.objects.get(name=role))
    return user


def make_staff_token(user: StaffUser, *, expires_at: dt.datetime | None = None) -> str:
    """A raw bearer token for ``user`` (created through the service, so it is audited)."""
    _token, raw = create_staff_token(
        actor=Actor.from_user(user), name="test", expires_at=expires_at
    )
    return raw


def make_borrower_token(borrower_id: str = "cust_test") -> str:
    return issue_borrower_token(borrower_id=borrower_id)


def bearer(raw: str) -> dict[str, str]:
    """Client keyword arguments sending ``raw`` as a bearer token."""
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
