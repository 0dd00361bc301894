"""Daily reconciliation of a channel's settlement file with our orders, and break handling.

A run stores every break it finds as a ``SettlementBreak``. The same file for the same date
again returns the run already made; a corrected file makes a new run and marks the open breaks
of the earlier runs for that date superseded. A malformed file stores nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microloan.audit.services import record_audit
from microloan.kernel.actors import Actor
from microloan.kernel.errors import BusinessRuleViolation, Conflict, NotFound, ValidationFailed
from microloan.kernel.ids import new_public_id

from .. import conf
from ..channels import ChannelTimeout, ChannelUnavailable, PaymentChannel, get_channel
from ..models import (
    BREAK_ID_PREFIX,
    RUN_ID_PREFIX,
    PaymentOrder,
    ReconciliationRun,
    SettlementBreak,
)
from ..settlement import OurOrder, SettlementFileInvalid, find_breaks, parse_settlement

PERM_CHANGE_BREAK = "payments.change_settlementbreak"
PERM_VIEW_BREAK = "payments.view_settlementbreak"
MAX_RESOLUTION_LENGTH = 1000


def _our_orders(channel: str, business_date: dt.date, named: set[str]):
    rows = PaymentOrder.objects.filter(channel=channel).filter(
        Q(public_id__in=named) | Q(business_date=business_date, status="succeeded")
    )
    ours = {
        order_id: OurOrder(order_id, amount, status, ref)
        for order_id, amount, status, ref in rows.values_list(
            "public_id", "amount", "status", "channel_ref"
        )
    }
    for_date = set(
        rows.filter(business_date=business_date, status="succeeded").values_list(
            "public_id", flat=True
        )
    )
    return ours, for_date


def reconcile_settlement(
    *,
    actor: Actor,
    business_date: dt.date,
    text: str | None = None,
    channel: PaymentChannel | None = None,
) -> ReconciliationRun:
    """Compare the settlement file (``text``, else fetched from the channel) for the date."""
    actor.require_staff()
    actor.require(PERM_CHANGE_BREAK)
    channel = channel or get_channel()
    if text is None:
        try:
            text = channel.settlement_file(business_date)
        except (ChannelTimeout, ChannelUnavailable) as error:
            raise BusinessRuleViolation(
                _("The bank could not be reached. Try again later."), code="channel_unavailable"
            ) from error
    try:
        theirs = parse_settlement(text)
    except SettlementFileInvalid as invalid:
        raise ValidationFailed(
            _("The settlement file is malformed at line %(line)s: %(reason)s")
            % {"line": invalid.line, "reason": invalid.reason},
            code="settlement_line_invalid",
            fields={"line": invalid.line, "reason": invalid.reason},
        ) from invalid
    digest = hashlib.sha256(text.encode()).hexdigest()
    channel_name = channel.name or conf.channel_name()
    with transaction.atomic():
        existing = ReconciliationRun.objects.filter(
            channel=channel_name, business_date=business_date, file_sha256=digest
        ).first()
        if existing is not None:
            return existing
        ours, for_date = _our_orders(channel_name, business_date, {t.order_id for t in theirs})
        found = find_breaks(theirs, ours, for_date)
        SettlementBreak.objects.filter(
            business_date=business_date, status=SettlementBreak.Status.OPEN
        ).update(status=SettlementBreak.Status.SUPERSEDED)
        run = ReconciliationRun.objects.create(
            public_id=new_public_id(RUN_ID_PREFIX),
            channel=channel_name,
            business_date=business_date,
            file_sha256=digest,
            lines=len(theirs),
            matched=len(theirs) - len({b.order_id for b in found if b.kind != "missing_theirs"}),
            breaks=len(found),
            actor_id=actor.label,
        )
        SettlementBreak.objects.bulk_create(
            SettlementBreak(
                public_id=new_public_id(BREAK_ID_PREFIX),
                run=run,
                business_date=business_date,
                kind=item.kind,
                order_id=item.order_id,
                our_amount=item.our_amount,
                their_amount=item.their_amount,
                our_status=item.our_status,
                their_status=item.their_status,
                channel_ref=item.channel_ref,
            )
            for item in found
        )
        record_audit(
            actor=actor,
            action="settlement.reconciled",
            object_type="reconciliation_run",
            object_id=run.public_id,
            after={
                "business_date": business_date.isoformat(),
                "lines": run.lines,
                "breaks": run.breaks,
                "file_sha256": digest,
            },
        )
    return run


def resolve_break(*, actor: Actor, break_id: str, resolution: str) -> SettlementBreak:
    """Close an open break with what was done about it."""
    actor.require_staff()
    actor.require(PERM_CHANGE_BREAK)
    resolution = " ".join((resolution or "").split())
    if not resolution or len(resolution) > MAX_RESOLUTION_LENGTH:
        raise ValidationFailed(
            code="resolution_required",
            fields={"resolution": _("Say what was done, in 1 to 1000 characters.")},
        )
    with transaction.atomic():
        item = (
            SettlementBreak.objects.select_for_update().filter(public_id=str(break_id)[:60]).first()
        )
        if item is None:
            raise NotFound(_("No such settlement break."), code="break_not_found")
        if item.status != SettlementBreak.Status.OPEN:
            raise Conflict(
                _("This break is not open."),
                code="break_not_open",
                fields={"status": item.status},
            )
        item.status = SettlementBreak.Status.RESOLVED
        item.resolution = resolution
        item.resolved_by = actor.label
        item.resolved_at = timezone.now()
        item.save(update_fields=["status", "resolution", "resolved_by", "resolved_at"])
        record_audit(
            actor=actor,
            action="settlement_break.resolved",
            object_type="settlement_break",
            object_id=item.public_id,
            before={"status": SettlementBreak.Status.OPEN},
            after={"status": item.status, "resolution": resolution},
        )
    return item
