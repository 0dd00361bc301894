"""The contracts API over HTTP: the borrower's view-and-sign flow, every refusal with nothing
stored, staff search and verification, templates."""

import datetime as dt
import hashlib
import itertools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from microloan.accounts.testing import bearer, make_borrower_token, make_staff, make_staff_token
from microloan.audit.models import AuditRecord
from microloan.contracts.models import Contract, ContractTemplate
from microloan.customers.testing import make_customer
from microloan.lending.services import lines

from .helpers import agreement_of, contract_of, flip_byte, view_and_sign

pytestmark = pytest.mark.django_db
BASE = "/api/v1/contracts"
_keys = itertools.count(1)


def key() -> dict:
    return {"HTTP_IDEMPOTENCY_KEY": f"sign-{next(_keys)}"}


def _pdf(client, headers, contract, prefix="/me/contracts"):
    response = client.get(f"{BASE}{prefix}/{contract.public_id}/pdf", **headers)
    assert response.status_code == 200, response.content[:300]
    return response


def _sign(client, headers, contract, sha256, device_id="android-7", **extra):
    return client.post_json(
        f"{BASE}/me/contracts/{contract.public_id}/sign",
        {"sha256": sha256, "device_id": device_id},
        **{**key(), **headers, **extra},
    )


def _view_and_sign(client, headers, contract):
    shown = _pdf(client, headers, contract)
    return _sign(client, headers, contract, shown["X-Content-SHA256"])


def test_the_borrower_lists_views_and_signs_both_contracts(client, loan, borrower_headers):
    listed = client.get(f"{BASE}/me/contracts", **borrower_headers).json()
    assert {item["kind"] for item in listed["items"]} == {"line_agreement", "loan"}
    loan_item = next(i for i in listed["items"] if i["kind"] == "loan")
    assert list(loan_item)[:2] == ["apr", "apr_percent"]  # the APR leads the reply
    assert loan_item["amount"] == "12000.00" and "amount_yuan" not in loan_item
    assert loan_item["state"] == "pending"

    agreement, contract = agreement_of(loan.line.public_id), contract_of(loan.public_id)
    shown = _pdf(client, borrower_headers, agreement)
    assert shown["Content-Type"] == "application/pdf"
    assert shown["X-Content-SHA256"] == hashlib.sha256(shown.content).hexdigest()
    signed = _sign(
        client,
        borrower_headers,
        agreement,
        shown["X-Content-SHA256"],
        REMOTE_ADDR="203.0.113.9",
        HTTP_USER_AGENT="MicroloanApp/3.1",
    )
    assert signed.status_code == 200, signed.content
    assert signed.json()["state"] == "signed"
    agreement.refresh_from_db()
    assert (agreement.signed_ip, agreement.signed_user_agent) == ("203.0.113.9", "MicroloanApp/3.1")
    assert agreement.signed_device_id == "android-7"

    response = _view_and_sign(client, borrower_headers, contract)
    assert response.status_code == 200, response.content
    detail = client.get(f"{BASE}/me/contracts/{contract.public_id}", **borrower_headers).json()
    assert detail["state"] == "signed" and len(detail["schedule"]) == 5
    assert detail["schedule"][-1]["balance_after"] == "0.00"  # money as yuan strings
    assert sum(int(row["principal"].replace(".", "")) for row in detail["schedule"]) == 1_200_000
    sealed = _pdf(client, borrower_headers, contract)
    contract.refresh_from_db()
    assert sealed["X-Content-SHA256"] == contract.sealed_sha256
    assert sealed.content.startswith(shown.content[:8])


