"""Contracts through the services and the domain events: creation on loan.drawn and
application.decided, lazy rendering, signing and sealing, every refusal, immutability."""

import datetime as dt

import pytest
from django.utils import timezone

from microloan.audit.models import AuditRecord
from microloan.contracts.events import ContractSigned
from microloan.contracts.models import Contract, Kind
from microloan.contracts.services import rendering, signing
from microloan.contracts.services.verification import verify_stored
from microloan.customers.models import Customer
from microloan.customers.services import active_consents
from microloan.customers.testing import make_customer
from microloan.kernel import events
from microloan.kernel.actors import Actor
from microloan.kernel.errors import BusinessRuleViolation, Conflict, NotFound, ValidationFailed
from microloan.lending.events import LoanDrawn
from microloan.lending.services import drawdowns, lines
from microloan.lending.services.queries import loan_apr
from microloan.origination.events import ApplicationDecided

from .helpers import EventRecorder, agreement_of, contract_of, view_and_sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_agreement(loan):
    return view_and_sign(agreement_of(loan.line.public_id))


@pytest.fixture
def recorder():
    recorder = EventRecorder()
    events.subscribe(ContractSigned, recorder)
    yield recorder
    events.unsubscribe(ContractSigned, recorder)


def test_loan_drawn_creates_the_loan_contract_and_the_line_agreement(loan):
    contract = contract_of(loan.public_id)
    assert contract.status == Contract.Status.PENDING
    assert contract.customer_id == loan.customer_id and contract.line_id == loan.line.public_id
    assert contract.terms["amount"] == 1_200_000
    assert contract.terms["apr"] == str(loan_apr(loan))
    stored = list(loan.instalments.order_by("number").values_list("due_date", "principal"))
    assert [(r["due_date"], r["principal"]) for r in contract.terms["schedule"]] == [
        (day.isoformat(), principal) for day, principal in stored
    ]
    assert contract.offer_expires_at > timezone.now()
    assert contract.pdf_sha256 == ""  # rendered lazily, on first view
    assert agreement_of(loan.line.public_id).offer_expires_at is None


def test_a_published_loan_drawn_event_is_idempotent(loan, today):
    events.publish(
        LoanDrawn(
            customer_id=loan.customer_id,
            loan_id=loan.public_id,
            line_id=loan.line.public_id,
            amount=loan.principal,
            term_months=loan.term_months,
            business_date=today,
        )
    )
    assert Contract.objects.filter(loan_id=loan.public_id).count() == 1


def test_application_decided_approved_creates_the_line_agreement(line):
    assert not Contract.objects.filter(line_id=line.public_id).exists()
    events.publish(
        ApplicationDecided(
            customer_id=line.customer_id,
            application_id="app_1",
            outcome="approved",
            reasons=[],
            line_id=line.public_id,
            limit=line.limit,
            daily_rate="0.0005",
            apr="0.1825",
        )
    )
    agreement = agreement_of(line.public_id)
    assert agreement.terms["limit"] == line.limit
    events.publish(
        ApplicationDecided(
            customer_id=line.customer_id,
            application_id="app_2",
            outcome="rejected",
            reasons=["score_too_low"],
            line_id="",
            limit=None,
            daily_rate="",
            apr="",
        )
    )
    assert Contract.objects.filter(line_id=line.public_id).count() == 1


def test_first_view_renders_once_and_records_the_hash(loan):
    contract = contract_of(loan.public_id)
    actor = Actor.borrower(loan.customer_id)
    first = rendering.contract_file(actor=actor, contract_id=contract.public_id)
    again = rendering.contract_file(actor=actor, contract_id=contract.public_id)
    assert first.data.startswith(b"%PDF-") and first.data == again.data
    audit = AuditRecord.objects.filter(action="contract.rendered", object_id=contract.public_id)
    assert audit.count() == 1 and audit.get().after["sha256"] == first.sha256


def test_sign_seals_and_publishes_contract_signed(loan, signed_agreement, recorder):
    contract = view_and_sign(contract_of(loan.public_id), device_id="iphone-15")
    contract.refresh_from_db()
    assert contract.status == Contract.Status.SIGNED
    assert contract.signed_sha256 == contract.pdf_sha256
    assert (contract.signed_device_id, contract.signed_ip) == ("iphone-15", "10.0.0.8")
    assert recorder.received[-1] == {
        "event": "contract.signed",
        "customer_id": loan.customer_id,
        "contract_id": contract.public_id,
        "kind": "loan",
        "line_id": loan.line.public_id,
        "loan_id": loan.public_id,
        "sha256": contract.pdf_sha256,
    }
    assert [r["kind"] for r in recorder.received] == ["loan"]  # the agreement signed before
    result = verify_stored(actor=Actor.system(), contract_id=contract.public_id)
    assert result.ok and result.contains_signed_original and result.matches_record
    audit = AuditRecord.objects.get(action="contract.signed", object_id=contract.public_id)
    assert audit.after["sha256"] == contract.pdf_sha256
    assert audit.after["sealed_sha256"] == contract.sealed_sha256
    assert active_consents(loan.customer_id).filter(purpose="e_contract").exists()


