"""Is this PDF a contract the platform sealed, unchanged? For stored contracts and uploads."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from microloan.kernel.actors import Actor
from microloan.kernel.errors import DomainError, ValidationFailed

from ..models import Contract
from ..signing import Verification, verify_pdf
from ..storage import read_pdf, sha256_hex
from .common import VERIFY_CONTRACT, visible_contract

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


@dataclass
class ContractVerification:
    ok: bool
    sha256: str
    seal: Verification
    contract_id: str = ""
    matches_record: bool = False
    contains_signed_original: bool = False
    problems: list[str] = field(default_factory=list)


def _check(data: bytes, contract: Contract | None) -> ContractVerification:
    seal = verify_pdf(data)
    digest = sha256_hex(data)
    problems = list(seal.problems)
    matches = contains = False
    if contract is not None:
        matches = digest == contract.sealed_sha256
        if contract.pdf_file and contract.signed_sha256:
            try:
                original = read_pdf(contract.pdf_file, contract.pdf_sha256)
            except DomainError:
                problems.append("unsigned_file_damaged")
            else:
                contains = data.startswith(original) and sha256_hex(original) == (
                    contract.signed_sha256
                )
        if not matches:
            problems.append("not_the_recorded_file")
        if not contains:
            problems.append("signed_original_not_contained")
    else:
        problems.append("not_a_recorded_contract")
    return ContractVerification(
        ok=not problems and seal.ok,
        sha256=digest,
        seal=seal,
        contract_id=contract.public_id if contract else "",
        matches_record=matches,
        contains_signed_original=contains,
        problems=problems,
    )


def verify_stored(*, actor: Actor, contract_id: str) -> ContractVerification:
    """Verify a stored contract: its sealed file is the recorded one, begins with the exact
    bytes the borrower signed, and carries an intact platform seal covering the whole file."""
    contract = visible_contract(actor, contract_id)
    if contract.status != Contract.Status.SIGNED:
        return ContractVerification(
            ok=False,
            sha256="",
            seal=Verification(ok=False, problems=["not_signed"]),
            contract_id=contract.public_id,
            problems=["not_signed"],
        )
    try:
        data = read_pdf(contract.sealed_file, contract.sealed_sha256)
    except DomainError:
        return ContractVerification(
            ok=False,
            sha256="",
            seal=Verification(ok=False, problems=["stored_pdf_damaged"]),
            contract_id=contract.public_id,
            problems=["stored_pdf_damaged"],
        )
    return _check(data, contract)


def verify_file(data: bytes) -> ContractVerification:
    """Verify PDF bytes: the platform seal, and that they are byte for byte the sealed file
    recorded for a contract (found by SHA-256), which catches any change the seal cannot."""
    contract = Contract.objects.filter(sealed_sha256=sha256_hex(data)).first()
    return _check(data, contract)


def verify_upload(*, actor: Actor, data: bytes) -> ContractVerification:
    """``verify_file`` for staff with ``contracts.verify_contract``."""
    actor.require_staff()
    actor.require(VERIFY_CONTRACT)
    if not data:
        raise ValidationFailed(fields={"file": _("Upload the PDF to verify.")})
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationFailed(fields={"file": _("At most 10 MB.")})
    return verify_file(data)
