"""Notifications API (mounted at /api/v1/notifications/): the borrower's inbox, the staff
message log with retry and cancel, and the message templates.

Staff see message texts with long digit runs masked (``services.mask_text``); the borrower
sees their own inbox in full.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from microloan.api.auth import borrower_auth, staff_auth
from microloan.kernel.input_types import ApiDate, PageNumber, PageSize
from microloan.kernel.pagination import page_of

from . import services
from .models import Message, MessageTemplate

router = Router(tags=["notifications"])


class Input(Schema):
    model_config = ConfigDict(extra="forbid")


class InboxFilters(Schema):
    unread_only: bool = False
    page: PageNumber = 1
    page_size: PageSize = 20


class MessageFilters(Schema):
    customer_id: str | None = Field(None, max_length=40)
    status: str | None = Field(None, max_length=16)
    channel: str | None = Field(None, max_length=8)
    template: str | None = Field(None, max_length=64)
    date_from: ApiDate | None = None
    date_to: ApiDate | None = None
    page: PageNumber = 1
    page_size: PageSize = 50


class InboxItemOut(Schema):
    id: str
    template: str
    subject: str
    body: str
    sent_at: dt.datetime | None
    read_at: dt.datetime | None

    @staticmethod
    def of(message: Message) -> dict[str, Any]:
        return {
            "id": message.public_id,
            "template": message.template_code,
            "subject": message.subject,
            "body": message.body,
            "sent_at": message.sent_at,
            "read_at": message.read_at,
        }


class InboxPage(Schema):
    items: list[InboxItemOut]
    total: int
    page: int
    page_size: int


class MessageOut(Schema):
    id: str
    customer_id: str
    channel: str
    template: str
    template_version: int
    language: str
    subject: str
    body: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None
    not_before: dt.datetime | None
    last_error: str
    provider_message_id: str
    created_at: dt.datetime
    sent_at: dt.datetime | None
    read_at: dt.datetime | None

    @staticmethod
    def of(message: Message) -> dict[str, Any]:
        return {
            "id": message.public_id,
            "customer_id": message.customer_id,
            "channel": message.channel,
            "template": message.template_code,
            "template_version": message.template_version,
            "language": message.language,
            "subject": services.mask_text(message.subject),
            "body": services.mask_text(message.body),
            "status": message.status,
            "attempts": message.attempts,
            "next_attempt_at": message.next_attempt_at,
            "not_before": message.not_before,
            "last_error": message.last_error,
            "provider_message_id": message.provider_message_id,
            "created_at": message.created_at,
            "sent_at": message.sent_at,
            "read_at": message.read_at,
        }


class MessagePage(Schema):
    items: list[MessageOut]
    total: int
    page: int
    page_size: int


class MessageTemplateOut(Schema):
    code: str
    description: str
    variables: dict[str, str]
    subject_zh: str
    body_zh: str
    subject_en: str
    body_en: str
    version: int
    updated_by: str
    updated_at: dt.datetime

    @staticmethod
    def of(template: MessageTemplate) -> dict[str, Any]:
        return {
            field: getattr(template, field)
            for field in (
                "code",
                "description",
                "variables",
                "subject_zh",
                "body_zh",
                "subject_en",
                "body_en",
                "version",
                "updated_by",
                "updated_at",
            )
        }


class MessageTemplateIn(Input):
    """The texts to change; fields left out keep their text."""

    subject_zh: str | None = Field(None, max_length=200)
    body_zh: str | None = Field(None, max_length=1000)
    subject_en: str | None = Field(None, max_length=200)
    body_en: str | None = Field(None, max_length=1000)


# --- borrower ------------------------------------------------------------------------------------


@router.get("/me/inbox", auth=borrower_auth, response=InboxPage)
def my_inbox(request, filters: Query[InboxFilters]):
    page = services.list_inbox(actor=request.auth, **filters.dict())
    return page_of(page, InboxItemOut.of)


@router.post("/me/inbox/{message_id}/read", auth=borrower_auth, response=InboxItemOut)
def read_inbox_message(request, message_id: str):
    return InboxItemOut.of(services.mark_read(actor=request.auth, message_id=message_id))


# --- staff: messages ---------------------------------------------------------------------------


@router.get("/messages", auth=staff_auth(services.VIEW_MESSAGE), response=MessagePage)
def list_messages(request, filters: Query[MessageFilters]):
    return page_of(services.list_messages(actor=request.auth, **filters.dict()), MessageOut.of)


@router.get("/messages/{message_id}", auth=staff_auth(services.VIEW_MESSAGE), response=MessageOut)
def get_message(request, message_id: str):
    return MessageOut.of(services.get_message(actor=request.auth, message_id=message_id))


@router.post(
    "/messages/{message_id}/retry", auth=staff_auth(services.CHANGE_MESSAGE), response=MessageOut
)
def retry_message(request, message_id: str):
    return MessageOut.of(services.retry_message(actor=request.auth, message_id=message_id))


@router.post(
    "/messages/{message_id}/cancel", auth=staff_auth(services.CHANGE_MESSAGE), response=MessageOut
)
def cancel_message(request, message_id: str):
    return MessageOut.of(services.cancel_message(actor=request.auth, message_id=message_id))


# --- staff: templates ----------------------------------------------------------------------------


@router.get(
    "/templates", auth=staff_auth(services.VIEW_TEMPLATE), response=list[MessageTemplateOut]
)
def list_templates(request):
    return [MessageTemplateOut.of(t) for t in services.list_templates(actor=request.auth)]


@router.get(
    "/templates/{code}", auth=staff_auth(services.VIEW_TEMPLATE), response=MessageTemplateOut
)
def get_template(request, code: str):
    return MessageTemplateOut.of(services.get_template(actor=request.auth, code=code))


@router.patch(
    "/templates/{code}", auth=staff_auth(services.CHANGE_TEMPLATE), response=MessageTemplateOut
)
def update_template(request, code: str, payload: MessageTemplateIn):
    changes = {name: value for name, value in payload.dict().items() if value is not None}
    return MessageTemplateOut.of(
        services.update_template(actor=request.auth, code=code, changes=changes)
    )
