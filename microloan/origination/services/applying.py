"""Applying for a credit line, resubmitting a returned application, withdrawing one.

``apply_for_credit`` runs, in order:

1. checks of the input, every problem at once (``intake``), the consents needed, the minimum
   age (a minor cannot contract), a device already at its velocity limit and a second open
   application — all refused with a 4xx before anything is written;
2. admission (``admission.evaluate_admission`` on the active policy) and the identity
   provider's answers, outside any transaction: the provider is a remote call;
3. one transaction: the risk chain stored (``risk.services.assess_application``: identity →
   fraud → scorecard → decision → risk level), the application with its transitions
   (submitted → checks_running → outcome), the consents given with it, the audit records
   and, by outcome:
   auto_approve → a credit line opened (``lending.services.lines.open_credit_line``) and
   state ``auto_approved``; auto_reject → ``auto_rejected`` with the reasons; manual_review →
   ``initial_review``, queued with its SLA. A final decision publishes ``application.decided``.

A returned application (an initial reviewer found its details incomplete or inconsistent)
is corrected and sent again as the same application (``resubmit_application``): its attempt
number goes up and the checks run again on the corrected data.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microloan.customers.interface import Applicant, applicant
from microloan.customers.services import grant_consent
from microloan.customers.validation import Problem
from microloan.kernel.actors import Actor
from microloan.kernel.errors import Conflict, NotFound, PermissionDenied
from microloan.kernel.ids import new_public_id
from microloan.kernel.services import get_business_date
from microloan.kernel.sql import insert_many, select_values
from microloan.lending.interface import open_credit_line
from microloan.products.interface import version_terms
from microloan.risk.decision import AUTO_APPROVE, AUTO_REJECT
from microloan.risk.interface import device_application_counts
from microloan.risk.services import RiskAssessment, active_ruleset, assess_application
from microloan.risk.services.blacklist import blacklisted_kinds
from microloan.risk.services.identity import ask_identity_provider

from ..admission import AdmissionFacts, AdmissionResult, age_on, evaluate_admission
from ..models import (
    APPLICATION_ID_PREFIX,
    OPEN_STATES,
    Application,
    ApplicationState,
    ApplicationTransition,
)
from .common import (
    LINE_OPENING_ACTOR,
    PERM_APPLY_ON_BEHALF,
    SYSTEM_ACTOR,
    audit_application,
    clean_reason,
    delinquent_loans,
    get_application,
    open_credit,
    publish_decided,
    transition,
)
from .intake import ApplicationInvalid, CleanApplication, validate_application
from .offers import term_options
from .policies import active_policy

S = ApplicationState
VELOCITY_WINDOWS = {
    "1h": dt.timedelta(hours=1),
    "24h": dt.timedelta(hours=24),
    "30d": dt.timedelta(days=30),
}


def _customer(actor: Actor, customer_id: str) -> Applicant:
    """The applicant: a borrower applies for themself; staff on a customer's behalf."""
    if actor.kind == "borrower":
        customer_id = actor.id
    else:
        actor.require_staff()
        actor.require(PERM_APPLY_ON_BEHALF)
    customer = applicant(str(customer_id or "")[:60])
    if customer is None:
        raise NotFound(
            _("No such customer."),
            code="customer_not_found",
            fields={"customer_id": str(customer_id or "")[:60]},
        )
    return customer


def _clean_ip(ip: str | None) -> str:
    """The client address if it is one ("unknown", a proxy's garbage: none)."""
    try:
        return str(ipaddress.ip_address((ip or "").strip()))
    except ValueError:
        return ""


def _open_application_conflict(customer_id: str) -> Conflict:
    return Conflict(
        _("The customer already has an application in progress."),
        code="application_open",
        fields={"customer_id": customer_id},
    )


def _refuse_device_at_velocity_limit(device_id: str, now: dt.datetime) -> None:
    """A device that has already sent as many applications as the risk rule set allows in a
    window is refused at the door (nothing recorded, so a device farm cannot even feed the
    counters). The rule set's ``velocity_device`` maxima are the limits."""
    if not device_id:
        return
    rule = active_ruleset().thresholds["fraud_rules"].get("velocity_device") or {}
    if not rule.get("enabled"):
        return
    windows = list(VELOCITY_WINDOWS.items())
    counts = device_application_counts(device_id, [length for _window, length in windows], now)
    for (window, _length), seen in zip(windows, counts, strict=True):
        if seen >= rule[f"max_{window}"]:
            raise ApplicationInvalid(
                {
                    "device_id": Problem(
                        "device_velocity_limit",
                        _("Too many applications from this device; try again later."),
                    )
                }
            )


