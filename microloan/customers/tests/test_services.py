"""Customer services: registration, changes, consents, look-ups and reveals."""

import json

import pytest
from django.db import transaction

from microloan.audit.models import AuditRecord
from microloan.customers import services
from microloan.customers.models import (
    AppendOnlyViolation,
    Consent,
    Customer,
    PersonalDataAccess,
)
from microloan.customers.testing import customer_data, make_customer, phone_code
from microloan.customers.validation import CustomerDataInvalid
from microloan.kernel.actors import Actor
from microloan.kernel.errors import (
    BusinessRuleViolation,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)

from .conftest import staff_actor

pytestmark = pytest.mark.django_db

CLERK = staff_actor(services.ADD_CUSTOMER, services.VIEW_CUSTOMER, services.CHANGE_CUSTOMER)
REVIEWER = staff_actor(services.VIEW_CUSTOMER, services.REVEAL_PERSONAL_DATA, username="rev01")
VIEWER = staff_actor(services.VIEW_CUSTOMER, username="cs01")
AUDITOR = staff_actor(services.VIEW_ACCESS_LOG, username="aud01")


def _audit(action):
    return list(AuditRecord.objects.filter(action=action).order_by("seq"))


# --- registration ----------------------------------------------------------------------------


def test_registration_stores_the_customer_and_consents_and_audits_masked_values():
    data = customer_data(id_number="11010519491231002x", phone="+86 138 0013 8000")
    customer = services.register_customer(actor=CLERK, data=data)
    stored = Customer.objects.get(public_id=customer.public_id)
    assert stored.public_id.startswith("cus_")
    assert (stored.id_number, stored.phone) == ("11010519491231002X", "13800138000")
    assert (stored.gender, str(stored.birth_date)) == ("female", "1949-12-31")
    assert stored.monthly_income == 1_200_000
    purposes = set(services.active_consents(stored).values_list("purpose", flat=True))
    assert purposes == {"personal_information", "sensitive_financial_account"}
    [registered] = _audit("customer.registered")
    assert registered.actor_id == "clerk01"
    after = registered.after
    assert after["id_number"] == "110***********002X"
    assert after["phone"] == "138****8000"
    assert after["name"] == "张**"
    trail = json.dumps([r.after for r in AuditRecord.objects.all()], ensure_ascii=False)
    for secret in ("11010519491231002X", "13800138000", data["bank_card_number"], "张三丰"):
        assert secret not in trail
    assert len(_audit("consent.granted")) == 2


def test_registration_needs_the_permission():
    with pytest.raises(PermissionDenied):
        services.register_customer(actor=VIEWER, data=customer_data())
    with pytest.raises(PermissionDenied):
        services.register_customer(actor=Actor.borrower("cus_x"), data=customer_data())
    assert not Customer.objects.exists()


def test_every_problem_at_once_and_nothing_stored():
    data = customer_data(name="", phone="1", bank_card_number="1234", id_expiry="2020-01-01")
    with pytest.raises(CustomerDataInvalid) as refused:
        services.register_customer(actor=CLERK, data=data)
    assert set(refused.value.fields) == {"name", "phone", "bank_card_number", "id_expiry"}
    assert not Customer.objects.exists() and not AuditRecord.objects.exists()


def test_a_registered_id_number_is_a_conflict_in_any_spelling():
    first = make_customer(id_number="11010519491231002X")
    again = customer_data(id_number="110105 19491231 002x")
    with pytest.raises(Conflict) as refused:
        services.register_customer(actor=CLERK, data=again)
    assert refused.value.code == "customer_exists" and refused.value.status == 409
    assert list(Customer.objects.all()) == [first]


def test_a_phone_in_use_is_a_conflict():
    make_customer(phone="13800138000")
    with pytest.raises(Conflict) as refused:
        services.register_customer(actor=CLERK, data=customer_data(phone="+8613800138000"))
    assert refused.value.code == "phone_in_use"


def test_self_registration_needs_the_registration_consents():
    with pytest.raises(CustomerDataInvalid) as refused:
        services.register_self(data=customer_data(consents=[]), code="123456")
    assert refused.value.problems["consents"].code == "consent_missing"
    assert not Customer.objects.exists()


def test_self_registration_issues_a_token_and_audits_as_the_borrower():
    data = customer_data()
    registration = services.register_self(
        data=data, code=phone_code(data["phone"]), client_ip="10.0.0.8"
    )
    customer = registration.customer
    assert registration.token.startswith("mlb_")
    [registered] = _audit("customer.registered")
    assert (registered.actor_kind, registered.actor_id) == ("borrower", customer.public_id)
    consent = services.require_consent(customer, "personal_information")
    assert (consent.ip_address, consent.channel) == ("10.0.0.8", "app")


