"""Staff sign-in: right credentials pass; failures are counted per username at an address and
per address, before the password is checked, with growing locks."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from microloan.accounts.models import LoginThrottle
from microloan.accounts.services import (
    TooManyLoginAttempts,
    authenticate_staff,
    purge_login_throttles,
)
from microloan.accounts.testing import make_staff
from microloan.kernel.errors import NotAuthenticated

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("fast_hashing"),
]

PASSWORD = "correct horse battery"
LIMITS = {"LOGIN_FAILURE_LIMIT": 3, "LOGIN_LOCKOUT_SECONDS": 60, "LOGIN_LOCKOUT_MAX_SECONDS": 600}


@pytest.fixture
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def alice():
    return make_staff(username="alice", password=PASSWORD)


def sign_in(username="alice", password=PASSWORD, ip="10.0.0.1"):
    return authenticate_staff(username=username, password=password, client_ip=ip)


def fail(times, username="alice", ip="10.0.0.1"):
    for _ in range(times):
        with pytest.raises(NotAuthenticated):
            sign_in(username, "wrong", ip)


def throttle(username="alice", ip="10.0.0.1"):
    return LoginThrottle.objects.get(username=username, client_ip=ip)


def age(rows, seconds):
    """Move a throttle's times back, as if ``seconds`` had passed."""
    for row in rows:
        shift = dt.timedelta(seconds=seconds)
        row.last_failure_at -= shift
        row.locked_until = row.locked_until and row.locked_until - shift
        row.save()


def test_the_right_credentials_return_the_user(alice):
    assert sign_in() == alice


@pytest.mark.parametrize(("username", "password"), [("alice", "wrong"), ("nobody", PASSWORD)])
def test_wrong_credentials_are_refused_and_recorded(alice, username, password):
    with pytest.raises(NotAuthenticated) as refused:
        sign_in(username, password)
    assert refused.value.code == "invalid_credentials"
    assert throttle(username).failures == 1
    assert throttle("").failures == 1  # the address


def test_an_inactive_user_cannot_sign_in(alice):
    alice.is_active = False
    alice.save()
    with pytest.raises(NotAuthenticated):
        sign_in()


@override_settings(**LIMITS)
def test_after_the_limit_even_the_right_password_is_refused_from_that_address(alice):
    fail(3)
    with pytest.raises(TooManyLoginAttempts) as refused:
        sign_in()
    assert refused.value.status == 429 and refused.value.code == "too_many_login_attempts"
    assert refused.value.retry_after == 60
    assert throttle().failures == 3  # refusals while locked are not counted


@override_settings(**LIMITS)
def test_a_stranger_elsewhere_cannot_lock_a_staff_member_out(alice):
    fail(3, ip="10.6.6.6")
    with pytest.raises(TooManyLoginAttempts):
        sign_in(ip="10.6.6.6")
    assert sign_in(ip="10.0.0.1") == alice


@override_settings(**LIMITS, LOGIN_ADDRESS_FAILURE_LIMIT=3)
def test_one_address_trying_many_usernames_is_stopped(alice):
    for name in ("bob", "carol", "dave"):
        fail(1, username=name, ip="10.6.6.6")
    with pytest.raises(TooManyLoginAttempts):
        sign_in(ip="10.6.6.6")
    assert sign_in(ip="10.0.0.1") == alice  # alice from her own address is fine


@override_settings(**LIMITS)
def test_each_failure_after_the_limit_doubles_the_lock_up_to_the_cap(alice):
    fail(3)
    waits = []
    for _ in range(5):
        waits.append(throttle().locked_until - throttle().last_failure_at)
        age(LoginThrottle.objects.all(), waits[-1].total_seconds())
        fail(1)
    assert [w.total_seconds() for w in waits] == [60, 120, 240, 480, 600]


@override_settings(**LIMITS, LOGIN_FAILURE_WINDOW_SECONDS=600)
def test_a_count_is_forgotten_a_window_after_the_last_lock_ended(alice):
    fail(3)
    age(LoginThrottle.objects.all(), 60 + 601)
    fail(1)
    assert throttle().failures == 1 and throttle().locked_until is None


@override_settings(**LIMITS)
def test_success_clears_the_count_at_that_address_only(alice):
    fail(2)
    fail(2, ip="10.0.0.2")
    assert sign_in() == alice
    assert not LoginThrottle.objects.filter(username="alice", client_ip="10.0.0.1").exists()
    assert throttle("", "10.0.0.1").failures == 2  # the success took its own attempt back
    assert throttle(ip="10.0.0.2").failures == 2
    fail(2)
    assert sign_in() == alice  # the count started again


def test_purge_removes_only_throttles_that_hold_nothing_back(alice):
    fail(2)
    fail(1, ip="10.0.0.2")
    age(LoginThrottle.objects.filter(client_ip="10.0.0.1"), 86400)
    assert purge_login_throttles(older_than=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)) == 2
    assert set(LoginThrottle.objects.values_list("client_ip", flat=True)) == {"10.0.0.2"}


@override_settings(**LIMITS, LOGIN_FAILURE_WINDOW_SECONDS=600)
def test_a_locked_throttle_is_kept_by_the_purge_command(alice):
    fail(3)
    fail(1, ip="10.0.0.2")
    age(LoginThrottle.objects.filter(client_ip="10.0.0.2"), 601)
    out = StringIO()
    call_command("purge_login_throttles", stdout=out)
    assert "Deleted 2" in out.getvalue()
    assert set(LoginThrottle.objects.values_list("client_ip", flat=True)) == {"10.0.0.1"}