def _features(
    customer: Applicant, clean: CleanApplication, today: dt.date, credit: tuple[int, int, int]
) -> dict[str, Any]:
    """The scorecard's characteristics (absent = missing). Utilisation of a customer with no
    line is 0 (no debt with us); device tenure is known only for the device the customer
    registered with (days since registration)."""
    limits, used, lines_ever = credit
    features: dict[str, Any] = {
        "age": age_on(clean.resident.birth_date, today),
        "monthly_income_fen": clean.declared["monthly_income_fen"],
        "education": clean.declared["education"],
        "marital_status": clean.declared["marital_status"],
        "channel": clean.channel,
        "credit_utilisation": round(used / limits, 4) if limits else 0.0,
        # No line ever: no loan ever, so no query.
        "prior_delinquencies": delinquent_loans(customer.customer_id) if lines_ever else 0,
    }
    if clean.declared["years_employed"] is not None:
        features["years_employed"] = clean.declared["years_employed"]
    if clean.device_id and clean.device_id == customer.device_id:
        registered_on = timezone.localdate(customer.created_at)
        features["device_tenure_days"] = max((today - registered_on).days, 0)
    return features


@dataclass(frozen=True)
class _Checked:
    clean: CleanApplication
    admission: AdmissionResult
    policy_version: int
    thresholds: dict[str, int]
    risk_request: dict[str, Any]  # assess_application's arguments, the provider's answers in
    assessment: RiskAssessment | None = None

    def assessed(self) -> _Checked:
        """With the risk chain run and stored: inside the transaction that keeps the
        application, so the two commit together (one commit, not two)."""
        return replace(self, assessment=assess_application(**self.risk_request))


def _run_checks(
    *,
    actor: Actor,
    customer: Applicant,
    data: Any,
    subject: str,
    ip: str,
    now: dt.datetime,
    today: dt.date,
    resubmitting: Application | None,
    input_problems: Mapping[str, Any] | None = None,
) -> _Checked:
    """Everything before the write: refusals at the door, admission, and the identity
    provider's answers (a remote call: never inside a transaction). The risk chain runs
    later, in the transaction (``_Checked.assessed``)."""
    clean = validate_application(
        data, customer=customer, today=today, input_problems=input_problems
    )
    if clean.consents and actor.kind == "staff":
        actor.require("customers.add_consent")  # staff record consents given on paper
    policy = active_policy()
    thresholds = policy.thresholds
    if age_on(clean.resident.birth_date, today) < thresholds["min_age"]:
        raise ApplicationInvalid(
            {
                "id_number": Problem(
                    "under_age",
                    _("Applicants must be at least %(age)d years old.")
                    % {"age": thresholds["min_age"]},
                )
            }
        )
    others = select_values(  # prepared SQL: every application asks
        Application,
        ["id"],
        f'"customer_id" = %s AND "state" IN ({", ".join(["%s"] * len(OPEN_STATES))})',
        [customer.customer_id, *map(str, OPEN_STATES)],
        limit=2,
    )
    if any(resubmitting is None or pk != resubmitting.pk for (pk,) in others):
        raise _open_application_conflict(customer.customer_id)
    _refuse_device_at_velocity_limit(clean.device_id, now)
    credit = open_credit(customer.customer_id)
    keys = {
        "id": customer.id_number_index,
        "phone": customer.phone_index,
        "card": customer.bank_card_index,
        "device": clean.device_id,
        "ip": ip,
    }
    admission = evaluate_admission(
        AdmissionFacts(
            birth_date=clean.resident.birth_date,
            monthly_income_fen=clean.declared["monthly_income_fen"],
            id_expiry=customer.id_expiry,
            blacklisted=blacklisted_kinds(keys, at=now),
            existing_credit_fen=credit[0],
        ),
        thresholds,
        on=today,
    )
    risk_request = dict(
        answers=ask_identity_provider(
            name=clean.name, id_number=clean.id_number, face_token=clean.face_token
        ),
        subject=subject,
        name=clean.name,
        id_number=clean.id_number,
        phone=clean.phone,
        card_number=clean.bank_card_number,
        features=_features(customer, clean, today, credit),
        terms=clean.terms,
        existing_credit_fen=credit[0],
        admission_failures=admission.decision_failures(),
        device_id=clean.device_id,
        ip=ip,
        face_token=clean.face_token,
        customer_ref=customer.customer_id,
        at=now,
    )
    return _Checked(clean, admission, policy.version, thresholds, risk_request)


