"""PIPL art. 24: an applicant refused by the automated decision asks a person to review it."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from microloan.accounts.testing import bearer, make_borrower_token
from microloan.kernel.actors import Actor
from microloan.origination import services
from microloan.origination.models import Application

from .conftest import application_body, consenting_customer

pytestmark = [pytest.mark.django_db, pytest.mark.urls("microloan.origination.tests.urls")]
BASE = "/api/v1/origination/me/applications"
_keys = itertools.count(1)


def _refused_application(customer):
    application = services.apply_for_credit(
        actor=Actor.borrower(customer.public_id),
        data=application_body(customer, monthly_income=299_999),  # below the income floor
    )
    assert application.state == "auto_rejected"
    return application


def _ask(client, customer, application_id, reason="my income rose last month"):
    return client.post_json(
        f"{BASE}/{application_id}/human-review",
        {"reason": reason},
        **bearer(make_borrower_token(customer.public_id)),
        HTTP_IDEMPOTENCY_KEY=f"hr{next(_keys)}",
    )


def test_a_refused_applicant_sends_the_case_to_a_person(client, customer, initial_reviewer):
    application = _refused_application(customer)
    response = _ask(client, customer, application.public_id)
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "initial_review"
    application.refresh_from_db()
    assert application.decided_at is None and application.sla_due_at is not None
    last = application.transitions.last()
    assert (last.from_state, last.to_state) == ("auto_rejected", "initial_review")
    assert last.reasons[0] == "human_review_requested"
    assert "admission_income_below_floor" in last.reasons
    queue = services.review_queue(actor=initial_reviewer, stage="initial")
    assert application in queue


@pytest.mark.parametrize(
    ("setup", "status", "code"),
    [
        ("twice", 409, "not_automatically_refused"),
        ("late", 409, "review_window_closed"),
        ("other_customer", 404, "application_not_found"),
        ("no_reason", 422, None),
    ],
)
def test_refusals_change_nothing(client, customer, product, setup, status, code):
    application = _refused_application(customer)
    asker, reason = customer, "please look again"
    if setup == "twice":
        assert _ask(client, customer, application.public_id).status_code == 200
    elif setup == "late":
        Application.objects.filter(pk=application.pk).update(
            decided_at=timezone.now() - dt.timedelta(days=31)
        )
    elif setup == "other_customer":
        asker = consenting_customer()
    elif setup == "no_reason":
        reason = ""
    before = Application.objects.get(pk=application.pk)
    count = before.transitions.count()
    response = _ask(client, asker, application.public_id, reason=reason)
    assert response.status_code == status, response.content
    if code:
        assert response.json()["code"] == code
    after = Application.objects.get(pk=application.pk)
    assert (after.state, after.transitions.count()) == (before.state, count)


def test_staff_cannot_ask_on_the_applicants_behalf(customer, initial_reviewer):
    application = _refused_application(customer)
    with pytest.raises(Exception) as refusal:
        services.request_human_review(
            actor=initial_reviewer, application_id=application.public_id, reason="x"
        )
    assert getattr(refusal.value, "code", "") == "applicant_only"