def test_a_subscriber_failure_rolls_the_signature_back(loan, signed_agreement):
    def refuse(_event):
        raise RuntimeError("payments down")

    contract = contract_of(loan.public_id)
    rendering.contract_file(actor=Actor.borrower(loan.customer_id), contract_id=contract.public_id)
    events.subscribe(ContractSigned, refuse)
    try:
        with pytest.raises(RuntimeError):
            view_and_sign(contract)
    finally:
        events.unsubscribe(ContractSigned, refuse)
    contract.refresh_from_db()
    assert contract.status == Contract.Status.PENDING and contract.signed_at is None


def _sign(contract, sha256=None, actor=None, device_id="device-1"):
    return signing.sign_contract(
        actor=actor or Actor.borrower(contract.customer_id),
        contract_id=contract.public_id,
        sha256=sha256 or contract.pdf_sha256 or "0" * 64,
        device_id=device_id,
    )


def _viewed(contract):
    actor = Actor.borrower(contract.customer_id)
    rendering.contract_file(actor=actor, contract_id=contract.public_id)
    contract.refresh_from_db()
    return contract


def test_loan_contract_needs_the_line_agreement_signed_first(loan):
    contract = _viewed(contract_of(loan.public_id))
    with pytest.raises(BusinessRuleViolation) as refused:
        _sign(contract)
    assert refused.value.code == "line_agreement_unsigned" and refused.value.status == 422


def test_signing_twice_is_already_signed(loan, signed_agreement):
    with pytest.raises(Conflict) as refused:
        _sign(signed_agreement)
    assert refused.value.code == "already_signed"


def test_an_expired_offer_cannot_be_signed(loan, signed_agreement):
    contract = _viewed(contract_of(loan.public_id))
    past = timezone.now() - dt.timedelta(seconds=1)
    Contract.objects.filter(pk=contract.pk).update(offer_expires_at=past)
    with pytest.raises(Conflict) as refused:
        _sign(contract)
    assert refused.value.code == "offer_expired"


def test_the_offer_lifetime_is_a_setting(settings, line, today):
    settings.CONTRACT_OFFER_TTL_MINUTES = 5
    before = timezone.now()
    loan = drawdowns.drawdown(
        actor=Actor.borrower(line.customer_id),
        line_id=line.public_id,
        amount=100_000,
        term_months=5,
        method="equal_instalment",
        business_date=today,
    )
    expires = contract_of(loan.public_id).offer_expires_at
    assert before + dt.timedelta(minutes=5) <= expires <= timezone.now() + dt.timedelta(minutes=5)


def test_someone_elses_contract_is_not_found(loan):
    stranger = make_customer()
    contract = _viewed(agreement_of(loan.line.public_id))
    with pytest.raises(NotFound) as refused:
        _sign(contract, actor=Actor.borrower(stranger.public_id))
    assert refused.value.code == "contract_not_found"


def test_the_hash_must_be_the_one_shown(loan):
    contract = _viewed(agreement_of(loan.line.public_id))
    with pytest.raises(Conflict) as refused:
        _sign(contract, sha256="ab" * 32)
    assert refused.value.code == "sha256_mismatch"
    contract.refresh_from_db()
    assert contract.status == Contract.Status.PENDING


def test_a_contract_never_shown_cannot_be_signed(loan):
    with pytest.raises(Conflict) as refused:
        _sign(agreement_of(loan.line.public_id), sha256="ab" * 32)
    assert refused.value.code == "pdf_not_viewed"


@pytest.mark.parametrize(
    ("sha256", "device_id", "fields"),
    [
        ("xyz", "d", {"sha256"}),
        ("ab" * 32, "", {"device_id"}),
        ("ab" * 33, "has space", {"sha256", "device_id"}),
    ],
)
def test_malformed_evidence_reports_every_field(loan, sha256, device_id, fields):
    with pytest.raises(ValidationFailed) as refused:
        _sign(agreement_of(loan.line.public_id), sha256=sha256, device_id=device_id)
    assert set(refused.value.fields) == fields


def test_a_frozen_line_refuses_the_loan_contract(loan, signed_agreement, ops):
    contract = _viewed(contract_of(loan.public_id))
    lines.freeze_line(actor=ops, line_id=loan.line.public_id, reason="early warning")
    with pytest.raises(Conflict) as refused:
        _sign(contract)
    assert refused.value.code == "line_frozen"


