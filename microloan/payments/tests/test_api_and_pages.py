"""Staff API and back-office pages: filters, detail with events, status query, breaks."""

from __future__ import annotations

import pytest
from django.test import Client

from microloan.accounts.testing import bearer, make_staff, make_staff_token
from microloan.payments.models import PaymentOrder, SettlementBreak
from microloan.payments.services.reconcile import reconcile_settlement

from .conftest import draw

pytestmark = pytest.mark.django_db
API = "/api/v1/payments"


@pytest.fixture
def orders(line, signed):
    return [signed(draw(line, amount=100_000)), signed(draw(line, amount=200_091))]


def staff(role):
    user = make_staff(role=role)
    return user, bearer(make_staff_token(user))


def test_staff_lists_and_filters_orders(orders):
    _user, headers = staff("operations")
    everything = Client().get(f"{API}/orders", **headers).json()
    assert everything["total"] == 2
    failed = Client().get(f"{API}/orders?status=failed", **headers).json()
    assert [o["id"] for o in failed["items"]] == [orders[1].public_id]
    assert failed["items"][0]["failure_code"] == "card_invalid"
    bad_page = Client().get(f"{API}/orders?page=0", **headers)
    assert bad_page.status_code == 422


def test_order_detail_shows_its_events_and_masks_the_card(orders):
    _user, headers = staff("auditor")
    reply = Client().get(f"{API}/orders/{orders[0].public_id}", **headers).json()
    assert [e["kind"] for e in reply["events"]][:2] == ["created", "send"]
    assert "*" in reply["card"]
    assert Client().get(f"{API}/orders/pay_nope", **headers).status_code == 404


def test_status_query_now(orders):
    _user, headers = staff("operations")
    reply = Client().post(f"{API}/orders/{orders[0].public_id}/query", **headers)
    assert reply.status_code == 200, reply.content
    assert reply.json()["queries"] == 1 and reply.json()["events"][-1]["kind"] == "status_query"
    _user, auditor = staff("auditor")
    assert Client().post(f"{API}/orders/{orders[0].public_id}/query", **auditor).status_code == 403


def test_breaks_list_and_resolve(orders, operations, today):
    reconcile_settlement(actor=operations, business_date=today, text="pay_x,5,succeeded,R\n")
    _user, headers = staff("operations")
    listed = Client().get(f"{API}/breaks", **headers).json()
    kinds = sorted(item["kind"] for item in listed["items"])
    assert kinds == ["missing_ours", "missing_theirs"]
    target = listed["items"][0]["id"]
    empty = Client().post(
        f"{API}/breaks/{target}/resolve", data={}, content_type="application/json", **headers
    )
    assert empty.status_code == 422
    assert SettlementBreak.objects.filter(status="resolved").count() == 0
    done = Client().post(
        f"{API}/breaks/{target}/resolve",
        data={"resolution": "booked by hand"},
        content_type="application/json",
        **headers,
    )
    assert done.status_code == 200 and done.json()["status"] == "resolved"


def test_pages_render_for_operations(orders, client, operations, today):
    user = make_staff(role="operations")
    client.force_login(user)
    reconcile_settlement(actor=operations, business_date=today, text="pay_x,5,succeeded,R\n")
    listing = client.get("/payments/orders/?status=failed")
    assert listing.status_code == 200 and orders[1].public_id in listing.content.decode()
    assert orders[0].public_id not in listing.content.decode()
    detail = client.get(f"/payments/orders/{orders[0].public_id}/")
    assert detail.status_code == 200 and "csrfmiddlewaretoken" in detail.content.decode()
    assert client.get("/payments/orders/pay_nope/").status_code == 404
    breaks = client.get("/payments/breaks/")
    assert breaks.status_code == 200 and "pay_x" in breaks.content.decode()
    queried = client.post(f"/payments/orders/{orders[0].public_id}/query/")
    assert queried.status_code == 302
    assert PaymentOrder.objects.get(pk=orders[0].pk).queries == 1
    item = SettlementBreak.objects.get(order_id="pay_x")
    client.post(f"/payments/breaks/{item.public_id}/resolve/", {"resolution": "ok"})
    assert SettlementBreak.objects.get(pk=item.pk).status == "resolved"


def test_pages_refuse_roles_without_the_permission(client, orders):
    client.force_login(make_staff(role="marketing"))
    assert client.get("/payments/orders/").status_code == 403
    client.force_login(make_staff(role="auditor"))
    assert client.get("/payments/orders/").status_code == 200
    assert client.post(f"/payments/orders/{orders[0].public_id}/query/").status_code == 403