# --- changes ---------------------------------------------------------------------------------


def test_a_borrower_updates_their_own_record_and_the_audit_is_masked():
    customer = make_customer(phone="13800138000")
    me = Actor.borrower(customer.public_id)
    updated = services.update_customer(
        actor=me,
        customer_id=customer.public_id,
        changes={"phone": "13900139000", "employer": "新"},
        phone_code=phone_code("13900139000", purpose="change_phone"),
    )
    assert Customer.objects.get(pk=customer.pk).phone == "13900139000"
    assert services.find_by_phone("13900139000").get() == updated
    assert not services.find_by_phone("13800138000").exists()
    [record] = _audit("customer.updated")
    assert record.before == {"phone": "138****8000", "employer": "北京某某科技有限公司"}
    assert record.after == {"phone": "139****9000", "employer": "新"}


def test_nobody_else_can_update_a_borrowers_record():
    customer, other = make_customer(), make_customer()
    with pytest.raises(NotFound):
        services.update_customer(
            actor=Actor.borrower(other.public_id),
            customer_id=customer.public_id,
            changes={"employer": "x"},
        )
    with pytest.raises(PermissionDenied):
        services.update_customer(
            actor=VIEWER, customer_id=customer.public_id, changes={"employer": "x"}
        )


def test_identity_cannot_change_and_nothing_is_stored_on_refusal():
    customer = make_customer()
    with pytest.raises(CustomerDataInvalid) as refused:
        services.update_customer(
            actor=CLERK,
            customer_id=customer.public_id,
            changes={"id_number": "11010519491231002X", "employer": "新公司"},
        )
    assert refused.value.problems["id_number"].code == "field_not_updatable"
    assert Customer.objects.get(pk=customer.pk).employer == "北京某某科技有限公司"


def test_an_unchanged_update_writes_nothing():
    customer = make_customer()
    before = AuditRecord.objects.count()
    services.update_customer(
        actor=CLERK, customer_id=customer.public_id, changes={"phone": customer.phone}
    )
    assert AuditRecord.objects.count() == before


def test_changing_to_another_customers_phone_is_a_conflict():
    make_customer(phone="13800138000")
    customer = make_customer()
    with pytest.raises(Conflict):
        services.update_customer(
            actor=CLERK, customer_id=customer.public_id, changes={"phone": "13800138000"}
        )


# --- consents --------------------------------------------------------------------------------


def test_withdrawn_consent_makes_require_consent_fail():
    customer = make_customer()
    me = Actor.borrower(customer.public_id)
    services.grant_consent(
        actor=me, customer_id=customer.public_id, purpose="credit_report_query", text_version="3"
    )
    assert services.require_consent(customer.public_id, "credit_report_query").text_version == "3"
    services.withdraw_consent(
        actor=me, customer_id=customer.public_id, purpose="credit_report_query"
    )
    with pytest.raises(BusinessRuleViolation) as refused:
        services.require_consent(customer, "credit_report_query")
    assert refused.value.code == "consent_missing"
    assert [r.after["purpose"] for r in _audit("consent.withdrawn")] == ["credit_report_query"]


def test_granting_again_is_a_no_op_and_a_new_text_supersedes():
    customer = make_customer()
    me = Actor.borrower(customer.public_id)

    def grant(version):
        return services.grant_consent(
            actor=me, customer_id=customer.public_id, purpose="e_contract", text_version=version
        )

    first = grant("1")
    assert grant("1") == first
    second = grant("2")
    first.refresh_from_db()
    assert first.end_reason == Consent.EndReason.SUPERSEDED and first.withdrawn_at
    assert services.require_consent(customer, "e_contract") == second


def test_withdrawing_twice_returns_the_withdrawn_consent_and_unknown_is_not_found():
    customer = make_customer()
    me = Actor.borrower(customer.public_id)
    withdrawn = services.withdraw_consent(
        actor=me, customer_id=customer.public_id, purpose="personal_information"
    )
    again = services.withdraw_consent(
        actor=me, customer_id=customer.public_id, purpose="personal_information"
    )
    assert again == withdrawn and again.end_reason == Consent.EndReason.WITHDRAWN
    with pytest.raises(NotFound) as refused:
        services.withdraw_consent(
            actor=me, customer_id=customer.public_id, purpose="sensitive_face"
        )
    assert refused.value.code == "consent_not_found"


