"""Staff sign-in: right credentials pass, failures are counted per username and per address."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from microloan.accounts.models import LoginFailure
from microloan.accounts.services import (
    TooManyLoginAttempts,
    authenticate_staff,
    purge_login_failures,
)
from microloan.accounts.testing import make_staff
from microloan.kernel.errors import NotAuthenticated

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("fast_hashing"),
]

PASSWORD = "correct horse battery"


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


def test_the_right_credentials_return_the_user(alice):
    assert sign_in() == alice


@pytest.mark.parametrize(("username", "password"), [("alice", "wrong"), ("nobody", PASSWORD)])
def test_wrong_credentials_are_refused_and_recorded(alice, username, password):
    with pytest.raises(NotAuthenticated) as refused:
        sign_in(username, password)
    assert refused.value.code == "invalid_credentials"
    assert list(LoginFailure.objects.values_list("username", "client_ip")) == [
        (username, "10.0.0.1")
    ]


def test_an_inactive_user_cannot_sign_in(alice):
    alice.is_active = False
    alice.save()
    with pytest.raises(NotAuthenticated):
        sign_in()


@override_settings(LOGIN_FAILURE_LIMIT=3, LOGIN_FAILURE_WINDOW_SECONDS=600)
def test_after_the_limit_even_the_right_password_is_refused(alice):
    fail(3, ip="10.0.0.1")
    with pytest.raises(TooManyLoginAttempts) as refused:
        sign_in(ip="10.0.0.9")  # another address: the username is locked
    assert refused.value.status == 429 and refused.value.code == "too_many_login_attempts"
    assert 0 < refused.value.retry_after <= 601
    assert LoginFailure.objects.count() == 3  # refusals while locked are not failures


@override_settings(LOGIN_FAILURE_LIMIT=3, LOGIN_FAILURE_WINDOW_SECONDS=600)
def test_one_address_trying_many_usernames_is_stopped(alice):
    for name in ("bob", "carol", "dave"):
        fail(1, username=name, ip="10.6.6.6")
    with pytest.raises(TooManyLoginAttempts):
        sign_in(ip="10.6.6.6")
    assert sign_in(ip="10.0.0.1") == alice  # alice from her own address is fine


@override_settings(LOGIN_FAILURE_LIMIT=3, LOGIN_FAILURE_WINDOW_SECONDS=600)
def test_failures_older_than_the_window_do_not_count(alice):
    fail(3)
    old = LoginFailure.objects.order_by("created_at").first()
    LoginFailure.objects.filter(pk=old.pk).update(
        created_at=old.created_at - dt.timedelta(seconds=601)
    )
    assert sign_in() == alice


@override_settings(LOGIN_FAILURE_LIMIT=3, LOGIN_FAILURE_WINDOW_SECONDS=600)
def test_success_clears_the_usernames_failures(alice):
    fail(2)
    fail(1, username="bob", ip="10.0.0.2")
    sign_in()
    assert list(LoginFailure.objects.values_list("username", flat=True)) == ["bob"]
    fail(2)
    assert sign_in() == alice  # the count started again


def test_purge_removes_only_old_failures(alice):
    fail(2)
    old, recent = LoginFailure.objects.order_by("pk")
    LoginFailure.objects.filter(pk=old.pk).update(created_at=old.created_at - dt.timedelta(days=1))
    assert purge_login_failures(older_than=recent.created_at - dt.timedelta(hours=1)) == 1
    assert list(LoginFailure.objects.all()) == [recent]


@override_settings(LOGIN_FAILURE_WINDOW_SECONDS=600)
def test_the_purge_command_removes_failures_outside_the_window(alice):
    fail(2)
    old = LoginFailure.objects.order_by("pk").first()
    LoginFailure.objects.filter(pk=old.pk).update(
        created_at=old.created_at - dt.timedelta(seconds=601)
    )
    out = StringIO()
    call_command("purge_login_failures", stdout=out)
    assert "Deleted 1" in out.getvalue()
    assert LoginFailure.objects.count() == 1
