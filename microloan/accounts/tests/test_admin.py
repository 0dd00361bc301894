"""The admin site shows staff and tokens; token hashes are never shown or editable."""

import pytest
from django.urls import reverse

from microloan.accounts.models import StaffApiToken
from microloan.accounts.testing import make_borrower_token, make_staff, make_staff_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(make_staff(username="root", is_staff=True, is_superuser=True))
    return client


def test_staff_pages_render_with_department_and_groups(admin_client):
    user = make_staff(username="alice", department="risk")
    change = admin_client.get(reverse("admin:accounts_staffuser_change", args=[user.pk]))
    assert change.status_code == 200
    assert b'name="department"' in change.content and b'name="groups"' in change.content
    add = admin_client.get(reverse("admin:accounts_staffuser_add"))
    assert add.status_code == 200 and b'name="department"' in add.content
    listing = admin_client.get(reverse("admin:accounts_staffuser_changelist"))
    assert listing.status_code == 200 and b"alice" in listing.content


def test_token_pages_never_show_the_hash_and_cannot_add(admin_client):
    make_staff_token(make_staff(username="alice"))
    make_borrower_token("cust_1")
    token = StaffApiToken.objects.get()
    page = admin_client.get(reverse("admin:accounts_staffapitoken_change", args=[token.pk]))
    assert page.status_code == 200
    assert token.token_hash.encode() not in page.content
    assert b'name="name"' not in page.content  # read-only: no input fields
    assert admin_client.get(reverse("admin:accounts_staffapitoken_add")).status_code == 403
    assert (
        admin_client.get(reverse("admin:accounts_borrowerapitoken_changelist")).status_code == 200
    )


def test_the_revoke_action_revokes_through_the_service(admin_client):
    make_staff_token(make_staff(username="alice"))
    token = StaffApiToken.objects.get()
    admin_client.post(
        reverse("admin:accounts_staffapitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_admin_login_form_is_not_a_way_around_the_sign_in_limits(client, method):
    make_staff(username="root", password="correct horse battery", is_staff=True, is_superuser=True)
    response = getattr(client, method)(
        "/admin/login/?next=/admin/", {"username": "root", "password": "correct horse battery"}
    )
    assert response.status_code == 302
    assert response.url.startswith("/login/?next=")
    assert "_auth_user_id" not in client.session
