"""Money the bank received outside a payment order, recorded by staff (maker-checker above a
threshold).

The maker needs ``lending.record_manualposting`` and gives the bank's channel and reference:
one posting per (channel, reference) that is not rejected, so the same bank money never posts
twice (409 ``bank_reference_used``), and none for a reference a payment order already carries
(payments refuses it: 409 ``bank_reference_of_order``). Up to
``MANUAL_POSTING_APPROVAL_THRESHOLD`` yuan it posts at once; above, it waits as a maker-checker
request that a different person holding ``lending.approve_manualposting`` approves
(``services.requests``). The posting itself is the ordinary repayment, prepayment or payoff
service, with ``source_ref = "bank:<channel>:<ref>"``. Each step is audited with the person
who took it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from microloan.audit.services import record_audit
from microloan.kernel import events
from microloan.kernel.actors import Actor
from microloan.kernel.errors import Conflict, ValidationFailed
from microloan.kernel.ids import new_public_id
from microloan.kernel.money import parse_yuan
from microloan.kernel.services import get_business_date
from microloan.loanmath.schedules import ReamortisationMode

from ..events import ManualPostingRecorded
from ..models import Loan, MakerCheckerRequest, ManualPosting
from . import prepayments, repayments
from .common import check_positive_amount, clean_reason, get_loan, require_staff, require_user

PERM_RECORD = "lending.record_manualposting"
PERM_APPROVE = "lending.approve_manualposting"
# The lending posting runs as this system actor; the audit rows here name the people.
POSTING_ACTOR = Actor.system("manual-posting")
MAX_CHANNEL_LENGTH = 32
MAX_REFERENCE_LENGTH = 64
Kind = ManualPosting.Kind
Status = ManualPosting.Status


def approval_threshold() -> int:
    """``MANUAL_POSTING_APPROVAL_THRESHOLD`` (yuan) in fen: above it, a second person approves."""
    value = settings.MANUAL_POSTING_APPROVAL_THRESHOLD
    return parse_yuan(str(value), field="MANUAL_POSTING_APPROVAL_THRESHOLD")


def _clean_text(value: str, field: str, max_length: int) -> str:
    value = (value or "").strip() if isinstance(value, str) else ""
    if not value or len(value) > max_length:
        raise ValidationFailed(
            code=f"invalid_{field}",
            fields={field: _("Required, at most %(n)s characters.") % {"n": max_length}},
        )
    return value


def _snapshot(posting: ManualPosting) -> dict:
    return {
        "posting": posting.public_id,
        "kind": posting.kind,
        "amount": posting.amount,
        "channel": posting.channel,
        "bank_reference": posting.bank_reference,
        "prepayment_mode": posting.prepayment_mode,
        "status": posting.status,
        "transaction": posting.transaction_id,
    }


def _audit(actor: Actor, action: str, posting: ManualPosting, **extra) -> None:
    record_audit(
        actor=actor,
        action=f"loan.manual_posting_{action}",
        object_type="loan",
        object_id=posting.loan.public_id,
        after={**_snapshot(posting), **extra},
    )


def record_manual_posting(
    *,
    actor: Actor,
    loan_id: str,
    kind: str,
    amount: int,
    channel: str,
    bank_reference: str,
    reason: str,
    mode: str | None = None,
) -> ManualPosting:
    """Record ``amount`` fen the bank received for the loan under ``bank_reference``; post it
    now, or (above the threshold) propose it for a second person's approval."""
    require_staff(actor, PERM_RECORD)
    maker_pk = require_user(actor)
    if kind not in Kind.values:
        raise ValidationFailed(
            code="invalid_kind", fields={"kind": _("Use repayment, prepayment or payoff.")}
        )
    check_positive_amount(amount)
    channel = _clean_text(channel, "channel", MAX_CHANNEL_LENGTH)
    bank_reference = _clean_text(bank_reference, "bank_reference", MAX_REFERENCE_LENGTH)
    reason = clean_reason(reason)
    if mode is not None and (kind != Kind.PREPAYMENT or mode not in tuple(ReamortisationMode)):
        raise ValidationFailed(
            code="invalid_mode",
            fields={"mode": _("Only a prepayment takes shorten_term or lower_instalment.")},
        )
    with transaction.atomic():
        loan = Loan.objects.select_for_update().get(pk=get_loan(actor, loan_id).pk)
        repayments.check_repayable(loan, get_business_date())
        try:
            with transaction.atomic():
                posting = ManualPosting.objects.create(
                    public_id=new_public_id("mpo"),
                    loan=loan,
                    kind=kind,
                    amount=amount,
                    prepayment_mode=mode or "",
                    channel=channel,
                    bank_reference=bank_reference,
                    status=Status.PENDING,
                    maker_id=maker_pk,
                )
        except IntegrityError as exc:  # this bank money is recorded already
            raise Conflict(
                _("This bank reference was already recorded on channel %(channel)s.")
                % {"channel": channel},
                code="bank_reference_used",
                fields={"bank_reference": bank_reference, "channel": channel},
            ) from exc
        # Payments refuses (and so rolls this back) a reference its orders already received:
        # the same bank money would otherwise post once by the order and once by hand.
        events.publish(
            ManualPostingRecorded(
                loan_id=loan.public_id, channel=channel, bank_reference=bank_reference
            )
        )
        _audit(actor, "recorded", posting, reason=reason)
        if amount > approval_threshold():
            posting.request = MakerCheckerRequest.objects.create(
                public_id=new_public_id("mcr"),
                kind=MakerCheckerRequest.Kind.MANUAL_POSTING,
                loan=loan,
                line_id=loan.line_id,
                params={
                    "posting": posting.public_id,
                    "kind": kind,
                    "amount": amount,
                    "channel": channel,
                    "bank_reference": bank_reference,
                },
                reason=reason,
                maker_id=maker_pk,
            )
            posting.save(update_fields=["request"])
            _audit(actor, "proposed", posting, request=posting.request.public_id)
        else:
            _post(actor, posting)
    return posting


def _post(actor: Actor, posting: ManualPosting) -> None:
    """Post through the loan's own service (which refuses what the loan cannot take)."""
    common = {
        "actor": POSTING_ACTOR,
        "loan_id": posting.loan.public_id,
        "amount": posting.amount,
        "business_date": get_business_date(),
        "source_ref": f"bank:{posting.channel}:{posting.bank_reference}",
    }
    if posting.kind == Kind.PREPAYMENT:
        txn = prepayments.prepay(**common, mode=posting.prepayment_mode or None)
    elif posting.kind == Kind.PAYOFF:
        txn = prepayments.payoff(**common)
    else:
        txn = repayments.repay(**common)
    posting.status = Status.POSTED
    posting.transaction_id = txn.public_id
    posting.save(update_fields=["status", "transaction_id"])
    _audit(actor, "posted", posting)


def _for_request(request: MakerCheckerRequest) -> ManualPosting:
    return ManualPosting.objects.select_for_update().select_related("loan").get(request=request)


def apply_manual_posting(*, actor: Actor, request: MakerCheckerRequest) -> None:
    """The checker approved: post it now (``services.requests`` checked maker ≠ checker)."""
    _post(actor, _for_request(request))


def reject_manual_posting(*, actor: Actor, request: MakerCheckerRequest) -> None:
    """The checker refused: nothing posts, and the bank reference may be recorded again."""
    posting = _for_request(request)
    posting.status = Status.REJECTED
    posting.save(update_fields=["status"])
    _audit(actor, "rejected", posting)
