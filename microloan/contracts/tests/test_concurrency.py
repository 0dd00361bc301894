"""Row locks on PostgreSQL: two signatures racing on one contract give one signature and one
``already_signed``; two first views racing render and record the PDF once."""

from __future__ import annotations

import pytest

from microloan.audit.models import AuditRecord
from microloan.audit.testing import audit_rows_erasable  # noqa: F401 (fixture)
from microloan.contracts.models import Contract
from microloan.contracts.services import rendering, signing
from microloan.kernel.actors import Actor
from microloan.kernel.errors import DomainError
from microloan.lending.tests.test_concurrency import race

from .helpers import agreement_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_racing_first_views_render_once(audit_rows_erasable, loan):  # noqa: F811
    agreement = agreement_of(loan.line.public_id)
    actor = Actor.borrower(loan.customer_id)

    def view():
        return rendering.contract_file(actor=actor, contract_id=agreement.public_id).sha256

    first, second = race(view, view)
    assert first == second, (first, second)
    assert AuditRecord.objects.filter(action="contract.rendered").count() == 1


def test_racing_signatures_sign_once(audit_rows_erasable, loan):  # noqa: F811
    agreement = agreement_of(loan.line.public_id)
    actor = Actor.borrower(loan.customer_id)
    sha256 = rendering.contract_file(actor=actor, contract_id=agreement.public_id).sha256

    def sign(device):
        return lambda: signing.sign_contract(
            actor=actor, contract_id=agreement.public_id, sha256=sha256, device_id=device
        )

    results = race(sign("phone-a"), sign("phone-b"))
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(refused) == 1 and refused[0].code == "already_signed", results
    assert Contract.objects.get(pk=agreement.pk).status == Contract.Status.SIGNED
    assert AuditRecord.objects.filter(action="contract.signed").count() == 1