def test_signing_replays_with_the_same_key_and_refuses_a_second_signature(
    client, loan, borrower_headers
):
    agreement = agreement_of(loan.line.public_id)
    sha = _pdf(client, borrower_headers, agreement)["X-Content-SHA256"]
    same_key = {"HTTP_IDEMPOTENCY_KEY": "sign-once"}
    body = {"sha256": sha, "device_id": "d1"}
    url = f"{BASE}/me/contracts/{agreement.public_id}/sign"
    first = client.post_json(url, body, **same_key, **borrower_headers)
    replay = client.post_json(url, body, **same_key, **borrower_headers)
    assert first.status_code == replay.status_code == 200
    assert replay["Idempotent-Replayed"] == "true" and replay.json() == first.json()
    again = _sign(client, borrower_headers, agreement, sha)
    assert again.status_code == 409 and again.json()["code"] == "already_signed"
    assert AuditRecord.objects.filter(action="contract.signed").count() == 1


def _refused_and_unchanged(response, status, code, contract):
    signatures = AuditRecord.objects.filter(action="contract.signed").count()
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    contract.refresh_from_db()
    assert contract.status == Contract.Status.PENDING and contract.signed_at is None
    assert AuditRecord.objects.filter(action="contract.signed").count() == signatures


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"sha256", "device_id"}),
        ({"sha256": "ab" * 32}, {"device_id"}),
        ({"sha256": "zz" * 32, "device_id": "d"}, {"sha256"}),
        ({"sha256": "ab" * 32, "device_id": "bad id"}, {"device_id"}),
        ({"sha256": "ab" * 32, "device_id": "d", "extra": 1}, {"extra"}),
        ({"sha256": 5, "device_id": "d"}, {"sha256"}),
    ],
)
def test_malformed_sign_requests_are_422_with_fields(client, loan, borrower_headers, body, fields):
    agreement = agreement_of(loan.line.public_id)
    _pdf(client, borrower_headers, agreement)
    response = client.post_json(
        f"{BASE}/me/contracts/{agreement.public_id}/sign", body, **key(), **borrower_headers
    )
    _refused_and_unchanged(response, 422, response.json().get("code"), agreement)
    assert fields <= {name.split(".")[-1] for name in response.json()["fields"]}


def test_malformed_json_and_a_missing_key_are_refused(client, loan, borrower_headers):
    agreement = agreement_of(loan.line.public_id)
    url = f"{BASE}/me/contracts/{agreement.public_id}/sign"
    broken = client.post(
        url, data="{not json", content_type="application/json", **key(), **borrower_headers
    )
    assert broken.status_code in (400, 422)
    no_key = client.post_json(url, {"sha256": "ab" * 32, "device_id": "d"}, **borrower_headers)
    _refused_and_unchanged(no_key, 400, "idempotency_key_required", agreement)


def test_a_hash_other_than_the_one_shown_is_409(client, loan, borrower_headers):
    agreement = agreement_of(loan.line.public_id)
    shown = _pdf(client, borrower_headers, agreement)["X-Content-SHA256"]
    other = hashlib.sha256(b"another document").hexdigest()
    assert other != shown
    response = _sign(client, borrower_headers, agreement, other)
    _refused_and_unchanged(response, 409, "sha256_mismatch", agreement)


def test_someone_elses_contract_is_404_everywhere(client, loan):
    stranger = bearer(make_borrower_token(make_customer().public_id))
    agreement = agreement_of(loan.line.public_id)
    for path in ("", "/pdf"):
        response = client.get(f"{BASE}/me/contracts/{agreement.public_id}{path}", **stranger)
        assert response.status_code == 404 and response.json()["code"] == "contract_not_found"
    response = _sign(client, stranger, agreement, "ab" * 32)
    _refused_and_unchanged(response, 404, "contract_not_found", agreement)
    unknown = client.get(f"{BASE}/me/contracts/ctr_nope", **stranger)
    assert unknown.json() == {**unknown.json(), "code": "contract_not_found"}
    assert client.get(f"{BASE}/me/contracts", **stranger).json()["total"] == 0


