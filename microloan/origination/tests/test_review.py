"""Two-stage manual review: queues with SLA flags, claims and leases, decisions."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from microloan.audit.models import AuditRecord
from microloan.kernel import events
from microloan.kernel.actors import Actor
from microloan.kernel.errors import (
    BusinessRuleViolation,
    Conflict,
    PermissionDenied,
    ValidationFailed,
)
from microloan.lending.models import CreditLine
from microloan.origination import services
from microloan.origination.events import ApplicationDecided
from microloan.origination.models import Application

from .conftest import application_body, consenting_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(customer):
    """An application waiting for the initial review (face match unsure)."""
    return services.apply_for_credit(
        actor=Actor.borrower(customer.public_id),
        data=application_body(customer, face_token="review-1"),
    )


def claim(actor, application):
    return services.claim_application(actor=actor, application_id=application.public_id)


def decide(actor, application, **kwargs):
    kwargs.setdefault("reason", "checked")
    return services.decide_application(actor=actor, application_id=application.public_id, **kwargs)


def passed_to_final(case, initial_reviewer):
    claim(initial_reviewer, case)
    return decide(initial_reviewer, case, outcome="pass", reason="documents consistent")


def test_two_stage_approval_opens_the_line_with_the_reviewers_terms(
    case, initial_reviewer, final_reviewer
):
    seen = []
    events.subscribe(ApplicationDecided, capture := lambda event: seen.append(event.payload()))
    try:
        application = passed_to_final(case, initial_reviewer)
        assert application.state == "final_review" and application.claimed_by == ""
        assert application.initial_reviewer == initial_reviewer.id
        claim(final_reviewer, application)
        approved = decide(
            final_reviewer,
            application,
            outcome="approve",
            reason="income verified",
            limit=1_500_000,
            daily_rate="0.0004",
            terms_months=[5, 10],
        )
    finally:
        events.unsubscribe(ApplicationDecided, capture)
    assert approved.state == "approved"
    assert (approved.final_reviewer, approved.final_reason) == (
        final_reviewer.id,
        "income verified",
    )
    line = CreditLine.objects.get(public_id=approved.line_id)
    assert (line.limit, line.daily_rate) == (1_500_000, Decimal("0.0004"))
    assert {row["term_months"] for row in approved.term_options} == {5, 10}
    assert seen[0]["outcome"] == "approved" and seen[0]["limit"] == 1_500_000
    assert seen[0]["reasons"] == ("manual_approved",)
    assert [t.to_state for t in approved.transitions.order_by("id")][-2:] == [
        "final_review",
        "approved",
    ]
    assert AuditRecord.objects.filter(action="application.approved").count() == 1


def test_initial_reviewer_can_reject(case, initial_reviewer):
    claim(initial_reviewer, case)
    rejected = decide(
        initial_reviewer, case, outcome="reject", reason="forged", reason_codes=["forged_document"]
    )
    assert rejected.state == "rejected"
    assert rejected.decision_reasons == ["manual_rejected", "forged_document"]


def test_the_final_reviewer_is_never_the_initial_reviewer(case, both_roles):
    claim(both_roles, case)
    decide(both_roles, case, outcome="pass")
    with pytest.raises(BusinessRuleViolation) as refused:
        claim(both_roles, case)
    assert refused.value.code == "same_reviewer"


def test_a_reviewer_without_the_stage_role_is_refused(case, final_reviewer, initial_reviewer):
    with pytest.raises(PermissionDenied):
        claim(final_reviewer, case)  # initial stage needs the initial role
    passed_to_final(case, initial_reviewer)
    other_initial = Actor(
        kind="staff", id="init2", permissions=frozenset(initial_reviewer.permissions)
    )
    with pytest.raises(PermissionDenied):
        claim(other_initial, case)


def test_one_claim_at_a_time_until_release_or_lease_expiry(case, initial_reviewer):
    other = Actor(kind="staff", id="init2", permissions=frozenset(initial_reviewer.permissions))
    claim(initial_reviewer, case)
    with pytest.raises(Conflict) as taken:
        claim(other, case)
    assert taken.value.code == "claimed_by_other"
    with pytest.raises(Conflict) as not_theirs:
        decide(other, case, outcome="reject")
    assert not_theirs.value.code == "not_claimed"
    with pytest.raises(Conflict):
        services.release_application(actor=other, application_id=case.public_id)
    services.release_application(actor=initial_reviewer, application_id=case.public_id)
    assert claim(other, case).claimed_by == "init2"
    # The lease runs out: the first reviewer may take it back.
    Application.objects.filter(pk=case.pk).update(
        claim_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert claim(initial_reviewer, case).claimed_by == initial_reviewer.id
    with pytest.raises(Conflict) as expired:
        Application.objects.filter(pk=case.pk).update(
            claim_expires_at=timezone.now() - dt.timedelta(seconds=1)
        )
        decide(initial_reviewer, case, outcome="reject")
    assert expired.value.code == "not_claimed"


def test_a_decision_needs_a_reason_and_a_valid_outcome(case, initial_reviewer):
    claim(initial_reviewer, case)
    with pytest.raises(ValidationFailed) as refused:
        decide(initial_reviewer, case, outcome="approve", reason="  ")
    assert set(refused.value.fields) == {"outcome", "reason"}
    with pytest.raises(ValidationFailed) as no_fields:
        decide(initial_reviewer, case, outcome="return", return_fields={})
    assert set(no_fields.value.fields) == {"return_fields"}
    assert Application.objects.get(pk=case.pk).state == "initial_review"


@pytest.mark.parametrize(
    ("terms", "fields"),
    [
        ({"limit": 20_000_001, "daily_rate": "0.0003"}, {"limit"}),  # above product maximum
        ({"limit": 1_000_000, "daily_rate": "0.00031"}, {"daily_rate"}),  # not a grid rate
        ({"limit": 1_000_000, "daily_rate": "0.0006"}, {"daily_rate"}),  # above the range
        ({"limit": 1_000_000, "daily_rate": "abc"}, {"daily_rate"}),
        ({"limit": 1_000_000, "daily_rate": "０.０００３"}, {"daily_rate"}),  # full-width digits
        ({"limit": 1_000_000, "daily_rate": "0.000300001"}, {"daily_rate"}),  # 9 decimals
        ({"limit": 0, "daily_rate": "0.0003", "terms_months": [7]}, {"limit", "terms_months"}),
    ],
)
def test_final_approval_terms_are_checked(case, initial_reviewer, final_reviewer, terms, fields):
    passed_to_final(case, initial_reviewer)
    claim(final_reviewer, case)
    with pytest.raises(ValidationFailed) as refused:
        decide(final_reviewer, case, outcome="approve", **terms)
    assert set(refused.value.fields) == fields
    assert CreditLine.objects.count() == 0


def test_final_limit_within_the_regulatory_total(case, initial_reviewer, final_reviewer):
    # The customer already holds 195,000 yuan of lines elsewhere in the platform.
    version_id = case.product_version
    from microloan.lending.services.lines import open_credit_line

    open_credit_line(
        actor=Actor.system("t"),
        customer_id=case.customer_id,
        product_version_id=version_id,
        limit=19_500_000,
        daily_rate=Decimal("0.0003"),
    )
    passed_to_final(case, initial_reviewer)
    claim(final_reviewer, case)
    with pytest.raises(ValidationFailed) as refused:
        decide(final_reviewer, case, outcome="approve", limit=600_000, daily_rate="0.0003")
    assert "limit" in refused.value.fields
    approved = decide(final_reviewer, case, outcome="approve", limit=500_000, daily_rate="0.0003")
    assert approved.granted_limit == 500_000


def test_queues_are_ordered_by_age_with_sla_flags(product, initial_reviewer):
    now = timezone.now()
    made = []
    for hours_ago in (30, 22, 1):
        customer = consenting_customer()
        application = services.apply_for_credit(
            actor=Actor.borrower(customer.public_id),
            data=application_body(customer, face_token="review-1"),
        )
        Application.objects.filter(pk=application.pk).update(
            submitted_at=now - dt.timedelta(hours=hours_ago),
            sla_due_at=now - dt.timedelta(hours=hours_ago) + dt.timedelta(hours=24),
        )
        made.append(application.public_id)
    rows = services.with_sla_flags(
        services.review_queue(actor=initial_reviewer, stage="initial"), now=now
    )
    assert [row.public_id for row in rows] == made
    assert [row.sla for row in rows] == ["overdue", "due_soon", "on_time"]
    assert list(services.review_queue(actor=initial_reviewer, stage="final")) == []
    with pytest.raises(ValidationFailed):
        services.review_queue(actor=initial_reviewer, stage="other")


def test_stale_applications_expire_at_end_of_day(case, today):
    assert services.expire_stale_applications(actor=Actor.system("eod"), business_date=today) == 0
    later = today + dt.timedelta(days=7)
    assert services.expire_stale_applications(actor=Actor.system("eod"), business_date=later) == 1
    expired = Application.objects.get(pk=case.pk)
    assert expired.state == "expired"
    assert expired.transitions.order_by("-id").first().reasons == ["review_expired"]
    # Idempotent: nothing left to expire.
    assert services.expire_stale_applications(actor=Actor.system("eod"), business_date=later) == 0
    assert AuditRecord.objects.filter(action="application.expired").count() == 1


def test_the_expiry_is_an_end_of_day_hook():
    from microloan.batch.registry import hooks

    step = next(h for h in hooks("early_warning") if h.name == "origination.expire_applications")
    assert step.partitioned is False