@pytest.mark.parametrize(
    ("purpose", "version", "field"),
    [("marketing", "1", "purpose"), ("e_contract", "", "text_version")],
)
def test_bad_consent_input_is_refused(purpose, version, field):
    customer = make_customer()
    with pytest.raises(ValidationFailed) as refused:
        services.grant_consent(
            actor=Actor.borrower(customer.public_id),
            customer_id=customer.public_id,
            purpose=purpose,
            text_version=version,
        )
    assert field in refused.value.fields


# --- look-ups --------------------------------------------------------------------------------


def test_find_by_blind_index_in_any_spelling():
    customer = make_customer(phone="13800138000", id_number="11010519491231002X")
    card = customer.bank_card_number
    assert services.find_by_id_number("11010519491231002x") == customer
    assert list(services.find_by_phone("+86 138 0013 8000")) == [customer]
    assert list(services.find_by_card(" ".join([card[:4], card[4:]]))) == [customer]
    assert services.find_by_id_number("110105194912310021") is None


def test_search_needs_view_permission_and_matches_exactly():
    wanted = make_customer(phone="13800138000")
    make_customer()
    with pytest.raises(PermissionDenied):
        services.search_customers(actor=AUDITOR)
    assert list(services.search_customers(actor=VIEWER, phone="138-0013-8000")) == [wanted]
    assert services.search_customers(actor=VIEWER).count() == 2
    assert not services.search_customers(actor=VIEWER, phone="138001380").exists()


# --- reveal ----------------------------------------------------------------------------------


def test_reveal_returns_the_value_and_logs_the_access_and_the_audit():
    customer = make_customer(phone="13800138000")
    value = services.reveal_field(
        actor=REVIEWER, customer_id=customer.public_id, field="phone", reason="  call back  "
    )
    assert value == "13800138000"
    [access] = PersonalDataAccess.objects.all()
    assert (access.actor_id, access.field, access.reason) == ("rev01", "phone", "call back")
    [record] = _audit("customer.field_revealed")
    assert record.after == {"field": "phone", "reason": "call back"}
    assert "13800138000" not in json.dumps(record.after)
    assert [a.field for a in services.list_data_accesses(actor=AUDITOR)] == ["phone"]


@pytest.mark.parametrize(
    "actor",
    [VIEWER, Actor.borrower("cus_x"), staff_actor(services.REVEAL_PERSONAL_DATA[:-1] + "x")],
)
def test_reveal_without_permission_is_refused_and_not_logged(actor):
    customer = make_customer()
    with pytest.raises(PermissionDenied):
        services.reveal_field(
            actor=actor, customer_id=customer.public_id, field="phone", reason="why"
        )
    assert not PersonalDataAccess.objects.exists()


@pytest.mark.parametrize(
    ("field", "reason", "code", "bad"),
    [
        ("phone", "   ", "reason_required", {"reason"}),
        ("phone", "x" * 501, "reason_required", {"reason"}),
        ("monthly_income", "audit", "validation_failed", {"field"}),
    ],
)
def test_reveal_needs_a_reason_and_a_personal_field(field, reason, code, bad):
    customer = make_customer()
    with pytest.raises(ValidationFailed) as refused:
        services.reveal_field(
            actor=REVIEWER, customer_id=customer.public_id, field=field, reason=reason
        )
    assert refused.value.code == code and set(refused.value.fields) == bad
    assert not PersonalDataAccess.objects.exists()


def test_reveal_of_an_unknown_customer_is_not_found():
    with pytest.raises(NotFound):
        services.reveal_field(actor=REVIEWER, customer_id="cus_nope", field="name", reason="r")


def test_access_log_needs_its_permission_and_records_are_append_only():
    customer = make_customer()
    services.reveal_field(actor=REVIEWER, customer_id=customer.public_id, field="name", reason="r")
    with pytest.raises(PermissionDenied):
        services.list_data_accesses(actor=VIEWER)
    access = PersonalDataAccess.objects.get()
    access.reason = "edited"
    with pytest.raises(AppendOnlyViolation), transaction.atomic():
        access.save()
    with pytest.raises(AppendOnlyViolation):
        access.delete()
    with pytest.raises(AppendOnlyViolation):
        PersonalDataAccess.objects.update(reason="edited")
    with pytest.raises(AppendOnlyViolation):
        PersonalDataAccess.objects.all().delete()


def test_a_client_address_that_is_not_an_ip_is_not_stored():
    data = customer_data()
    registration = services.register_self(
        data=data, code=phone_code(data["phone"]), client_ip="unknown"
    )
    consent = services.require_consent(registration.customer, "personal_information")
    assert consent.ip_address is None