def test_expired_offer_is_409(client, loan, borrower_headers):
    view_and_sign(agreement_of(loan.line.public_id))
    contract = contract_of(loan.public_id)
    sha = _pdf(client, borrower_headers, contract)["X-Content-SHA256"]
    Contract.objects.filter(pk=contract.pk).update(
        offer_expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    listed = client.get(f"{BASE}/me/contracts?state=expired", **borrower_headers).json()
    assert [i["id"] for i in listed["items"]] == [contract.public_id]
    response = _sign(client, borrower_headers, contract, sha)
    _refused_and_unchanged(response, 409, "offer_expired", contract)


def test_loan_contract_before_the_line_agreement_is_422(client, loan, borrower_headers):
    contract = contract_of(loan.public_id)
    response = _view_and_sign(client, borrower_headers, contract)
    _refused_and_unchanged(response, 422, "line_agreement_unsigned", contract)


def test_frozen_line_is_409(client, loan, borrower_headers, ops):
    view_and_sign(agreement_of(loan.line.public_id))
    lines.freeze_line(actor=ops, line_id=loan.line.public_id, reason="post-loan check")
    contract = contract_of(loan.public_id)
    response = _view_and_sign(client, borrower_headers, contract)
    _refused_and_unchanged(response, 409, "line_frozen", contract)


def test_staff_search_detail_pdf_and_verify(client, loan, staff_headers, admin_headers):
    view_and_sign(agreement_of(loan.line.public_id), ip="198.51.100.4")
    signed = view_and_sign(contract_of(loan.public_id))
    page = client.get(
        f"{BASE}/contracts?customer_id={loan.customer_id}&state=signed&kind=loan", **staff_headers
    ).json()
    assert [item["id"] for item in page["items"]] == [signed.public_id]
    by_loan = client.get(f"{BASE}/contracts?loan_id={loan.public_id}", **staff_headers).json()
    assert by_loan["total"] == 1
    by_line = client.get(f"{BASE}/contracts?line_id={loan.line.public_id}", **staff_headers)
    assert by_line.json()["total"] == 2
    dated = client.get(f"{BASE}/contracts?date_from=2030-01-01", **staff_headers).json()
    assert dated["total"] == 0
    bad = client.get(f"{BASE}/contracts?state=lost&date_from=x", **staff_headers)
    assert bad.status_code == 422

    agreement = agreement_of(loan.line.public_id)
    detail = client.get(f"{BASE}/contracts/{agreement.public_id}", **staff_headers).json()
    assert detail["signed_ip"] == "198.51.100.4" and detail["signed_device_id"] == "device-1"
    assert detail["borrower_name"] == "张**"  # masked on screen; the PDF has the full name
    assert detail["borrower_id_number"].startswith("110") and "*" in detail["borrower_id_number"]
    pdf = _pdf(client, staff_headers, signed, prefix="/contracts")
    assert AuditRecord.objects.filter(action="contract.pdf_viewed").exists()

    stored = client.get(f"{BASE}/contracts/{signed.public_id}/verify", **staff_headers).json()
    assert stored["ok"] and stored["contains_signed_original"] and stored["matches_record"]

    uploaded = client.post(
        f"{BASE}/contracts/verify",
        data=pdf.content,
        content_type="application/pdf",
        **admin_headers,
    ).json()
    assert uploaded["ok"] and uploaded["contract_id"] == signed.public_id
    tampered = flip_byte(pdf.content, len(pdf.content) // 3)
    multipart = client.post(
        f"{BASE}/contracts/verify",
        {"file": SimpleUploadedFile("c.pdf", tampered, content_type="application/pdf")},
        **admin_headers,
    ).json()
    assert not multipart["ok"] and multipart["contract_id"] == ""
    empty = client.post(
        f"{BASE}/contracts/verify", data=b"", content_type="application/pdf", **admin_headers
    )
    assert empty.status_code == 422
    no_file = client.post(f"{BASE}/contracts/verify", {"other": "x"}, **admin_headers)
    assert no_file.status_code == 422 and no_file.json()["fields"]["file"]
    denied = client.post(
        f"{BASE}/contracts/verify",
        data=pdf.content,
        content_type="application/pdf",
        **bearer(make_staff_token(make_staff(role="marketing"))),
    )
    assert denied.status_code == 403  # marketing: no contracts.verify_contract


def test_an_unsigned_contract_does_not_verify(client, loan, staff_headers):
    agreement = agreement_of(loan.line.public_id)
    result = client.get(f"{BASE}/contracts/{agreement.public_id}/verify", **staff_headers).json()
    assert not result["ok"] and result["problems"] == ["not_signed"]


def test_borrower_and_staff_tokens_stay_on_their_side(
    client, loan, borrower_headers, staff_headers
):
    assert client.get(f"{BASE}/contracts", **borrower_headers).status_code == 401
    assert client.get(f"{BASE}/me/contracts", **staff_headers).status_code == 401
    assert client.get(f"{BASE}/contracts/ctr_nope", **staff_headers).status_code == 404


@pytest.fixture
def pm_headers(db):
    return bearer(make_staff_token(make_staff(role="product_manager")))


def test_product_manager_creates_and_activates_a_template_version(
    client, loan, pm_headers, borrower_headers
):
    listed = client.get(f"{BASE}/templates", **pm_headers).json()["items"]
    assert {(t["kind"], t["language"], t["version"]) for t in listed} >= {
        ("loan", "zh-hans", 1),
        ("line_agreement", "zh-hans", 1),
    }
    body = {
        "kind": "loan",
        "language": "zh-hans",
        "title": "个人消费借款合同（2026版）",
        "body": "年化利率{{ apr_percent }}\n\n[[parties]]\n\n[[schedule]]\n\n[[signatures]]",
        "note": "shorter",
        "activate": True,
    }
    created = client.post_json(f"{BASE}/templates", body, **key(), **pm_headers)
    assert created.status_code == 201, created.content
    assert created.json()["version"] == 2 and created.json()["is_active"]
    assert (
        ContractTemplate.objects.filter(kind="loan", language="zh-hans", is_active=True)
        .get()
        .version
        == 2
    )

    from microloan.kernel.actors import Actor
    from microloan.lending.services import drawdowns

    second = drawdowns.drawdown(
        actor=Actor.borrower(loan.customer_id),
        line_id=loan.line.public_id,
        amount=100_000,
        term_months=5,
        method="equal_instalment",
    )
    assert contract_of(second.public_id).template.version == 2
    assert contract_of(loan.public_id).template.version == 1  # made before keeps its text
    assert _pdf(client, borrower_headers, contract_of(second.public_id)).content[:5] == b"%PDF-"

    first = ContractTemplate.objects.get(kind="loan", language="zh-hans", version=1)
    back = client.post(f"{BASE}/templates/{first.public_id}/activate", **pm_headers)
    assert back.status_code == 200 and back.json()["is_active"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "mortgage"}, "kind"),
        ({"body": "{% include 'secret.txt' %}"}, "body"),
        ({"body": "{% if %}"}, "body"),
        ({"body": "<b>unclosed"}, "body"),
        ({"title": ""}, "title"),
    ],
)
def test_bad_template_versions_are_refused_and_nothing_stored(
    client, db, pm_headers, change, field
):
    body = {"kind": "loan", "language": "en", "title": "T", "body": "{{ apr_percent }}", **change}
    before = ContractTemplate.objects.count()
    response = client.post_json(f"{BASE}/templates", body, **key(), **pm_headers)
    assert response.status_code == 422, response.content
    assert any(name.split(".")[-1] == field for name in response.json()["fields"])
    assert ContractTemplate.objects.count() == before


def test_a_borrower_cannot_reach_templates_and_cs_cannot_create(
    client, db, borrower_headers, staff_headers
):
    assert client.get(f"{BASE}/templates", **borrower_headers).status_code == 401
    response = client.post_json(f"{BASE}/templates", {}, **key(), **staff_headers)
    assert response.status_code == 403
