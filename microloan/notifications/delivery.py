"""Delivery of outbox messages by any number of workers.

Three short steps per message, so no transaction is open while a provider is called:

1. ``claim_due_messages``: in one transaction, lock due rows (``SELECT … FOR UPDATE SKIP
   LOCKED`` on PostgreSQL, so two workers never claim the same row; SQLite has one writer),
   mark them ``sending`` with a fresh lease token, ``attempts + 1`` and a lease expiry.
   A row is due when queued and its ``next_attempt_at`` has passed, or when ``sending`` with an
   expired lease: its worker died, and the message is taken over.
2. ``send_claim``: hand the message to its channel's provider, with the message public id as
   the idempotency key, outside any transaction.
3. ``record_outcome``: in one transaction, and only if the lease token is still ours, mark it
   ``sent``, or ``queued`` again after the backoff, or ``failed`` for good.

A worker killed between 2 and 3 leaves the message ``sending``; after the lease another
worker sends it again with the same idempotency key, which the provider recognises, and the
first worker's late outcome (if it wakes up) is ignored because its token no longer matches.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import Message
from .outbox import schedule_delivery
from .providers import DeliveryFailed, Outgoing, get_provider
from .timing import RetryPolicy

logger = logging.getLogger(__name__)


def retry_policy() -> RetryPolicy:
    return RetryPolicy(**settings.NOTIFICATIONS_RETRY)


def lease_seconds() -> int:
    return int(settings.NOTIFICATIONS_LEASE_SECONDS)


@dataclass(frozen=True)
class Claim:
    message_id: str
    lease_token: str
    attempt: int
    outgoing: Outgoing


@dataclass(frozen=True)
class Outcome:
    provider_message_id: str = ""
    error: str = ""
    permanent: bool = False

    @property
    def sent(self) -> bool:
        return not self.error


def _due(now: dt.datetime) -> Q:
    return Q(status=Message.Status.QUEUED, next_attempt_at__lte=now) | Q(
        status=Message.Status.SENDING, lease_expires_at__lte=now
    )


def claim_due_messages(*, limit: int = 100, now: dt.datetime | None = None) -> list[Claim]:
    """Claim up to ``limit`` due messages for this worker (committed before returning)."""
    now = now or timezone.now()
    policy = retry_policy()
    token = uuid.uuid4().hex
    claims = []
    with transaction.atomic():
        rows = Message.objects.filter(_due(now)).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        exhausted, claimed = [], []
        for message in rows[:limit]:
            if message.attempts >= policy.max_attempts:
                exhausted.append(message.pk)  # sending, lease expired, no attempt left
            else:
                claimed.append(message)
        if exhausted:
            Message.objects.filter(pk__in=exhausted).update(
                status=Message.Status.FAILED,
                lease_token="",
                lease_expires_at=None,
                last_error="lease expired on the last attempt; outcome unknown",
                updated_at=now,
            )
        if claimed:
            Message.objects.filter(pk__in=[m.pk for m in claimed]).update(
                status=Message.Status.SENDING,
                lease_token=token,
                lease_expires_at=now + dt.timedelta(seconds=lease_seconds()),
                attempts=F("attempts") + 1,
                updated_at=now,
            )
        for message in claimed:
            claims.append(
                Claim(
                    message_id=message.public_id,
                    lease_token=token,
                    attempt=message.attempts + 1,
                    outgoing=Outgoing(
                        idempotency_key=message.public_id,
                        channel=message.channel,
                        customer_id=message.customer_id,
                        language=message.language,
                        subject=message.subject,
                        body=message.body,
                    ),
                )
            )
    return claims


def send_claim(claim: Claim) -> Outcome:
    """Hand one claimed message to its provider. Never raises for a provider failure."""
    try:
        provider_id = get_provider(claim.outgoing.channel).send(claim.outgoing)
    except DeliveryFailed as failure:
        return Outcome(error=failure.reason[:500], permanent=failure.permanent)
    except Exception as error:  # a provider bug must not kill the worker; it is retried
        logger.exception("provider of %s failed on %s", claim.outgoing.channel, claim.message_id)
        return Outcome(error=f"{type(error).__name__}: {error}"[:500])
    return Outcome(provider_message_id=provider_id[:100])


def record_outcome(claim: Claim, outcome: Outcome, *, now: dt.datetime | None = None) -> str:
    """Store what happened; returns the message's new status, or "stale" when the lease was
    taken over by another worker (whose result counts instead)."""
    now = now or timezone.now()
    if outcome.sent:
        return _record_sent(claim, outcome, now)
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .filter(public_id=claim.message_id, lease_token=claim.lease_token)
            .exclude(lease_token="")
            .first()
        )
        if message is None or message.status != Message.Status.SENDING:
            logger.warning("late outcome for %s ignored: lease taken over", claim.message_id)
            return "stale"
        message.lease_token, message.lease_expires_at = "", None
        if outcome.sent:
            message.status = Message.Status.SENT
            message.sent_at = now
            message.provider_message_id = outcome.provider_message_id
            message.last_error = ""
        else:
            message.last_error = outcome.error
            delay = None if outcome.permanent else retry_policy().delay_after(message.attempts)
            if delay is None:
                message.status = Message.Status.FAILED
            else:
                message.status = Message.Status.QUEUED
                message.next_attempt_at = now + delay
                schedule_delivery(message.next_attempt_at)
        message.save()
        return message.status


def _record_sent(claim: Claim, outcome: Outcome, now: dt.datetime) -> str:
    """The common outcome in one prepared UPDATE that also checks the lease (no row read)."""
    quote = connection.ops.quote_name
    adapt = connection.ops.adapt_datetimefield_value
    columns = ("status", "sent_at", "provider_message_id", "last_error", "lease_token")
    assignments = ", ".join(f"{quote(column)} = %s" for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(Message._meta.db_table)} SET {assignments},"
            f" {quote('lease_expires_at')} = NULL, {quote('updated_at')} = %s"
            f" WHERE {quote('public_id')} = %s AND {quote('lease_token')} = %s"
            f" AND {quote('lease_token')} <> '' AND {quote('status')} = %s",
            [
                Message.Status.SENT.value,
                adapt(now),
                outcome.provider_message_id,
                "",
                "",
                adapt(now),
                claim.message_id,
                claim.lease_token,
                Message.Status.SENDING.value,
            ],
        )
        updated = cursor.rowcount
    if updated != 1:
        logger.warning("late outcome for %s ignored: lease taken over", claim.message_id)
        return "stale"
    return Message.Status.SENT


def deliver_due_messages(limit: int = 100, *, now: dt.datetime | None = None) -> dict[str, int]:
    """Claim, send and record up to ``limit`` due messages; returns counts by outcome."""
    counts = {"sent": 0, "queued": 0, "failed": 0, "stale": 0}
    for claim in claim_due_messages(limit=limit, now=now):
        status = record_outcome(claim, send_claim(claim), now=now)
        counts[status] = counts.get(status, 0) + 1
    return counts


def next_due_at() -> dt.datetime | None:
    """When the next queued message becomes due (the sweeper's sleep)."""
    return (
        Message.objects.filter(status=Message.Status.QUEUED)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
