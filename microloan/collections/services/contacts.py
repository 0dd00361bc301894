"""Contacts under the conduct limits, and promises to pay.

Conduct limits (domain.conduct_refusals): only the assigned collector, only 08:00–21:00
borrower local time, at most three contacts a borrower-local day across every collector and
case, phone and SMS only to the borrower's own number on record (compared by blind index: the
number dialled is never stored, only its index).

A refused attempt must leave evidence although the request fails. The check runs in the
service's transaction, which writes nothing when it refuses; the ``RefusedContactAttempt`` row
is written after that block has closed, in a transaction of its own, and only then is the
refusal raised. Called as the outermost transaction (pages, CLI, tests) the row commits on its
own. Called inside a caller's transaction (the API's ``@idempotent`` layer) it joins that
one, which commits 4xx business refusals with their stored reply — so the row is kept there
too; only a caller that chooses to roll its whole request back would drop it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microloan.audit.services import record_audit
from microloan.customers.crypto import blind_index
from microloan.customers.interface import masked_customer_of, phone_index_of
from microloan.kernel.actors import Actor
from microloan.kernel.errors import BusinessRuleViolation, Conflict, ValidationFailed
from microloan.kernel.ids import new_public_id
from microloan.kernel.money import to_yuan_str
from microloan.kernel.services import get_business_date

from ..domain import NUMBERED_CHANNELS, ContactCheck, conduct_refusals, local_time
from ..models import (
    CollectionCase,
    ContactAttempt,
    ContactChannel,
    ContactResult,
    NumberUsed,
    PromiseToPay,
    RefusedContactAttempt,
)
from .common import WORK_CASE, get_case, logger, require_assigned, require_open

MAX_PROMISE_DAYS = 30  # a promise further out than this is no promise
MAX_NOTE_LENGTH = 500

REFUSAL_MESSAGES = {
    "not_assigned": _("Only the collector assigned to this case may contact the borrower."),
    "outside_contact_hours": _("Borrowers may be contacted only from 08:00 to 21:00 their time."),
    "daily_attempts_exceeded": _("This borrower has had three contact attempts today."),
    "not_borrower_number": _("Only the borrower's own number on record may be contacted."),
}


def now() -> dt.datetime:
    """The attempt time when the caller gives none (a seam for tests)."""
    return timezone.now()


def _number_index(phone: str) -> str:
    phone = (phone or "").strip()
    if not phone or len(phone) > 32:
        return ""
    return blind_index("phone", phone)


def _mask(phone: str) -> str:
    """A typed number as staff may see it: first three and last four digits."""
    phone = phone.strip()
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) > 7 else "****"


def refusal_message(reasons: list[str]) -> str:
    """Every broken rule in words, one sentence each (a page shows all of them)."""
    return " ".join(str(REFUSAL_MESSAGES[reason]) for reason in reasons)


def _validate_contact(channel: str, result: str, note: str, phone: str, number: str) -> None:
    problems = {}
    if channel not in ContactChannel.values:
        problems["channel"] = _("One of: %(choices)s.") % {
            "choices": ", ".join(ContactChannel.values)
        }
    if result not in ContactResult.values:
        problems["result"] = _("One of: %(choices)s.") % {
            "choices": ", ".join(ContactResult.values)
        }
    if len(note or "") > MAX_NOTE_LENGTH:
        problems["note"] = _("At most 500 characters.")
    if number and number not in NumberUsed.values:
        problems["number"] = _("Choose a number on file.")
    elif number == NumberUsed.GIVEN and not (phone or "").strip():
        problems["phone"] = _("The number contacted is required for calls and SMS.")
    elif channel in NUMBERED_CHANNELS and not number and not (phone or "").strip():
        problems["number"] = _("Choose the number used: the registered mobile.")
    if problems:
        raise ValidationFailed(fields=problems)


def log_contact(
    *,
    actor: Actor,
    case_id: str,
    channel: str,
    result: str,
    phone: str = "",
    number: str = "",
    note: str = "",
    attempted_at: dt.datetime | None = None,
) -> ContactAttempt:
    """Record a contact with the borrower of ``case_id``, or refuse it (422 with the first
    broken rule as ``code``, all of them in words as the message and as codes in
    ``fields.reasons``) and log the refusal.

    ``number`` says which number a call or SMS went to: "registered_mobile" (the borrower's
    on file, what the page offers; the collector never sees it unmasked) or "given" with
    ``phone`` typed by an integration. A ``phone`` alone means "given"."""
    actor.require_staff()
    actor.require(WORK_CASE)
    attempted_at = attempted_at or now()
    if timezone.is_naive(attempted_at):
        raise ValidationFailed(fields={"attempted_at": _("A time with its time zone.")})
    _validate_contact(channel, result, note, phone, number)
    numbered = channel in NUMBERED_CHANNELS
    if numbered and not number:
        number = NumberUsed.GIVEN
    if not numbered:
        number = ""
    number_index = _number_index(phone) if number == NumberUsed.GIVEN else ""
    reasons: list[str] = []
    with transaction.atomic():
        customer_id = get_case(case_id).customer_id
        # Lock every open case of the borrower (id order): the daily cap spans them all.
        list(
            CollectionCase.objects.select_for_update()
            .filter(customer_id=customer_id)
            .order_by("id")
            .values_list("id", flat=True)
        )
        case = get_case(case_id)
        require_open(case)
        local = local_time(attempted_at, case.borrower_timezone)
        borrower_index = phone_index_of(case.customer_id)
        if number == NumberUsed.REGISTERED_MOBILE:
            number_index = borrower_index or ""
        reasons = conduct_refusals(
            ContactCheck(
                local=local,
                attempts_today=ContactAttempt.objects.filter(
                    customer_id=case.customer_id, local_date=local.date()
                ).count(),
                channel=channel,
                number_index=number_index,
                borrower_number_index=borrower_index or "",
                collector_pk=actor.user_pk,
                assigned_collector_pk=case.collector_id,
            )
        )
        if not reasons:
            contact = ContactAttempt.objects.create(
                public_id=new_public_id("ccon"),
                case=case,
                customer_id=case.customer_id,
                collector_id=actor.user_pk,
                channel=channel,
                number_index=number_index,
                number_used=number,
                number_masked=_masked_number(case.customer_id, number, phone),
                result=result,
                note=(note or "").strip(),
                attempted_at=attempted_at,
                local_date=local.date(),
            )
            record_audit(
                actor=actor,
                action="collection_case.contacted",
                object_type="collection_case",
                object_id=case.public_id,
                after={"contact": contact.public_id, "channel": channel, "result": result},
            )
            return contact
    _record_refusal(actor, case, channel, number_index, reasons, attempted_at)
    raise BusinessRuleViolation(
        refusal_message(reasons),
        code=reasons[0],
        fields={"reasons": reasons},
    )


def _masked_number(customer_id: str, number: str, phone: str) -> str:
    if number == NumberUsed.GIVEN:
        return _mask(phone)
    if number == NumberUsed.REGISTERED_MOBILE:
        borrower = masked_customer_of(customer_id, on=get_business_date()) or {}
        return str(borrower.get("phone") or "")
    return ""


def _record_refusal(actor, case, channel, number_index, reasons, attempted_at) -> None:
    """Evidence of a refused attempt, after the checking transaction closed (module doc)."""
    logger.warning(
        "collections: contact refused on case %s for %s: %s",
        case.public_id,
        actor.label,
        ",".join(reasons),
    )
    with transaction.atomic():
        refusal = RefusedContactAttempt.objects.create(
            case=case,
            customer_id=case.customer_id,
            actor_id=actor.label,
            channel=channel,
            number_index=number_index,
            reasons=reasons,
            attempted_at=attempted_at,
        )
        record_audit(
            actor=actor,
            action="collection_case.contact_refused",
            object_type="collection_case",
            object_id=case.public_id,
            after={"refusal": refusal.pk, "channel": channel, "reasons": reasons},
        )


def debt_of(loan) -> int:
    """What the borrower owes today: principal, interest and penalty, less held overpayments."""
    return max(
        loan.principal_outstanding
        + loan.interest_receivable
        + loan.penalty_receivable
        - loan.unapplied_balance,
        0,
    )


def make_promise(
    *,
    actor: Actor,
    case_id: str,
    amount: int | None,
    due_date: dt.date,
    input_problems: Mapping[str, Any] | None = None,
) -> PromiseToPay:
    """Record the borrower's promise to pay ``amount`` fen by ``due_date`` (today's business
    date up to MAX_PROMISE_DAYS ahead, at most the debt). One pending promise per case.
    ``input_problems``: fields the caller could not read (the API's yuan ``amount``), reported
    with the others."""
    actor.require_staff()
    actor.require(WORK_CASE)
    today = get_business_date()
    try:
        with transaction.atomic():
            case = get_case(case_id, lock=True)
            require_assigned(actor, case)
            require_open(case)
            problems = {}
            if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
                problems["amount"] = _("An amount in yuan above zero, e.g. 500.00.")
            elif amount > debt_of(case.loan):
                problems["amount"] = _("More than the debt (%(debt)s yuan).") % {
                    "debt": to_yuan_str(debt_of(case.loan))
                }
            if not isinstance(due_date, dt.date) or isinstance(due_date, dt.datetime):
                problems["due_date"] = _("A date is required.")
            elif due_date < today:
                problems["due_date"] = _("The date is in the past.")
            elif due_date > today + dt.timedelta(days=MAX_PROMISE_DAYS):
                problems["due_date"] = _("At most 30 days ahead.")
            problems.update(input_problems or {})
            if problems:
                raise ValidationFailed(fields=problems)
            if case.promises.filter(status=PromiseToPay.Status.PENDING).exists():
                raise Conflict(
                    _("A promise on this case is still pending."), code="promise_pending"
                )
            promise = PromiseToPay.objects.create(
                public_id=new_public_id("cptp"),
                case=case,
                loan_id=case.loan_id,
                amount=amount,
                made_on=today,
                due_date=due_date,
                collector_id=actor.user_pk,
                bucket=case.bucket,
            )
            record_audit(
                actor=actor,
                action="collection_case.promise_recorded",
                object_type="collection_case",
                object_id=case.public_id,
                after={
                    "promise": promise.public_id,
                    "amount": amount,
                    "due_date": due_date.isoformat(),
                },
            )
            return promise
    except (ValidationFailed, Conflict) as refusal:
        logger.warning(
            "collections: promise refused on case %s for %s: %s %s",
            case_id,
            actor.label,
            refusal.code,
            sorted(refusal.fields),
        )
        raise
