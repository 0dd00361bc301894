"""The borrower signs a contract; the platform seals it; ``contract.signed`` goes out.

The borrower sends the SHA-256 of the PDF they were shown. It must equal the hash of the stored
unsigned PDF: then the evidence (time, IP, device, user agent, hash) is stored, the platform
seals those exact bytes with its PAdES signature (an incremental update, so the sealed file
begins with them), and the event is published in the same transaction, so payments' disbursement
order exists if and only if the signature does.
"""

from __future__ import annotations

import ipaddress
import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microloan.audit.services import record_audit
from microloan.customers.services import grant_consent
from microloan.kernel import events
from microloan.kernel.actors import Actor
from microloan.kernel.errors import (
    BusinessRuleViolation,
    Conflict,
    PermissionDenied,
    ValidationFailed,
)
from microloan.kernel.services import get_business_date
from microloan.lending.interface import LoanStatus, line_state, loan_status

from ..events import ContractSigned
from ..models import Contract, Kind
from ..signing import seal_pdf
from ..storage import read_pdf, write_pdf
from ..storage import sha256_hex as digest_of
from .common import State, contract_state, visible_contract

_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
_DEVICE_ID = re.compile(r"^[\x21-\x7e]{1,128}$")
USER_AGENT_MAX_LENGTH = 300
E_CONTRACT_CONSENT = "e_contract"


def _clean_evidence(sha256, device_id) -> tuple[str, str]:
    problems = {}
    if not isinstance(sha256, str) or not _SHA256.match(sha256):
        problems["sha256"] = _("The SHA-256 of the PDF shown: 64 hexadecimal characters.")
    if not isinstance(device_id, str) or not _DEVICE_ID.match(device_id):
        problems["device_id"] = _("1 to 128 visible ASCII characters.")
    if problems:
        raise ValidationFailed(fields=problems)
    return sha256.lower(), device_id


def _ip_or_none(text: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((text or "").strip()))
    except ValueError:
        return None


def _refuse_state(contract: Contract) -> None:
    state = contract_state(contract)
    if state == State.SIGNED:
        raise Conflict(
            _("This contract is already signed."),
            code="already_signed",
            fields={"contract_id": contract.public_id},
        )
    if state == State.VOID:
        raise Conflict(
            _("This contract is void: its loan was cancelled."),
            code="contract_void",
            fields={"contract_id": contract.public_id},
        )
    if state == State.EXPIRED:
        raise Conflict(
            _("The offer has expired; draw the loan again for a new offer."),
            code="offer_expired",
            fields={"offer_expires_at": contract.offer_expires_at.isoformat()},
        )


def _refuse_line_and_loan(contract: Contract) -> None:
    """The line must still be open; a loan contract needs the line agreement signed first
    and its loan still waiting for disbursement."""
    if contract.kind == Kind.LOAN:
        agreement_signed = Contract.objects.filter(
            kind=Kind.LINE_AGREEMENT, line_id=contract.line_id, status=Contract.Status.SIGNED
        ).exists()
        if not agreement_signed:
            raise BusinessRuleViolation(
                _("Sign the credit line agreement before this loan contract."),
                code="line_agreement_unsigned",
                fields={"line_id": contract.line_id},
            )
        if loan_status(contract.loan_id) != LoanStatus.PENDING_DISBURSEMENT:
            raise Conflict(
                _("The loan is no longer waiting for this contract."),
                code="loan_not_pending",
                fields={"loan_id": contract.loan_id},
            )
    line = line_state(contract.line_id)
    if line is not None and line.frozen:
        raise Conflict(
            _("The credit line is frozen."),
            code="line_frozen",
            fields={"line_id": contract.line_id},
        )
    if line is None or not line.open_on(get_business_date()):
        raise Conflict(
            _("The credit line is no longer open."),
            code="line_not_open",
            fields={"line_id": contract.line_id, "status": line.status if line else ""},
        )


def _refuse_other_document(contract: Contract, sha256: str) -> None:
    if not contract.pdf_sha256:
        raise Conflict(
            _("Open the contract PDF before signing it."),
            code="pdf_not_viewed",
            fields={"contract_id": contract.public_id},
        )
    if sha256 != contract.pdf_sha256:
        raise Conflict(
            _("The document signed is not the contract's current PDF."),
            code="sha256_mismatch",
            fields={"sha256": sha256},
        )


def sign_contract(
    *,
    actor: Actor,
    contract_id: str,
    sha256: str,
    device_id: str,
    ip_address: str | None = None,
    user_agent: str = "",
) -> Contract:
    """The borrower signs their contract; returns it signed and sealed.

    Refusals: someone else's or unknown contract 404 ``contract_not_found``; 409
    ``already_signed``, ``contract_void``, ``offer_expired``, ``loan_not_pending``,
    ``line_frozen``, ``line_not_open``, ``pdf_not_viewed``, ``sha256_mismatch``; 422
    ``line_agreement_unsigned``, ``validation_failed`` (sha256, device_id).
    """
    if actor.kind != "borrower":
        raise PermissionDenied(_("Only the borrower signs their contract."))
    sha256, device_id = _clean_evidence(sha256, device_id)
    with transaction.atomic():
        contract = visible_contract(actor, contract_id, lock=True)
        _refuse_state(contract)
        _refuse_line_and_loan(contract)
        _refuse_other_document(contract, sha256)
        unsigned = read_pdf(contract.pdf_file, contract.pdf_sha256)
        # Signing an e-contract is the consent to e-contracts (PIPL: recorded per purpose).
        grant_consent(
            actor=actor,
            customer_id=contract.customer_id,
            purpose=E_CONTRACT_CONSENT,
            text_version=f"{contract.kind[:4]}-v{contract.template.version}",
            channel="app",
            client_ip=ip_address,
        )
        now = timezone.now()
        sealed = seal_pdf(
            unsigned,
            reason=f"Signed by {contract.customer_id} at {now.isoformat()}; sha256 {sha256}",
            location="Microloan platform",
        )
        contract.signed_at = now
        contract.signed_ip = _ip_or_none(ip_address)
        contract.signed_device_id = device_id
        contract.signed_user_agent = (user_agent or "")[:USER_AGENT_MAX_LENGTH]
        contract.signed_sha256 = sha256
        contract.sealed_file = write_pdf(contract.public_id, "sealed", sealed)
        contract.sealed_sha256 = digest_of(sealed)
        contract.status = Contract.Status.SIGNED
        contract.save()
        record_audit(
            actor=actor,
            action="contract.signed",
            object_type="contract",
            object_id=contract.public_id,
            before={"status": State.PENDING},
            after={
                "status": contract.status,
                "sha256": sha256,
                "sealed_sha256": contract.sealed_sha256,
                "ip": contract.signed_ip or "",
                "device_id": device_id,
            },
        )
        events.publish(
            ContractSigned(
                customer_id=contract.customer_id,
                contract_id=contract.public_id,
                kind=contract.kind,
                line_id=contract.line_id,
                loan_id=contract.loan_id,
                sha256=sha256,
            )
        )
    return contract
