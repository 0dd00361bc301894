"""Notifications use cases: write messages to the outbox, edit templates, read and retry.

``enqueue_message`` is what other code calls (event subscribers here, any app that must tell a
borrower something): it renders the template in the borrower's language and writes one row per
channel in the caller's transaction; delivery starts after commit. The same ``dedupe_key``
never creates a message twice, so replaying an event or rerunning a batch step is harmless.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microloan.audit.services import record_audit
from microloan.customers.interface import preferred_languages
from microloan.kernel.actors import Actor
from microloan.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from microloan.kernel.pagination import Page, paginate

from . import rendering
from .defaults import DEFAULT_TEMPLATES, DEFAULTS_BY_CODE
from .models import Channel, Message, MessageTemplate
from .outbox import NewMessage, build_message, insert_new_messages, schedule_delivery

logger = logging.getLogger(__name__)

VIEW_MESSAGE = "notifications.view_message"
CHANGE_MESSAGE = "notifications.change_message"
VIEW_TEMPLATE = "notifications.view_messagetemplate"
CHANGE_TEMPLATE = "notifications.change_messagetemplate"
DEFAULT_LANGUAGE = "zh-hans"
DEDUPE_KEY_MAX_LENGTH = 240  # + "#channel" fits the 255 column
TEMPLATE_TEXT_FIELDS = {"subject_zh": 200, "body_zh": 1000, "subject_en": 200, "body_en": 1000}


# --- templates ---------------------------------------------------------------------------------


def ensure_default_templates() -> None:
    """Create the shipped templates that are missing (never overwrites an edited one)."""
    existing = set(MessageTemplate.objects.values_list("code", flat=True))
    missing = [
        MessageTemplate(
            code=spec.code,
            description=spec.description,
            variables=spec.variables,
            subject_zh=spec.subject_zh,
            body_zh=spec.body_zh,
            subject_en=spec.subject_en,
            body_en=spec.body_en,
            updated_by="system",
        )
        for spec in DEFAULT_TEMPLATES
        if spec.code not in existing
    ]
    if missing:
        MessageTemplate.objects.bulk_create(missing, ignore_conflicts=True)


# Templates already loaded by this process: (code, pk, version, updated_at as stored) -> row.
_TEMPLATES: dict[tuple, MessageTemplate] = {}
_TEMPLATES_MAX = 64


def _template_markers(codes: Sequence[str]) -> dict[str, tuple]:
    """code -> (code, pk, version, updated_at) of the stored templates among ``codes``, in one
    small plain-SQL query. Asked on every send, so an edit (a new version, a new
    ``updated_at``) by any process is used at once; only the full row is cached."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(name) for name in ("code", "id", "version", "updated_at"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {quote(MessageTemplate._meta.db_table)}"
            f" WHERE {quote('code')} IN ({', '.join(['%s'] * len(codes))})",
            list(codes),
        )
        rows = cursor.fetchall()
    return {row[0]: (row[0], row[1], row[2], str(row[3])) for row in rows}


def templates_for_sending(codes: Sequence[str]) -> dict[str, MessageTemplate]:
    """The current templates ``codes`` (shipped ones created on first use), code -> template.
    Rows are kept per process while unchanged: treat them as read-only."""
    codes = list(dict.fromkeys(codes))
    markers = _template_markers(codes)
    found = {code: _TEMPLATES[m] for code, m in markers.items() if m in _TEMPLATES}
    wanted = [code for code in codes if code not in found]
    if not wanted:
        return found
    unknown = [code for code in wanted if code not in markers and code not in DEFAULTS_BY_CODE]
    if unknown:
        raise ValueError(f"unknown message template {unknown[0]!r}")
    if any(code not in markers for code in wanted):
        ensure_default_templates()
    for template in MessageTemplate.objects.filter(code__in=wanted):
        found[template.code] = template
        marker = (template.code, template.pk, template.version, "")
        stored = markers.get(template.code)
        if stored is not None and stored[1:3] == marker[1:3]:
            if len(_TEMPLATES) >= _TEMPLATES_MAX:
                _TEMPLATES.clear()
            _TEMPLATES[stored] = template
    return found


def template_for_sending(code: str) -> MessageTemplate:
    """The current template ``code``; a shipped one is created on first use."""
    return templates_for_sending([code])[code]


def list_templates(*, actor: Actor) -> list[MessageTemplate]:
    actor.require(VIEW_TEMPLATE)
    ensure_default_templates()
    return list(MessageTemplate.objects.order_by("code"))


def get_template(*, actor: Actor, code: str) -> MessageTemplate:
    actor.require(VIEW_TEMPLATE)
    if code in DEFAULTS_BY_CODE:
        return template_for_sending(code)
    raise NotFound(fields={"code": _("No message template has this code.")})


