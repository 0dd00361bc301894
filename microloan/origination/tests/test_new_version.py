"""A new product version never strands an application in review (docs/review.md): decided on
the version applied under while it is sold, else on the product's active version."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from microloan.accounts.roles import FINAL_REVIEWER, PRODUCT_MANAGER, RISK_ANALYST
from microloan.accounts.testing import make_staff
from microloan.audit.models import AuditRecord
from microloan.kernel.actors import Actor
from microloan.kernel.errors import BusinessRuleViolation
from microloan.lending.models import CreditLine
from microloan.origination import services
from microloan.products.models import ProductVersion
from microloan.products.services import approve_version, create_version, submit_version

from .conftest import PRODUCT

pytestmark = pytest.mark.django_db


def approve_new_version(**params) -> ProductVersion:
    """v2 by a product manager, approved by a risk analyst: v1 is retired."""
    maker = Actor.from_user(make_staff(role=PRODUCT_MANAGER))
    checker = Actor.from_user(make_staff(role=RISK_ANALYST))
    draft = create_version(actor=maker, product_code=PRODUCT, params=params)
    submit_version(actor=maker, version_id=draft.public_id)
    return approve_version(actor=checker, version_id=draft.public_id, reason="new terms")


def test_while_the_applied_version_is_sold_it_is_the_one_decided_on(in_final, product):
    chosen = services.decision_product(PRODUCT, in_final.product_version)
    assert chosen.version_id == product.public_id and not chosen.changed


def test_after_a_new_version_the_final_approval_opens_the_line_on_it(
    in_final, product, final_reviewer
):
    applied = in_final.product_version
    v2 = approve_new_version(allowed_terms=[5, 10, 12])
    chosen = services.decision_product(PRODUCT, applied)
    assert (chosen.version_id, chosen.version, chosen.applied_version) == (v2.public_id, 2, 1)
    services.claim_application(actor=final_reviewer, application_id=in_final.public_id)
    approved = services.decide_application(
        actor=final_reviewer,
        application_id=in_final.public_id,
        outcome="approve",
        reason="income verified",
        limit=800_000,
        daily_rate="0.0004",
        terms_months=[12],  # only v2 allows 12 months
    )
    assert approved.state == "approved" and approved.product_version == v2.public_id
    line = CreditLine.objects.select_related("product_version").get(public_id=approved.line_id)
    assert line.product_version.public_id == v2.public_id
    assert {row["term_months"] for row in approved.term_options} == {12}
    offer = services.get_offer(
        actor=Actor.borrower(approved.customer_id), application_id=approved.public_id
    )
    assert {row["term_months"] for row in offer["term_options"]} == {12}
    audit = AuditRecord.objects.filter(action="application.approved").get()
    assert audit.after["applied_product_version"] == applied


def test_a_product_with_no_active_version_refuses_approval_but_allows_rejection(
    in_final, product, final_reviewer
):
    ProductVersion.objects.filter(pk=product.pk).update(status="retired")
    services.claim_application(actor=final_reviewer, application_id=in_final.public_id)
    with pytest.raises(BusinessRuleViolation) as refused:
        services.decide_application(
            actor=final_reviewer,
            application_id=in_final.public_id,
            outcome="approve",
            reason="ok",
            limit=800_000,
            daily_rate="0.0004",
        )
    assert refused.value.code == "product_not_offered"
    rejected = services.decide_application(
        actor=final_reviewer, application_id=in_final.public_id, outcome="reject", reason="gone"
    )
    assert rejected.state == "rejected" and rejected.final_reason == "gone"


def _final_page_client() -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_staff(role=FINAL_REVIEWER))
    return client


def test_the_page_shows_the_new_versions_terms_and_approves_on_it(in_final, product):
    v2 = approve_new_version(allowed_terms=[5, 10, 12])
    client = _final_page_client()
    detail = reverse("origination:application", args=[in_final.public_id])
    client.post(reverse("origination:claim", args=[in_final.public_id]))
    page = client.get(detail)
    body = page.content.decode()
    assert "Decided on version 2" in body and "applied under version 1" in body
    assert "5, 10, 12" in body
    client.post(
        reverse("origination:decide", args=[in_final.public_id]),
        {"outcome": "approve", "reason": "fine", "limit_yuan": "8000", "daily_rate": "0.0004"},
    )
    in_final.refresh_from_db()
    assert in_final.state == "approved" and in_final.product_version == v2.public_id


def test_a_refused_decision_keeps_the_typed_reason(in_final, product):
    client = _final_page_client()
    client.post(reverse("origination:claim", args=[in_final.public_id]))
    page = client.post(
        reverse("origination:decide", args=[in_final.public_id]),
        {
            "outcome": "approve",
            "reason": "salary slips checked twice",
            "limit_yuan": "999999",
            "daily_rate": "0.0004",
        },
    )
    body = page.content.decode()
    assert page.status_code == 422 and "salary slips checked twice" in body
    assert "999999" in body
    in_final.refresh_from_db()
    assert in_final.state == "final_review" and not in_final.line_id