def _fill(application: Application, checked: _Checked, *, ip: str) -> None:
    clean, assessment = checked.clean, checked.assessment
    application.product_code = clean.product.code
    application.product_version = clean.product.version_id
    application.requested_amount = clean.requested_amount
    application.purpose = clean.purpose
    application.applicant = dict(clean.declared)
    application.admission = checked.admission.as_dict()
    application.checks = assessment.as_dict()
    application.risk_level = assessment.risk_level
    application.grade = assessment.score.grade
    application.device_id = clean.device_id
    application.ip = ip
    application.channel = clean.channel
    application.policy_version = checked.policy_version
    application.return_fields = {}


def _decide_by_machine(
    application: Application, checked: _Checked, *, now: dt.datetime
) -> ApplicationTransition:
    decision = checked.assessment.decision
    application.decision_reasons = list(decision.reasons)
    if decision.outcome == AUTO_REJECT:
        application.decided_at = now
        return transition(
            application, S.AUTO_REJECTED, actor=SYSTEM_ACTOR, reasons=decision.reasons
        )
    limit = min(decision.limit_fen, application.requested_amount) if decision.limit_fen else None
    application.proposed_limit = limit
    application.daily_rate = decision.daily_rate
    if decision.outcome == AUTO_APPROVE:
        application.decided_at = now
        return transition(application, S.AUTO_APPROVED, actor=SYSTEM_ACTOR)
    hours = checked.thresholds["initial_review_sla_hours"]
    application.sla_due_at = now + dt.timedelta(hours=hours)
    return transition(application, S.INITIAL_REVIEW, actor=SYSTEM_ACTOR, reasons=decision.reasons)


def grant_line(
    application: Application,
    *,
    limit: int,
    daily_rate,
    allowed_terms=None,
    terms=None,
    opened_on: dt.date | None = None,
) -> None:
    """Open the approved line and keep its offer (limit, rate, APR per method × term);
    ``terms`` (the product version's) and ``opened_on`` (the business date) when the caller
    has them already."""
    if terms is None:
        terms = version_terms(application.product_version)
    grade = application.grade if application.grade in terms.grade_rates else ""
    line = open_credit_line(
        actor=LINE_OPENING_ACTOR,
        customer_id=application.customer_id,
        product_version_id=application.product_version,
        limit=limit,
        daily_rate=daily_rate,
        grade=grade,
        opened_on=opened_on,
    )
    apr, options = term_options(terms, daily_rate, allowed_terms)
    application.line_id = line.public_id
    application.granted_limit = limit
    application.daily_rate = daily_rate
    application.apr = apr
    application.term_options = options


def _persist(
    actor: Actor,
    application: Application,
    steps: list[ApplicationTransition],
    checked: _Checked,
    *,
    ip: str,
    action: str,
    before: dict | None,
) -> None:
    """Save the application, its transitions, consents and audit rows; open the line."""
    customer_id = application.customer_id
    for purpose, version in checked.clean.consents:
        grant_consent(
            actor=actor,
            customer_id=customer_id,
            purpose=purpose,
            text_version=version,
            channel=checked.clean.channel,
            client_ip=ip or None,
        )
    if application.state == S.AUTO_APPROVED:
        grant_line(
            application,
            limit=application.proposed_limit,
            daily_rate=application.daily_rate,
            terms=checked.clean.terms,
            opened_on=application.submitted_on,
        )
    try:
        # No savepoint of its own: the IntegrityError aborts this whole use case, whose
        # atomic block (a savepoint when nested) rolls back.
        application.save()
    except IntegrityError:  # lost a race on the one-open-application index
        raise _open_application_conflict(customer_id) from None
    for step in steps:
        step.application = application
    insert_many(steps)
    audit_application(
        actor,
        action,
        application,
        before,
        transitions=[f"{s.from_state or '-'}>{s.to_state}" for s in steps],
        reasons=application.decision_reasons,
        customer_id=customer_id,
        line_id=application.line_id,
        limit=application.granted_limit or application.proposed_limit,
    )
    if application.state in (S.AUTO_APPROVED, S.AUTO_REJECTED):
        publish_decided(application)


