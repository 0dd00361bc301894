"""Domain events → outbox messages. Each runs in the publisher's transaction and only writes
rows; the dedupe key comes from the event, so a replayed event writes nothing new."""

from __future__ import annotations

import datetime as dt

from microloan.kernel import events
from microloan.kernel.services import get_business_date

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


def on_application_decided(
    *,
    event,
    customer_id,
    application_id,
    outcome,
    reasons=(),
    limit=None,
    daily_rate="",
    apr="",
    **_extra,
) -> None:
    key = f"{event}:{application_id}"
    if outcome == "approved":
        # Both messages in one write (one language, template and dedupe look-up, one insert).
        offer = {"limit": limit, "apr": apr, "daily_rate": daily_rate}
        enqueue_messages(
            customer_id=customer_id,
            messages=[(t.APPLICATION_APPROVED, offer, key), (t.OFFER, offer, f"{key}:offer")],
        )
    elif outcome == "rejected":
        enqueue_messages(
            customer_id=customer_id,
            messages=[
                (
                    t.APPLICATION_REJECTED,
                    {"reasons": list(reasons) or ["manual_rejected"]},
                    key,
                )
            ],
        )


def on_contract_signed(*, event, customer_id, contract_id, kind, **_extra) -> None:
    enqueue_message(
        customer_id=customer_id,
        template=t.CONTRACT_SIGNED,
        variables={"kind": kind, "contract_id": contract_id},
        dedupe_key=f"{event}:{contract_id}",
    )


def on_loan_disbursed(
    *, event, customer_id, loan_id, amount, first_due_date, first_due_amount, **_extra
) -> None:
    enqueue_message(
        customer_id=customer_id,
        template=t.DISBURSEMENT_SUCCEEDED,
        variables={
            "amount": amount,
            "first_due_date": _iso(first_due_date),
            "first_due_amount": first_due_amount,
        },
        dedupe_key=f"{event}:{loan_id}",
    )


def on_disbursement_failed(*, event, customer_id, loan_id, order_id, reason_code, **_extra):
    enqueue_message(
        customer_id=customer_id,
        template=t.DISBURSEMENT_FAILED,
        variables={"reason": reason_code, "loan_id": loan_id},
        dedupe_key=f"{event}:{order_id}",
    )


def on_repayment_posted(
    *, event, customer_id, loan_id, amount, transaction_id, business_date, **_extra
) -> None:
    enqueue_message(
        customer_id=customer_id,
        template=t.REPAYMENT_RECEIVED,
        variables={"amount": amount, "business_date": _iso(business_date)},
        dedupe_key=f"{event}:{transaction_id}",
    )


def on_limit_changed(*, event, customer_id, line_id, old_limit, new_limit, **_extra) -> None:
    # A line may go 100→50→100: the business date and the pair make each change its own key;
    # the same change announced twice on one day is one message.
    day = get_business_date().isoformat()
    enqueue_message(
        customer_id=customer_id,
        template=t.LIMIT_CHANGED,
        variables={"old_limit": old_limit, "new_limit": new_limit},
        dedupe_key=f"{event}:{line_id}:{day}:{old_limit}:{new_limit}",
    )


def on_line_frozen(*, event, customer_id, line_id, **_extra) -> None:
    # The reason stays internal (an early-warning rule's name tells a fraudster what it saw).
    day = get_business_date().isoformat()
    enqueue_message(
        customer_id=customer_id,
        template=t.LINE_FROZEN,
        variables={},
        dedupe_key=f"{event}:{line_id}:{day}",
    )


def collection_not_before(now: dt.datetime, borrower_timezone: str) -> dt.datetime | None:
    """When a collection message may go: inside the notification hours in the borrower's own
    time zone. The default hours (09:00–20:00) lie inside the collection contact hours
    (08:00–21:00 borrower local time, ``collections.domain``); wider configured hours would
    leave them, so a deployment keeps NOTIFICATIONS_ALLOWED_HOURS within those."""
    hours = allowed_hours()
    return AllowedHours(hours.start, hours.end, borrower_timezone).not_before(now)


def on_bucket_entered(*, event, business_date, entries, **_extra) -> None:
    """SMS/push of the bucket's strategy (its channels; none: nothing), to the borrower only."""
    wanted = [entry for entry in entries if entry.get("channels")]
    if not wanted:
        return
    template = template_for_sending(t.COLLECTION_NOTICE)
    languages = preferred_languages([entry["customer_id"] for entry in wanted])
    now = current_time()
    day = _iso(business_date)
    messages = [
        build_message(
            template,
            customer_id=entry["customer_id"],
            channel=channel,
            variables={
                "overdue_amount": entry["overdue_amount"],
                "days_past_due": entry["dpd"],
            },
            dedupe_key=f"{event}:{entry['case_id']}:{entry['bucket']}:{day}",
            language=languages.get(entry["customer_id"], DEFAULT_LANGUAGE),
            now=now,
            not_before=collection_not_before(now, entry["borrower_timezone"]),
        )
        for entry in wanted
        for channel in entry["channels"]
    ]
    insert_new_messages(messages)


SUBSCRIPTIONS = {
    "application.decided": on_application_decided,
    "contract.signed": on_contract_signed,
    "loan.disbursed": on_loan_disbursed,
    "disbursement.failed": on_disbursement_failed,
    "repayment.posted": on_repayment_posted,
    "line.limit_changed": on_limit_changed,
    "line.frozen": on_line_frozen,
    "collections.bucket_entered": on_bucket_entered,
}


def subscribe_all() -> None:
    for name, subscriber in SUBSCRIPTIONS.items():
        events.subscribe(name, subscriber)
