"""Signing in and out of the back office."""

import pytest
from django.test import Client
from django.urls import reverse

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("backoffice:login")
HOME = reverse("backoffice:home")


def _sign_in(client, username, password=PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def test_the_login_page_carries_a_csrf_token(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert b'name="csrfmiddlewaretoken"' in response.content


def test_a_correct_password_signs_in_and_goes_home(client, auditor):
    response = _sign_in(client, "auditor01")
    assert (response.status_code, response.url) == (302, HOME)
    assert int(client.session["_auth_user_id"]) == auditor.pk


def test_after_sign_in_the_next_page_is_honoured_but_only_on_this_site(client, auditor):
    assert _sign_in(client, "auditor01", next="/audit/?action=loan").url == "/audit/?action=loan"
    client.logout()
    assert _sign_in(client, "auditor01", next="https://evil.example/steal").url == HOME


@pytest.mark.parametrize(
    ("username", "password"), [("auditor01", "wrong password!"), ("nobody", PASSWORD)]
)
def test_wrong_credentials_are_refused_without_saying_which_part(
    client, auditor, username, password
):
    response = _sign_in(client, username, password)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "用户名或密码错误" in response.content.decode()


def test_empty_fields_are_named(client):
    response = client.post(LOGIN, {"username": "", "password": ""})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"username", "password"}


def test_too_many_failures_answer_429(client, auditor, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    for _attempt in range(2):
        assert _sign_in(client, "auditor01", "wrong password!").status_code == 200
    response = _sign_in(client, "auditor01")  # even the right password waits now
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_sign_in_without_the_csrf_token_is_refused(auditor):
    client = Client(enforce_csrf_checks=True)
    response = _sign_in(client, "auditor01")
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_a_signed_in_user_visiting_login_goes_home(auditor_client):
    assert auditor_client.get(LOGIN).url == HOME


def test_sign_out_is_post_only(auditor_client):
    logout = reverse("backoffice:logout")
    assert auditor_client.get(logout).status_code == 405
    response = auditor_client.post(logout)
    assert (response.status_code, response.url) == (302, LOGIN)
    assert "_auth_user_id" not in auditor_client.session