def test_a_cancelled_loan_voids_its_unsigned_contract(loan, signed_agreement, ops):
    drawdowns.cancel_pending_loan(actor=ops, loan_id=loan.public_id, reason="changed mind")
    contract = _viewed(contract_of(loan.public_id))
    assert contract.status == Contract.Status.VOID
    with pytest.raises(Conflict) as refused:
        _sign(contract)
    assert refused.value.code == "contract_void"


def test_staff_cannot_sign_for_the_borrower(loan, ops):
    contract = _viewed(agreement_of(loan.line.public_id))
    with pytest.raises(Exception) as refused:
        _sign(contract, actor=ops)
    assert getattr(refused.value, "status", None) == 403


def test_a_signed_contract_cannot_be_changed_or_deleted(signed_agreement):
    contract = Contract.objects.get(pk=signed_agreement.pk)
    contract.terms = {**contract.terms, "limit": 1}
    with pytest.raises(Conflict) as refused:
        contract.save()
    assert refused.value.code == "contract_immutable"
    with pytest.raises(Conflict):
        contract.delete()
    with pytest.raises(Conflict):
        Contract.objects.filter(pk=contract.pk).delete()
    assert Contract.objects.get(pk=contract.pk).terms["limit"] != 1


def test_a_changed_stored_file_is_reported_not_served(signed_agreement, settings):
    from pathlib import Path

    path = Path(settings.CONTRACT_STORAGE_DIR) / signed_agreement.sealed_file
    path.write_bytes(path.read_bytes() + b"\n")
    with pytest.raises(Conflict) as refused:
        rendering.contract_file(
            actor=Actor.borrower(signed_agreement.customer_id),
            contract_id=signed_agreement.public_id,
        )
    assert refused.value.code == "stored_pdf_damaged"
    result = verify_stored(actor=Actor.system(), contract_id=signed_agreement.public_id)
    assert not result.ok and result.problems == ["stored_pdf_damaged"]


def test_a_contract_for_an_unregistered_customer_is_created_but_not_rendered(
    ops, product_version, today
):
    from microloan.lending.tests.helpers import open_line

    line = open_line(ops, product_version, customer="cust_not_registered")
    # A line opens only for a registered customer; the record then going missing is what
    # this contract must survive.
    Customer.objects.filter(public_id=line.customer_id).update(public_id="cust_gone")
    loan = drawdowns.drawdown(
        actor=Actor.borrower(line.customer_id),
        line_id=line.public_id,
        amount=100_000,
        term_months=5,
        method="equal_instalment",
        business_date=today,
    )
    contract = contract_of(loan.public_id)
    assert contract.kind == Kind.LOAN and contract.language == "zh-hans"
    with pytest.raises(BusinessRuleViolation) as refused:
        _viewed(contract)
    assert refused.value.code == "customer_missing"


def test_events_about_unknown_lines_and_loans_change_nothing(db):
    events.publish(
        ApplicationDecided(
            customer_id="cus_x",
            application_id="app_x",
            outcome="approved",
            reasons=[],
            line_id="line_unknown",
            limit=100_000,
            daily_rate="0.0005",
            apr="0.1825",
        )
    )
    events.publish(
        LoanDrawn(
            customer_id="cus_x",
            loan_id="loan_unknown",
            line_id="line_unknown",
            amount=100_000,
            term_months=5,
            business_date=None,
        )
    )
    assert Contract.objects.count() == 0


def test_the_pdf_names_the_borrower_in_full_with_the_id_number_masked(loan, customer):
    party = rendering.borrower_party(contract_of(loan.public_id))
    assert party.borrower_name == customer.name == "张三丰"
    assert party.borrower_id_number.endswith(customer.id_number[-4:])
    assert set(party.borrower_id_number[:-4]) == {"*"}
    assert len(party.borrower_id_number) == len(customer.id_number)


def test_a_closed_or_expired_line_is_no_longer_open(loan, ops):
    from microloan.lending.models import CreditLine

    agreement = _viewed(agreement_of(loan.line.public_id))
    CreditLine.objects.filter(pk=loan.line.pk).update(expires_on=dt.date(2026, 3, 1))
    with pytest.raises(Conflict) as refused:
        _sign(agreement)
    assert refused.value.code == "line_not_open"
    CreditLine.objects.filter(pk=loan.line.pk).update(
        expires_on=dt.date(2027, 3, 1), status=CreditLine.Status.CLOSED
    )
    with pytest.raises(Conflict) as refused:
        _sign(agreement)
    assert refused.value.code == "line_not_open"
