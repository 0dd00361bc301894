"""Writing outbox rows fast: render, then one ``INSERT … ON CONFLICT DO NOTHING`` per chunk.

End of day writes tens of thousands of reminders per run, so rows are plain ``NewMessage``
values (no model instances) inserted with ``executemany``; the unique ``dedupe_key`` makes a
replayed insert a no-op. Existing keys are looked up first so the count of new rows is exact.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from microloan.kernel.ids import new_public_id
from microloan.kernel.sql import select_values_in

from . import rendering
from .models import MESSAGE_ID_PREFIX, Message, MessageTemplate

INSERT_CHUNK = 1000


@dataclass(frozen=True, slots=True)
class NewMessage:
    public_id: str
    customer_id: str
    channel: str
    template_code: str
    template_version: int
    language: str
    subject: str
    body: str
    variables: dict
    dedupe_key: str
    next_attempt_at: dt.datetime
    not_before: dt.datetime | None
    created_at: dt.datetime


def build_message(
    template: MessageTemplate,
    *,
    customer_id: str,
    channel: str,
    variables: Mapping[str, Any],
    dedupe_key: str,
    language: str,
    now: dt.datetime,
    not_before: dt.datetime | None = None,
) -> NewMessage:
    """One rendered row (raises MissingTemplateVariable); its key is ``<dedupe_key>#<channel>``."""
    subject, body = template.texts(language)
    declared = template.variables
    return NewMessage(
        public_id=new_public_id(MESSAGE_ID_PREFIX),
        customer_id=customer_id,
        channel=channel,
        template_code=template.code,
        template_version=template.version,
        language=language,
        subject=rendering.render(subject, declared, variables, language),
        body=rendering.render(body, declared, variables, language),
        variables=dict(variables),
        dedupe_key=f"{dedupe_key}#{channel}",
        next_attempt_at=max(now, not_before) if not_before else now,
        not_before=not_before,
        created_at=now,
    )


def taken_keys(keys: Sequence[str]) -> set[str]:
    """The dedupe keys among ``keys`` a message already has (prepared SQL: one event's few
    keys and a reminder run's thousands alike)."""
    return {key for (key,) in select_values_in(Message, ["dedupe_key"], "dedupe_key", keys)}


_COLUMNS = (
    "public_id",
    "customer_id",
    "channel",
    "template_code",
    "template_version",
    "language",
    "subject",
    "body",
    "variables",
    "dedupe_key",
    "status",
    "attempts",
    "next_attempt_at",
    "not_before",
    "lease_token",
    "last_error",
    "provider_message_id",
    "created_at",
    "updated_at",
)


def _db_rows(messages: Sequence[NewMessage]) -> list[tuple]:
    json_field = Message._meta.get_field("variables")
    adapt_time = connection.ops.adapt_datetimefield_value
    times: dict[dt.datetime | None, Any] = {None: None}

    def when(value):
        if value not in times:
            times[value] = adapt_time(value)
        return times[value]

    return [
        (
            m.public_id,
            m.customer_id,
            m.channel,
            m.template_code,
            m.template_version,
            m.language,
            m.subject,
            m.body,
            json_field.get_db_prep_save(m.variables, connection),
            m.dedupe_key,
            Message.Status.QUEUED.value,
            0,
            when(m.next_attempt_at),
            when(m.not_before),
            "",
            "",
            "",
            when(m.created_at),
            when(m.created_at),
        )
        for m in messages
    ]


def insert_new_messages(messages: Sequence[NewMessage]) -> int:
    """Insert the messages whose dedupe key is free, in the caller's transaction; returns how
    many were new, and queues delivery for after the commit."""
    if not messages:
        return 0
    taken = taken_keys([m.dedupe_key for m in messages])
    new = [m for m in messages if m.dedupe_key not in taken]
    if not new:
        return 0
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(Message._meta.db_table)} ({', '.join(map(quote, _COLUMNS))})"
        f" VALUES ({', '.join(['%s'] * len(_COLUMNS))}) ON CONFLICT DO NOTHING"
    )
    rows = _db_rows(new)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), INSERT_CHUNK):
            cursor.executemany(sql, rows[start : start + INSERT_CHUNK])
    schedule_delivery(min(m.next_attempt_at for m in new))
    return len(new)


def schedule_delivery(run_after: dt.datetime | None = None) -> None:
    """After commit, queue a delivery task (a failure to queue is logged: the sweeper
    ``microloan notifications deliver --loop`` delivers due messages anyway)."""
    from .tasks import enqueue_delivery

    transaction.on_commit(lambda: enqueue_delivery(run_after), robust=True)
