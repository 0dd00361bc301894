"""Applying through the service: the three machine outcomes, refusals at the door, consents,
resubmission, withdrawal, events and audit."""

import datetime as dt

import pytest

from microloan.audit.models import AuditRecord
from microloan.customers.models import Consent
from microloan.customers.synthetic import make_id_number
from microloan.kernel import events
from microloan.kernel.actors import Actor
from microloan.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from microloan.lending.models import CreditLine
from microloan.origination import services
from microloan.origination.events import ApplicationDecided
from microloan.origination.models import Application, ApplicationTransition
from microloan.risk.models import ApplicationEvent
from microloan.risk.services import add_blacklist_entry

from .conftest import application_body, consenting_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided():
    seen = []

    def capture(event: ApplicationDecided):
        seen.append(event.payload())

    events.subscribe(ApplicationDecided, capture)
    yield seen
    events.unsubscribe(ApplicationDecided, capture)


def apply(customer, **overrides):
    return services.apply_for_credit(
        actor=Actor.borrower(customer.public_id),
        data=application_body(customer, **overrides),
        ip="10.1.2.3",
    )


def states(application):
    return [
        (t.from_state, t.to_state)
        for t in ApplicationTransition.objects.filter(application=application).order_by("id")
    ]


def counts():
    return (
        Application.objects.count(),
        ApplicationTransition.objects.count(),
        ApplicationEvent.objects.count(),
        CreditLine.objects.count(),
    )


def test_a_clear_case_is_approved_by_machine_and_the_line_opened(customer, decided):
    application = apply(customer)
    assert application.state == "auto_approved"
    assert states(application) == [
        ("", "submitted"),
        ("submitted", "checks_running"),
        ("checks_running", "auto_approved"),
    ]
    line = CreditLine.objects.get(public_id=application.line_id)
    assert (line.customer_id, line.limit) == (customer.public_id, application.granted_limit)
    assert line.daily_rate == application.daily_rate
    # Income 12,000 × grade multiplier, capped by the amount asked for (20,000 yuan).
    assert application.granted_limit == 2_000_000
    assert application.checks["decision"]["outcome"] == "auto_approve"
    assert application.admission == {"admitted": True, "failures": []}
    assert application.apr > 0 and len(application.term_options) == 11  # bullet ≤ 12 months
    assert decided == [
        {
            "customer_id": customer.public_id,
            "application_id": application.public_id,
            "outcome": "approved",
            "reasons": (),
            "line_id": line.public_id,
            "limit": 2_000_000,
            "daily_rate": str(application.daily_rate),
            "apr": str(application.apr),
        }
    ]
    audit = AuditRecord.objects.get(action="application.submitted")
    assert audit.object_id == application.public_id
    assert audit.after["transitions"] == [
        "->submitted",
        "submitted>checks_running",
        "checks_running>auto_approved",
    ]
    offer = services.get_offer(
        actor=Actor.borrower(customer.public_id), application_id=application.public_id
    )
    assert offer["limit"] == 2_000_000 and offer["apr"] == str(application.apr)
    assert offer["terms_months"] == [5, 10, 20]


def test_a_limit_is_the_income_multiple_when_that_is_below_the_request(customer):
    application = apply(customer, requested_amount=4_000_000, monthly_income=1_000_000)
    # Grade C multiplier 2 × 10,000 yuan = 20,000 yuan, below the 40,000 asked for.
    assert application.state == "auto_approved", application.decision_reasons
    assert application.granted_limit == 2_000_000


def test_income_below_the_floor_is_rejected_with_its_reason(customer, decided):
    application = apply(customer, monthly_income=299_999)
    assert application.state == "auto_rejected"
    assert "admission_income_below_floor" in application.decision_reasons
    assert application.line_id == "" and CreditLine.objects.count() == 0
    assert decided[0]["outcome"] == "rejected" and decided[0]["limit"] is None
    assert "admission_income_below_floor" in decided[0]["reasons"]


def test_a_blacklisted_card_is_rejected(customer):
    add_blacklist_entry(
        actor=Actor.system("test"),
        kind="card",
        value=customer.bank_card_number,
        source="manual",
        reason="fraud ring",
    )
    application = apply(customer)
    assert application.state == "auto_rejected"
    assert "admission_blacklisted" in application.decision_reasons
    assert application.admission["failures"][0]["detail"] == {"kinds": ["card"]}


def test_an_unsure_face_match_goes_to_the_initial_review_queue(customer, decided):
    application = apply(customer, face_token="review-please")
    assert application.state == "initial_review"
    assert application.decision_reasons == ["identity_unverified"]
    assert application.sla_due_at - application.submitted_at == dt.timedelta(hours=24)
    assert application.proposed_limit == 2_000_000 and application.line_id == ""
    assert decided == []
    queue = services.review_queue(actor=Actor.system("t"), stage="initial")
    assert list(queue) == [application]


def test_a_second_open_application_is_refused_and_nothing_stored(customer):
    apply(customer, face_token="review-1")
    before = counts()
    with pytest.raises(Conflict) as refused:
        apply(customer)
    assert refused.value.code == "application_open"
    assert counts() == before


def test_a_new_application_after_a_decision_is_accepted(customer):
    first = apply(customer, monthly_income=100_000)
    assert first.state == "auto_rejected"
    second = apply(customer)
    assert second.public_id != first.public_id
    # A second application with the same ID within the hour is a velocity signal: a person looks.
    assert second.state == "initial_review"
    assert second.decision_reasons == ["fraud_score_elevated"]
    assert [hit["reason_code"] for hit in second.checks["fraud"]["hits"]] == [
        "velocity_id_1h",
        "velocity_phone_1h",
    ]