def apply_for_credit(
    *,
    actor: Actor,
    data: Any,
    customer_id: str = "",
    ip: str = "",
    input_problems: Mapping[str, Any] | None = None,
) -> Application:
    """Apply for a credit line (see the module doc). A borrower applies for themself; staff
    with ``origination.add_application`` pass ``customer_id``. ``data``: product_code,
    requested_amount (fen), purpose, name, id_number, phone, bank_card_number, optionally
    monthly_income / employer / years_employed / education / marital_status (default: as
    registered), device_id, channel, face_token, consents ``[{purpose, text_version}]``.

    Refusals: 422 ``ApplicationInvalid`` (every field at once: ``invalid_id_number``,
    ``id_region_unknown``, ``invalid_birth_date``, ``invalid_phone``, ``invalid_card``,
    ``applicant_mismatch``, ``consent_missing``…), 422 ``under_age``, 422
    ``device_velocity_limit``, 409 ``application_open``. Nothing is stored on a refusal."""
    customer = _customer(actor, customer_id)
    now, today = timezone.now(), get_business_date()
    ip = _clean_ip(ip)
    public_id = new_public_id(APPLICATION_ID_PREFIX)
    checked = _run_checks(
        actor=actor,
        customer=customer,
        data=data,
        subject=public_id,
        ip=ip,
        now=now,
        today=today,
        resubmitting=None,
        input_problems=input_problems,
    )
    application = Application(
        public_id=public_id,
        customer_id=customer.customer_id,
        state="",
        submitted_at=now,
        submitted_on=today,
        submitted_by=actor.label[:170],
    )
    with transaction.atomic():
        checked = checked.assessed()
        _fill(application, checked, ip=ip)
        steps = [
            transition(application, S.SUBMITTED, actor=actor, at=now),
            transition(application, S.CHECKS_RUNNING, actor=SYSTEM_ACTOR, at=now),
            _decide_by_machine(application, checked, now=now),
        ]
        _persist(
            actor, application, steps, checked, ip=ip, action="application.submitted", before=None
        )
    return application


def resubmit_application(
    *,
    actor: Actor,
    application_id: str,
    data: Any,
    ip: str = "",
    input_problems: Mapping[str, Any] | None = None,
) -> Application:
    """Send a returned application again with corrected data: the same application, a new
    attempt, every check run again. Only from ``returned`` (else 409 ``not_returned``)."""
    found = get_application(actor, application_id)
    customer = _customer(actor, found.customer_id)
    if found.state != S.RETURNED:
        raise _not_returned(found)
    now, today = timezone.now(), get_business_date()
    ip = _clean_ip(ip)
    checked = _run_checks(
        actor=actor,
        customer=customer,
        data=data,
        subject=found.public_id,  # the same application: velocity counts it once
        ip=ip,
        now=now,
        today=today,
        resubmitting=found,
        input_problems=input_problems,
    )
    with transaction.atomic():
        application = get_application(actor, application_id, lock=True)
        if application.state != S.RETURNED:
            raise _not_returned(application)
        checked = checked.assessed()
        before = {"state": application.state, "attempt": application.attempt}
        application.attempt += 1
        application.submitted_at, application.submitted_on = now, today
        application.proposed_limit = application.daily_rate = application.sla_due_at = None
        _fill(application, checked, ip=ip)
        steps = [
            transition(application, S.SUBMITTED, actor=actor, at=now),
            transition(application, S.CHECKS_RUNNING, actor=SYSTEM_ACTOR, at=now),
            _decide_by_machine(application, checked, now=now),
        ]
        _persist(
            actor,
            application,
            steps,
            checked,
            ip=ip,
            action="application.resubmitted",
            before=before,
        )
    return application


def _not_returned(application: Application) -> Conflict:
    return Conflict(
        _("Only an application returned for correction can be resubmitted."),
        code="not_returned",
        fields={"state": application.state},
    )


WITHDRAWABLE = (S.SUBMITTED, S.RETURNED, S.INITIAL_REVIEW, S.FINAL_REVIEW)


def withdraw_application(*, actor: Actor, application_id: str, reason: str = "") -> Application:
    """The borrower withdraws their application while it is in progress (409
    ``not_withdrawable`` once decided)."""
    if actor.kind != "borrower":
        raise PermissionDenied(
            _("Only the applicant can withdraw an application."), code="applicant_only"
        )
    reason = clean_reason(reason, required=False)
    with transaction.atomic():
        application = get_application(actor, application_id, lock=True)
        if application.state not in WITHDRAWABLE:
            raise Conflict(
                _("The application can no longer be withdrawn."),
                code="not_withdrawable",
                fields={"state": application.state},
            )
        before = {"state": application.state}
        step = transition(
            application,
            S.WITHDRAWN,
            actor=actor,
            reasons=["withdrawn_by_applicant"],
            note=reason,
        )
        application.decided_at = step.at
        application.claimed_by, application.claimed_at, application.claim_expires_at = (
            "",
            None,
            None,
        )
        application.save()
        step.save()
        audit_application(actor, "application.withdrawn", application, before, reason=reason)
    return application