def validate_template_texts(texts: Mapping[str, str], variables: Mapping[str, str]) -> None:
    """Refuse, all problems at once, texts that are empty, too long, or use unknown names."""
    problems: dict[str, Any] = {}
    unknown = False
    for field, text in texts.items():
        limit = TEMPLATE_TEXT_FIELDS[field]
        if field.startswith("body") and not text.strip():
            problems[field] = _("The text cannot be empty.")
        elif len(text) > limit:
            problems[field] = _("At most %(limit)d characters.") % {"limit": limit}
        else:
            problem = rendering.check_text(text, variables)
            allowed = ", ".join(f"${{{name}}}" for name in variables) or "-"
            if problem and problem[0] == "unknown":
                unknown = True
                problems[field] = _("Unknown variable(s): %(names)s. Allowed: %(allowed)s.") % {
                    "names": problem[1],
                    "allowed": allowed,
                }
            elif problem:
                problems[field] = _(
                    "A $ must start a variable such as ${amount}; write $$ for a dollar sign."
                )
    if problems:
        raise ValidationFailed(
            _("The template text cannot be saved."),
            code="unknown_template_variable" if unknown else "invalid_template",
            fields=problems,
        )


def update_template(*, actor: Actor, code: str, changes: Mapping[str, str]) -> MessageTemplate:
    """Change a template's texts (a new version); messages already written keep theirs."""
    actor.require(CHANGE_TEMPLATE)
    unknown_fields = sorted(set(changes) - set(TEMPLATE_TEXT_FIELDS))
    if unknown_fields:
        raise ValidationFailed(
            fields={name: _("This field cannot be changed.") for name in unknown_fields}
        )
    get_template(actor=actor, code=code)  # 404 before any lock; creates a shipped one
    with transaction.atomic():
        template = MessageTemplate.objects.select_for_update().get(code=code)
        validate_template_texts(changes, template.variables)
        before = {field: getattr(template, field) for field in changes}
        changed = {f: v for f, v in changes.items() if before[f] != v}
        if not changed:
            return template
        for field, value in changed.items():
            setattr(template, field, value)
        template.version += 1
        template.updated_by = actor.label
        template.save()
        record_audit(
            actor=actor,
            action="message_template.changed",
            object_type="notifications.messagetemplate",
            object_id=code,
            before={**{f: before[f] for f in changed}, "version": template.version - 1},
            after={**changed, "version": template.version},
        )
    return template


# --- writing messages ----------------------------------------------------------------------------


def enqueue_message(
    *,
    customer_id: str,
    template: str,
    variables: Mapping[str, Any],
    channels: Sequence[str] | None = None,
    dedupe_key: str,
    language: str | None = None,
    not_before: dt.datetime | None = None,
) -> list[Message]:
    """Write ``template`` for ``customer_id`` on each channel, in the caller's transaction.

    ``channels`` defaults to the template's; ``language`` to the customer's preferred one;
    ``not_before`` holds delivery until then. Returns the messages of ``dedupe_key`` (the
    existing ones if it was used before: nothing is written twice).
    """
    if not dedupe_key or len(dedupe_key) > DEDUPE_KEY_MAX_LENGTH:
        raise ValueError(f"dedupe_key must be 1-{DEDUPE_KEY_MAX_LENGTH} characters")
    chosen = _channels(template, channels)
    messages = _build_messages(
        customer_id=customer_id,
        wanted=[(template, variables, dedupe_key, chosen)],
        language=language,
        not_before=not_before,
    )
    insert_new_messages(messages)
    return list(
        Message.objects.filter(dedupe_key__in=[m.dedupe_key for m in messages]).order_by("id")
    )


def _channels(template: str, channels: Sequence[str] | None) -> tuple[str, ...]:
    spec = DEFAULTS_BY_CODE.get(template)
    chosen = tuple(channels or (spec.channels if spec else (Channel.INBOX,)))
    unknown = set(chosen) - set(Channel.values)
    if unknown:
        raise ValueError(f"unknown channel(s) {sorted(unknown)}")
    return chosen


def _build_messages(
    *,
    customer_id: str,
    wanted: Sequence[tuple[str, Mapping[str, Any], str, Sequence[str]]],
    language: str | None,
    not_before: dt.datetime | None,
) -> list[NewMessage]:
    """Rendered rows for (template, variables, dedupe key, channels) of one customer: one
    language look-up and one template look-up for them all."""
    if language is None:
        language = preferred_languages([customer_id]).get(customer_id, DEFAULT_LANGUAGE)
    if language not in ("zh-hans", "en"):
        language = DEFAULT_LANGUAGE
    templates = templates_for_sending([code for code, *_rest in wanted])
    now = timezone.now()
    return [
        build_message(
            templates[code],
            customer_id=customer_id,
            channel=channel,
            variables=variables,
            dedupe_key=dedupe_key,
            language=language,
            now=now,
            not_before=not_before,
        )
        for code, variables, dedupe_key, chosen in wanted
        for channel in dict.fromkeys(chosen)
    ]