def test_consents_are_required_or_given_with_the_application(product):
    from microloan.customers.testing import make_customer

    customer = make_customer()  # no credit-report consent
    before = counts()
    with pytest.raises(ValidationFailed) as refused:
        apply(customer)
    assert refused.value.code == "consent_missing"
    assert "consents" in refused.value.fields and counts() == before
    application = apply(
        customer, consents=[{"purpose": "credit_report_query", "text_version": "2026.1"}]
    )
    assert application.state == "auto_approved"
    assert Consent.objects.filter(
        customer=customer, purpose="credit_report_query", withdrawn_at__isnull=True
    ).exists()


def test_every_field_problem_is_reported_at_once(customer):
    with pytest.raises(ValidationFailed) as refused:
        apply(
            customer,
            id_number="110105199005170010",  # wrong check digit
            phone="12345",
            bank_card_number="6222020000000000001",
            requested_amount=10,
            purpose="gambling",
            surprise="x",
        )
    fields = refused.value.fields
    assert set(fields) == {
        "id_number", "phone", "bank_card_number", "requested_amount", "purpose", "surprise",
    }  # fmt: skip
    assert refused.value.code == "application_invalid"


def test_identity_must_be_the_registered_customers(customer):
    someone_else = make_id_number(birth_date=dt.date(1985, 1, 1), sequence=123)
    with pytest.raises(ValidationFailed) as refused:
        apply(customer, id_number=someone_else, name="李四")
    assert refused.value.code == "applicant_mismatch"
    assert set(refused.value.fields) == {"id_number", "name"}


def test_a_minor_is_refused_at_the_door(product):
    minor = consenting_customer(
        id_number=make_id_number(birth_date=dt.date(2008, 3, 3), sequence=11)
    )
    before = counts()
    with pytest.raises(ValidationFailed) as refused:
        apply(minor)
    assert (refused.value.code, list(refused.value.fields)) == ("under_age", ["id_number"])
    assert counts() == before


def test_staff_apply_on_behalf_only_with_the_permission(customer):
    clerk = Actor(kind="staff", id="clerk", permissions=frozenset())
    with pytest.raises(PermissionDenied):
        services.apply_for_credit(
            actor=clerk, customer_id=customer.public_id, data=application_body(customer)
        )
    agent = Actor(kind="staff", id="agent", permissions=frozenset({"origination.add_application"}))
    application = services.apply_for_credit(
        actor=agent, customer_id=customer.public_id, data=application_body(customer)
    )
    assert application.submitted_by == "staff:agent"
    with pytest.raises(NotFound):
        services.apply_for_credit(actor=agent, customer_id="cus_nobody", data={})


def test_a_returned_application_is_corrected_and_resubmitted_as_the_same_one(
    customer, initial_reviewer
):
    application = apply(customer, face_token="review-1")
    services.claim_application(actor=initial_reviewer, application_id=application.public_id)
    services.decide_application(
        actor=initial_reviewer,
        application_id=application.public_id,
        outcome="return",
        reason="income proof does not match",
        return_fields={"monthly_income": "Declare your current salary."},
    )
    borrower = Actor.borrower(customer.public_id)
    view = services.get_my_application(actor=borrower, application_id=application.public_id)
    assert view["state"] == "returned"
    assert view["return_fields"] == {"monthly_income": "Declare your current salary."}
    assert view["reasons"][0]["code"] == "manual_returned"

    again = services.resubmit_application(
        actor=borrower,
        application_id=application.public_id,
        data=application_body(customer, monthly_income="11000.00"),
    )
    assert again.public_id == application.public_id and again.attempt == 2
    assert again.state == "auto_approved" and again.return_fields == {}
    assert again.applicant["monthly_income_fen"] == 1_100_000
    assert states(again)[-4:] == [
        ("initial_review", "returned"),
        ("returned", "submitted"),
        ("submitted", "checks_running"),
        ("checks_running", "auto_approved"),
    ]
    # The same application for the velocity rules: one event, not two.
    assert ApplicationEvent.objects.filter(subject=application.public_id).count() == 1
    with pytest.raises(Conflict) as refused:
        services.resubmit_application(actor=borrower, application_id=application.public_id, data={})
    assert refused.value.code == "not_returned"


def test_withdrawal_by_the_borrower_only_while_in_progress(customer):
    application = apply(customer, face_token="review-1")
    other = Actor.borrower("cus_other")
    with pytest.raises(NotFound):
        services.withdraw_application(actor=other, application_id=application.public_id)
    withdrawn = services.withdraw_application(
        actor=Actor.borrower(customer.public_id),
        application_id=application.public_id,
        reason="found cheaper",
    )
    assert withdrawn.state == "withdrawn"
    assert states(withdrawn)[-1] == ("initial_review", "withdrawn")
    with pytest.raises(Conflict) as refused:
        services.withdraw_application(
            actor=Actor.borrower(customer.public_id), application_id=application.public_id
        )
    assert refused.value.code == "not_withdrawable"
    assert AuditRecord.objects.filter(action="application.withdrawn").count() == 1


def test_the_offer_exists_only_once_approved(customer):
    application = apply(customer, face_token="review-1")
    with pytest.raises(Conflict) as refused:
        services.get_offer(
            actor=Actor.borrower(customer.public_id), application_id=application.public_id
        )
    assert refused.value.code == "no_offer"
