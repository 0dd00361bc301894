"""Back-office pages: search, customer page with the reveal form, the access log."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from microloan.accounts.testing import make_staff
from microloan.customers import services
from microloan.customers.models import PersonalDataAccess
from microloan.customers.testing import make_customer
from microloan.kernel.actors import Actor

pytestmark = [pytest.mark.django_db, pytest.mark.urls("microloan.customers.tests.urls")]

HTMX = {"HTTP_HX_REQUEST": "true"}


def _signed_in(*perms):
    user = make_staff()
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def customer():
    return make_customer(phone="13800138000", id_number="11010519491231002X")


def test_pages_need_a_signed_in_user():
    response = Client().get(reverse("customers:search"))
    assert response.status_code == 302 and "login" in response.url


@pytest.mark.parametrize("name", ["customers:search", "customers:access_log"])
def test_pages_need_their_permission(name):
    assert _signed_in().get(reverse(name)).status_code == 403


def test_search_lists_masked_customers_and_the_menu_links_here(customer):
    client = _signed_in(services.VIEW_CUSTOMER)
    response = client.get(reverse("customers:search"), {"phone": "138 0013 8000"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "138****8000" in html and "110***********002X" in html and "张**" in html
    assert "13800138000" not in html and "11010519491231002X" not in html
    assert f'href="{reverse("customers:search")}"' in html  # the menu entry
    assert reverse("customers:detail", args=[customer.public_id]) in html


def test_search_fragment_for_htmx(customer):
    client = _signed_in(services.VIEW_CUSTOMER)
    response = client.get(reverse("customers:search"), {"id_number": "1"}, **HTMX)
    html = response.content.decode()
    assert "<html" not in html and "No customers match." in html


def test_the_customer_page_is_masked_and_hides_the_reveal_form_without_permission(customer):
    html = _signed_in(services.VIEW_CUSTOMER).get(
        reverse("customers:detail", args=[customer.public_id])
    )
    text = html.content.decode()
    assert html.status_code == 200
    assert "138****8000" in text and "13800138000" not in text
    assert "1949-12-31" not in text  # age, not the birth date, beside the masked ID
    assert reverse("customers:reveal", args=[customer.public_id]) not in text
    missing = _signed_in(services.VIEW_CUSTOMER).get(reverse("customers:detail", args=["cus_x"]))
    assert missing.status_code == 404


def test_reveal_shows_the_value_once_and_logs_it(customer):
    client = _signed_in(services.VIEW_CUSTOMER, services.REVEAL_PERSONAL_DATA)
    url = reverse("customers:reveal", args=[customer.public_id])
    page = client.get(reverse("customers:detail", args=[customer.public_id]))
    assert url in page.content.decode()
    response = client.post(url, {"field": "phone", "reason": "customer called"}, **HTMX)
    assert response.status_code == 200
    assert "13800138000" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert PersonalDataAccess.objects.get().reason == "customer called"
    again = client.get(reverse("customers:detail", args=[customer.public_id]))
    assert "13800138000" not in again.content.decode()


def test_reveal_without_a_reason_is_refused_and_not_logged(customer):
    client = _signed_in(services.VIEW_CUSTOMER, services.REVEAL_PERSONAL_DATA)
    url = reverse("customers:reveal", args=[customer.public_id])
    response = client.post(url, {"field": "phone", "reason": ""})
    assert response.status_code == 422
    assert "13800138000" not in response.content.decode()
    assert not PersonalDataAccess.objects.exists()


def test_reveal_needs_the_permission(customer):
    client = _signed_in(services.VIEW_CUSTOMER)
    url = reverse("customers:reveal", args=[customer.public_id])
    assert client.post(url, {"field": "phone", "reason": "r"}).status_code == 403
    assert not PersonalDataAccess.objects.exists()


def test_the_access_log_page(customer):
    services.reveal_field(
        actor=Actor.system("t"),
        customer_id=customer.public_id,
        field="id_number",
        reason="fraud review",
    )
    client = _signed_in(services.VIEW_ACCESS_LOG)
    response = client.get(reverse("customers:access_log"), {"customer_id": customer.public_id})
    html = response.content.decode()
    assert response.status_code == 200
    assert "fraud review" in html and customer.public_id in html
    assert "11010519491231002X" not in html
