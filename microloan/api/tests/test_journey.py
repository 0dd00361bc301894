"""A borrower's whole journey through the public API, as a client would make it: register,
consent, apply (approved automatically), sign the line agreement, draw, read and sign the loan
contract, and see the money arrive and the messages about it. Retried POSTs change nothing."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
import uuid

import pytest
from django.test import Client

from microloan.accounts.testing import make_staff
from microloan.customers.testing import customer_data
from microloan.kernel.services import set_initial_business_date
from microloan.lending.models import Loan
from microloan.notifications import delivery
from microloan.notifications.models import Message, ProviderRecord
from microloan.origination.services import active_policy
from microloan.payments.models import PaymentOrder
from microloan.products.domain import default_weilidai_terms
from microloan.products.models import Product, ProductVersion
from microloan.risk.services import active_ruleset, active_scorecard

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture(autouse=True)
def setup(settings, tmp_path):
    settings.FIELD_ENCRYPTION_KEYS = "t1:" + base64.urlsafe_b64encode(bytes(range(32))).decode()
    settings.FIELD_BLIND_INDEX_KEY = ""
    settings.PAYMENTS_DISPATCH = "inline"
    settings.PAYMENTS_SIMULATOR_CALLBACKS = "immediate"
    settings.PAYMENTS_SIMULATOR_URL = ""
    settings.PAYMENTS_CALLBACK_SECRET = "journey-secret"
    settings.CONTRACT_STORAGE_DIR = str(tmp_path / "contracts")
    settings.NOTIFICATIONS_DIR = str(tmp_path / "notifications")
    set_initial_business_date(dt.date(2026, 3, 2))
    product = Product.objects.create(code="WLD", name_zh="微粒贷", name_en="Weilidai")
    version = ProductVersion(product=product, version=1, maker=make_staff(), status="active")
    version.set_terms(default_weilidai_terms())
    version.save()
    active_policy(), active_ruleset(), active_scorecard()


class Borrower:
    def __init__(self, client: Client):
        self.client, self.token = client, ""

    def _headers(self, key: str | None):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}
        if key:
            headers["HTTP_IDEMPOTENCY_KEY"] = key
        return headers

    def post(self, path, body, *, key=None):
        key = key or str(uuid.uuid4())
        return self.client.post(
            API + path, json.dumps(body), content_type="application/json", **self._headers(key)
        )

    def get(self, path):
        return self.client.get(API + path, **self._headers(None))


def test_register_apply_sign_draw_and_get_the_money(django_capture_on_commit_callbacks):
    borrower = Borrower(Client())
    person = customer_data(monthly_income="15000.00", education="master", marital_status="married")
    with django_capture_on_commit_callbacks(execute=True):
        sent = borrower.post("/customers/registration/codes", {"phone": person["phone"]})
    assert sent.status_code == 202, sent.content
    sms = ProviderRecord.objects.filter(channel="sms", customer_id="").latest("id")
    code = re.search(r"(?<!\d)(\d{6})(?!\d)", sms.body).group(1)  # the person reads the SMS
    registered = borrower.post("/customers/register", {**person, "code": code})
    assert registered.status_code == 201, registered.json()
    borrower.token = registered.json()["token"]
    consent = borrower.post(
        "/customers/me/consents", {"purpose": "credit_report_query", "text_version": "2026.1"}
    )
    assert consent.status_code == 201, consent.json()

    body = {
        "product_code": "WLD",
        "requested_amount": "30000.00",
        "purpose": "consumption",
        "name": person["name"],
        "id_number": person["id_number"],
        "phone": person["phone"],
        "bank_card_number": person["bank_card_number"],
        "device_id": "journey-device",
        "face_token": "selfie-ok",
    }
    key = str(uuid.uuid4())
    applied = borrower.post("/origination/me/applications", body, key=key)
    assert applied.status_code == 201, applied.json()
    again = borrower.post("/origination/me/applications", body, key=key)  # a retry
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    application = applied.json()
    assert application["state"] == "auto_approved", application
    offer = borrower.get(f"/origination/me/applications/{application['id']}/offer").json()
    line_id = offer["line_id"]
    assert offer["limit"] == "30000.00" and offer["apr"] and offer["daily_rate"], offer

    contracts = borrower.get("/contracts/me/contracts").json()["items"]
    (agreement,) = [c for c in contracts if c["kind"] == "line_agreement"]
    _sign(borrower, agreement["id"])

    drawn = borrower.post(
        "/lending/me/drawdowns",
        {"line_id": line_id, "amount": "5000.00", "term_months": 5, "method": "equal_instalment"},
    )
    assert drawn.status_code == 201, drawn.json()
    loan_id = drawn.json()["id"]
    contracts = borrower.get("/contracts/me/contracts").json()["items"]
    (loan_contract,) = [c for c in contracts if c["kind"] == "loan"]
    with django_capture_on_commit_callbacks(execute=True):
        _sign(borrower, loan_contract["id"])

    loan = Loan.objects.get(public_id=loan_id)
    assert loan.status == Loan.Status.ACTIVE and loan.principal == 500_000
    order = PaymentOrder.objects.get(loan_id=loan_id, kind="disbursement")
    assert order.status == "succeeded"
    sent = set(
        Message.objects.filter(customer_id=loan.customer_id).values_list("template_code", flat=True)
    )
    assert {"application_approved", "contract_signed", "disbursement_succeeded"} <= sent
    delivery.deliver_due_messages(100)  # what the notifications worker does
    inbox = borrower.get("/notifications/me/inbox")
    assert inbox.status_code == 200 and inbox.json()["items"]


def _sign(borrower: Borrower, contract_id: str) -> None:
    pdf = borrower.get(f"/contracts/me/contracts/{contract_id}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    digest = hashlib.sha256(pdf.content).hexdigest()
    wrong = borrower.post(
        f"/contracts/me/contracts/{contract_id}/sign", {"sha256": "0" * 64, "device_id": "d"}
    )
    assert wrong.status_code == 409 and wrong.json()["code"] == "sha256_mismatch"
    signed = borrower.post(
        f"/contracts/me/contracts/{contract_id}/sign",
        {"sha256": digest, "device_id": "journey-device"},
    )
    assert signed.status_code == 200, signed.json()
    twice = borrower.post(
        f"/contracts/me/contracts/{contract_id}/sign",
        {"sha256": digest, "device_id": "journey-device"},
    )
    assert twice.status_code == 409 and twice.json()["code"] == "already_signed"
