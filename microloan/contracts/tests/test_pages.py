"""Back-office pages: contract search, detail with evidence and verify, PDF, templates."""

import pytest
from django.test import Client
from django.urls import reverse

from microloan.accounts.testing import make_staff
from microloan.contracts.models import ContractTemplate

from .helpers import agreement_of, contract_of, view_and_sign

pytestmark = pytest.mark.django_db


def _client(role: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_staff(role=role))
    return client


@pytest.fixture
def signed(loan):
    view_and_sign(agreement_of(loan.line.public_id))
    return view_and_sign(contract_of(loan.public_id), device_id="pixel-9")


def test_search_page_fragment_and_filters(signed):
    client = _client("cs_agent")
    page = client.get(reverse("contracts:contract_search"))
    assert page.status_code == 200 and signed.public_id in page.content.decode()
    assert "Contracts" in page.content.decode()  # nav entry and heading
    fragment = client.get(
        reverse("contracts:contract_search"),
        {"state": "signed", "kind": "loan"},
        HTTP_HX_REQUEST="true",
    )
    assert "<html" not in fragment.content.decode()
    assert signed.public_id in fragment.content.decode()
    none = client.get(reverse("contracts:contract_search"), {"state": "void"})
    assert signed.public_id not in none.content.decode()
    bad = client.get(reverse("contracts:contract_search"), {"date_from": "yesterday"})
    assert bad.status_code == 422


def test_detail_shows_evidence_and_verifies_in_place(signed):
    client = _client("operations")
    page = client.get(reverse("contracts:contract", args=[signed.public_id])).content.decode()
    assert "pixel-9" in page and signed.sealed_sha256 in page and "APR" in page
    verify_url = reverse("contracts:contract_verify", args=[signed.public_id])
    assert verify_url in page
    fragment = client.get(verify_url, HTTP_HX_REQUEST="true").content.decode()
    assert "valid" in fragment and "<html" not in fragment
    full = client.get(verify_url)
    assert full.status_code == 200 and "valid" in full.content.decode()
    pdf = client.get(reverse("contracts:contract_pdf", args=[signed.public_id]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")


def test_unknown_contract_and_missing_permission(signed):
    assert _client("cs_agent").get(reverse("contracts:contract", args=["ctr_x"])).status_code == 404
    assert _client("marketing").get(reverse("contracts:contract_search")).status_code == 403


def test_template_pages_and_a_new_version(loan):
    client = _client("product_manager")
    page = client.get(reverse("contracts:template_list"))
    assert page.status_code == 200 and "v1" in page.content.decode()
    created = client.post(
        reverse("contracts:template_create"),
        {"kind": "loan", "language": "en", "title": "Loan v2", "body": "{{ apr_percent }}"},
    )
    assert created.status_code == 302
    template = ContractTemplate.objects.get(kind="loan", language="en", version=2)
    assert not template.is_active
    shown = client.get(reverse("contracts:template", args=[template.public_id]))
    assert "Loan v2" in shown.content.decode()
    client.post(reverse("contracts:template_activate", args=[template.public_id]))
    template.refresh_from_db()
    assert template.is_active
    refused = client.post(
        reverse("contracts:template_create"),
        {"kind": "loan", "language": "en", "title": "X", "body": "{% load x %}"},
    )
    assert refused.status_code == 422
    assert _client("cs_agent").get(reverse("contracts:template_list")).status_code == 403