def enqueue_messages(
    *,
    customer_id: str,
    messages: Sequence[tuple[str, Mapping[str, Any], str]],
    language: str | None = None,
) -> int:
    """Write several templates for one customer at once (an event that says two things):
    ``messages`` are (template, variables, dedupe_key), each on its template's channels. The
    same rules as ``enqueue_message`` (a used dedupe key writes nothing), with one language
    look-up, one template look-up and one insert for them all; returns how many rows were new
    (the rows are not read back)."""
    wanted = []
    for template, variables, dedupe_key in messages:
        if not dedupe_key or len(dedupe_key) > DEDUPE_KEY_MAX_LENGTH:
            raise ValueError(f"dedupe_key must be 1-{DEDUPE_KEY_MAX_LENGTH} characters")
        wanted.append((template, variables, dedupe_key, _channels(template, None)))
    if not wanted:
        return 0
    return insert_new_messages(
        _build_messages(customer_id=customer_id, wanted=wanted, language=language, not_before=None)
    )


# --- reading and acting on messages ----------------------------------------------------------


_LONG_NUMBER = re.compile(r"\d{7,}")


def mask_text(text: str) -> str:
    """Long digit runs (phone, card, ID numbers) keep their first 3 and last 4 digits."""
    return _LONG_NUMBER.sub(lambda m: m[0][:3] + "*" * (len(m[0]) - 7) + m[0][-4:], text)


def list_messages(
    *,
    actor: Actor,
    customer_id: str | None = None,
    status: str | None = None,
    channel: str | None = None,
    template: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    page: int = 1,
    page_size: int = 50,
) -> Page:
    actor.require(VIEW_MESSAGE)
    problems = {}
    if status and status not in Message.Status.values:
        problems["status"] = _("Unknown status.")
    if channel and channel not in Channel.values:
        problems["channel"] = _("Unknown channel.")
    if date_from and date_to and date_from > date_to:
        problems["date_to"] = _("The end date is before the start date.")
    if problems:
        raise ValidationFailed(fields=problems)
    messages = Message.objects.all()
    if customer_id:
        messages = messages.filter(customer_id=customer_id)
    if status:
        messages = messages.filter(status=status)
    if channel:
        messages = messages.filter(channel=channel)
    if template:
        messages = messages.filter(template_code=template)
    if date_from:
        messages = messages.filter(created_at__date__gte=date_from)
    if date_to:
        messages = messages.filter(created_at__date__lte=date_to)
    return paginate(messages.order_by("-created_at", "-id"), page, page_size)


def _not_found() -> NotFound:
    return NotFound(fields={"message_id": _("No message has this id.")})


def get_message(*, actor: Actor, message_id: str) -> Message:
    actor.require(VIEW_MESSAGE)
    message = Message.objects.filter(public_id=message_id).first()
    if message is None:
        raise _not_found()
    return message


def retry_message(*, actor: Actor, message_id: str) -> Message:
    """Queue a failed or cancelled message again with a fresh set of attempts."""
    actor.require(CHANGE_MESSAGE)
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(public_id=message_id).first()
        if message is None:
            raise _not_found()
        if message.status not in (Message.Status.FAILED, Message.Status.CANCELLED):
            raise Conflict(
                _("Only a failed or cancelled message can be retried."),
                code="message_not_retryable",
                fields={"status": message.status},
            )
        before = {"status": message.status, "attempts": message.attempts}
        message.status = Message.Status.QUEUED
        message.attempts = 0
        message.next_attempt_at = max(timezone.now(), message.not_before or timezone.now())
        message.lease_token, message.lease_expires_at = "", None
        message.save()
        record_audit(
            actor=actor,
            action="message.retried",
            object_type="notifications.message",
            object_id=message.public_id,
            before=before,
            after={"status": message.status, "attempts": 0},
        )
        schedule_delivery(message.next_attempt_at)
    return message


def cancel_message(*, actor: Actor, message_id: str) -> Message:
    """Stop a queued message from going out."""
    actor.require(CHANGE_MESSAGE)
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(public_id=message_id).first()
        if message is None:
            raise _not_found()
        if message.status != Message.Status.QUEUED:
            raise Conflict(
                _("Only a queued message can be cancelled."),
                code="message_not_cancellable",
                fields={"status": message.status},
            )
        message.status = Message.Status.CANCELLED
        message.save(update_fields=["status", "updated_at"])
        record_audit(
            actor=actor,
            action="message.cancelled",
            object_type="notifications.message",
            object_id=message.public_id,
            before={"status": Message.Status.QUEUED},
            after={"status": message.status},
        )
    return message


# --- the borrower's inbox ------------------------------------------------------------------------


def _inbox(actor: Actor):
    if actor.kind != "borrower":
        raise PermissionDenied()
    return Message.objects.filter(
        customer_id=actor.id, channel=Channel.INBOX, status=Message.Status.SENT
    )


def list_inbox(*, actor: Actor, unread_only: bool = False, page=1, page_size=20) -> Page:
    """The borrower's delivered inbox messages, newest first."""
    messages = _inbox(actor)
    if unread_only:
        messages = messages.filter(read_at__isnull=True)
    return paginate(messages.order_by("-sent_at", "-id"), page, page_size)


def mark_read(*, actor: Actor, message_id: str) -> Message:
    """Mark one of the borrower's inbox messages read (again: no change)."""
    with transaction.atomic():
        message = _inbox(actor).select_for_update().filter(public_id=message_id).first()
        if message is None:
            raise _not_found()
        if message.read_at is None:
            message.read_at = timezone.now()
            message.save(update_fields=["read_at", "updated_at"])
    return message
