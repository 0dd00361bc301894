"""Domain events → outbox messages. Each runs in the publisher's transaction and only writes
rows; the dedupe key comes from the event, so a replayed event writes nothing new."""

from __future__ import annotations

import datetime as dt

from microloan.collections.events import BucketEntered
from microloan.contracts.events import ContractSigned
from microloan.kernel import events
from microloan.kernel.services import get_business_date
from microloan.lending.events import LineFrozen, LineLimitChanged, LoanDisbursed, RepaymentPosted
from microloan.origination.events import ApplicationDecided
from microloan.payments.events import DisbursementFailed

from . import defaults as t
from .outbox import build_message, insert_new_messages
from .reminders import allowed_hours, current_time
from .services import (
    DEFAULT_LANGUAGE,
    enqueue_message,
    enqueue_messages,
    preferred_languages,
    template_for_sending,
)
from .timing import AllowedHours


def _iso(day) -> str:
    """A date from the payload as ISO text (a date, or already text from a JSON round trip)."""
    return day.isoformat() if hasattr(day, "isoformat") else str(day)


def on_application_decided(event: ApplicationDecided) -> None:
    key = f"{event.name}:{event.application_id}"
    if event.outcome == "approved":
        # Both messages in one write (one language, template and dedupe look-up, one insert).
        offer = {"limit": event.limit, "apr": event.apr, "daily_rate": event.daily_rate}
        enqueue_messages(
            customer_id=event.customer_id,
            messages=[(t.APPLICATION_APPROVED, offer, key), (t.OFFER, offer, f"{key}:offer")],
        )
    elif event.outcome == "rejected":
        enqueue_messages(
            customer_id=event.customer_id,
            messages=[
                (
                    t.APPLICATION_REJECTED,
                    {"reasons": list(event.reasons) or ["manual_rejected"]},
                    key,
                )
            ],
        )


def on_contract_signed(event: ContractSigned) -> None:
    enqueue_message(
        customer_id=event.customer_id,
        template=t.CONTRACT_SIGNED,
        variables={"kind": event.kind, "contract_id": event.contract_id},
        dedupe_key=f"{event.name}:{event.contract_id}",
    )


def on_loan_disbursed(event: LoanDisbursed) -> None:
    enqueue_message(
        customer_id=event.customer_id,
        template=t.DISBURSEMENT_SUCCEEDED,
        variables={
            "amount": event.amount,
            "first_due_date": _iso(event.first_due_date),
            "first_due_amount": event.first_due_amount,
        },
        dedupe_key=f"{event.name}:{event.loan_id}",
    )


def on_disbursement_failed(event: DisbursementFailed) -> None:
    enqueue_message(
        customer_id=event.customer_id,
        template=t.DISBURSEMENT_FAILED,
        variables={"reason": event.reason_code, "loan_id": event.loan_id},
        dedupe_key=f"{event.name}:{event.order_id}",
    )


def on_repayment_posted(event: RepaymentPosted) -> None:
    enqueue_message(
        customer_id=event.customer_id,
        template=t.REPAYMENT_RECEIVED,
        variables={"amount": event.amount, "business_date": _iso(event.business_date)},
        dedupe_key=f"{event.name}:{event.transaction_id}",
    )


def on_limit_changed(event: LineLimitChanged) -> None:
    # A line may go 100→50→100: the business date and the pair make each change its own key;
    # the same change announced twice on one day is one message.
    day = get_business_date().isoformat()
    old_limit, new_limit = event.old_limit, event.new_limit
    enqueue_message(
        customer_id=event.customer_id,
        template=t.LIMIT_CHANGED,
        variables={"old_limit": old_limit, "new_limit": new_limit},
        dedupe_key=f"{event.name}:{event.line_id}:{day}:{old_limit}:{new_limit}",
    )


def on_line_frozen(event: LineFrozen) -> None:
    # The reason stays internal (an early-warning rule's name tells a fraudster what it saw).
    day = get_business_date().isoformat()
    enqueue_message(
        customer_id=event.customer_id,
        template=t.LINE_FROZEN,
        variables={},
        dedupe_key=f"{event.name}:{event.line_id}:{day}",
    )


def collection_not_before(now: dt.datetime, borrower_timezone: str) -> dt.datetime | None:
    """When a collection message may go: inside the notification hours in the borrower's own
    time zone. The default hours (09:00–20:00) lie inside the collection contact hours
    (08:00–21:00 borrower local time, ``kernel.regulation``); wider configured hours would
    leave them, so a deployment keeps NOTIFICATIONS_ALLOWED_HOURS within those."""
    hours = allowed_hours()
    return AllowedHours(hours.start, hours.end, borrower_timezone).not_before(now)


def on_bucket_entered(event: BucketEntered) -> None:
    """SMS/push of the bucket's strategy (its channels; none: nothing), to the borrower only."""
    wanted = [entry for entry in event.entries if entry.channels]
    if not wanted:
        return
    template = template_for_sending(t.COLLECTION_NOTICE)
    languages = preferred_languages([entry.customer_id for entry in wanted])
    now = current_time()
    day = _iso(event.business_date)
    messages = [
        build_message(
            template,
            customer_id=entry.customer_id,
            channel=channel,
            variables={"overdue_amount": entry.overdue_amount, "days_past_due": entry.dpd},
            dedupe_key=f"{event.name}:{entry.case_id}:{entry.bucket}:{day}",
            language=languages.get(entry.customer_id, DEFAULT_LANGUAGE),
            now=now,
            not_before=collection_not_before(now, entry.borrower_timezone),
        )
        for entry in wanted
        for channel in entry.channels
    ]
    insert_new_messages(messages)


SUBSCRIPTIONS: dict[type[events.DomainEvent], events.Subscriber] = {
    ApplicationDecided: on_application_decided,
    ContractSigned: on_contract_signed,
    LoanDisbursed: on_loan_disbursed,
    DisbursementFailed: on_disbursement_failed,
    RepaymentPosted: on_repayment_posted,
    LineLimitChanged: on_limit_changed,
    LineFrozen: on_line_frozen,
    BucketEntered: on_bucket_entered,
}


def subscribe_all() -> None:
    for event_class, subscriber in SUBSCRIPTIONS.items():
        events.subscribe(event_class, subscriber)
