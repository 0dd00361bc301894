"""The contract PDF: rendered once on first view, then always the same stored bytes.

The borrower signs the SHA-256 of the bytes they were shown, so those bytes must never be
produced again differently: the first render is stored with its hash (and the hash goes into
the audit trail), and every later view serves the stored file after checking it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microloan.audit.services import record_audit
from microloan.customers.interface import legal_identity
from microloan.kernel.actors import Actor
from microloan.kernel.errors import BusinessRuleViolation

from ..documents import Party, build_document, to_pdf
from ..models import Contract
from ..storage import read_pdf, sha256_hex, write_pdf
from .common import visible_contract

VISIBLE_ID_DIGITS = 4


def mask_id_number_for_contract(id_number: str) -> str:
    """Every character but the last 4 masked: ``"11010519491231002X"`` →
    ``"**************002X"``."""
    compact = "".join(ch for ch in id_number if ch not in " -")
    visible = compact[-VISIBLE_ID_DIGITS:]
    return "*" * (len(compact) - len(visible)) + visible


def borrower_party(contract: Contract) -> Party:
    """The parties as the PDF names them.

    The PDF carries the borrower's full legal name: a contract must name its party, and the
    name is what a court or the borrower reads. The resident ID number is masked except its
    last 4: together with the name, the customer number and the signing evidence (an
    authenticated session, device, IP, hash) that identifies the signer, while a PDF that is
    downloaded, forwarded or left on a phone does not leak the full number (PIPL: minimum
    necessary). The full number stays in the encrypted customer record the customer number
    points to. Screens and the API show the name masked.
    """
    customer = legal_identity(contract.customer_id)
    if customer is None:
        raise BusinessRuleViolation(
            _("The contract's customer is not registered; it cannot be rendered."),
            code="customer_missing",
            fields={"customer_id": contract.customer_id},
        )
    return Party(
        lender_name=contract.terms.get("lender_name", ""),
        borrower_name=customer.name,
        borrower_id_number=mask_id_number_for_contract(customer.id_number),
        customer_id=contract.customer_id,
    )


def render_contract_pdf(contract: Contract, party: Party | None = None) -> bytes:
    """Fresh PDF bytes of ``contract`` from its template version and terms (not stored)."""
    document = build_document(
        title=contract.template.title,
        body=contract.template.body,
        language=contract.language,
        terms=contract.terms,
        party=party or borrower_party(contract),
        contract_id=contract.public_id,
    )
    return to_pdf(document)


def ensure_rendered(*, actor: Actor, contract_id: str) -> Contract:
    """The contract with its unsigned PDF stored (rendering it now if never rendered)."""
    contract = visible_contract(actor, contract_id)
    if contract.pdf_sha256:
        return contract
    with transaction.atomic():
        contract = visible_contract(actor, contract_id, lock=True)
        if contract.pdf_sha256:  # rendered by a concurrent request while we waited
            return contract
        data = render_contract_pdf(contract)
        contract.pdf_file = write_pdf(contract.public_id, "unsigned", data)
        contract.pdf_sha256 = sha256_hex(data)
        contract.rendered_at = timezone.now()
        contract.save(update_fields=["pdf_file", "pdf_sha256", "rendered_at"])
        record_audit(
            actor=actor,
            action="contract.rendered",
            object_type="contract",
            object_id=contract.public_id,
            after={"sha256": contract.pdf_sha256, "template_version": contract.template.version},
        )
    return contract


@dataclass(frozen=True)
class ContractFile:
    contract: Contract
    data: bytes
    sha256: str
    filename: str
    sealed: bool


def contract_file(*, actor: Actor, contract_id: str) -> ContractFile:
    """What the borrower or staff downloads: the sealed PDF once signed, else the unsigned one
    (rendered on first request). Staff downloads are audited: the PDF names the borrower."""
    contract = visible_contract(actor, contract_id)
    if contract.status == Contract.Status.SIGNED:
        digest, sealed = contract.sealed_sha256, True
        data = read_pdf(contract.sealed_file, digest)
    else:
        contract = ensure_rendered(actor=actor, contract_id=contract_id)
        digest, sealed = contract.pdf_sha256, False
        data = read_pdf(contract.pdf_file, digest)
    if actor.kind == "staff":
        with transaction.atomic():
            record_audit(
                actor=actor,
                action="contract.pdf_viewed",
                object_type="contract",
                object_id=contract.public_id,
                after={"sha256": digest, "sealed": sealed},
            )
    suffix = "sealed" if sealed else "unsigned"
    return ContractFile(contract, data, digest, f"{contract.public_id}-{suffix}.pdf", sealed)
