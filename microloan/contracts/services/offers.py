"""Contracts come into being from lending's state: the line agreement when a line is
approved (or, failing that, at its first drawdown) and the loan contract at each drawdown.

These run inside the publisher's transaction (``handlers``), so they only read lending rows
and write contract rows: the PDF is rendered later, on first view. Rendering takes a few
milliseconds of CPU but a drawdown must stay quick and must not fail for a rendering problem;
the terms are fixed here (a JSON snapshot), so the lazily rendered PDF states exactly the
offer made at drawdown.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from microloan.audit.services import record_audit
from microloan.customers.interface import LanguageAndConsents, language_and_consents
from microloan.kernel.actors import Actor
from microloan.kernel.ids import new_public_id
from microloan.kernel.services import get_business_date
from microloan.lending.interface import line_terms, loan_schedule_rows, loan_terms
from microloan.products.domain import ProductTerms

from ..models import CONTRACT_ID_PREFIX, Contract, Kind, Language
from .common import SYSTEM, lender_name, offer_ttl
from .templates import active_template


def _customer_facts(customer_id: str) -> tuple[str, list[dict]]:
    """The customer's contract language and consents in force, in two narrow queries (the
    language; the consents' three columns) instead of loading and decrypting the whole
    customer; defaults if the customer is not registered here (some tests draw on made-up
    customer ids)."""
    found: LanguageAndConsents | None = language_and_consents(customer_id)
    if found is None:
        return Language.ZH_HANS, []
    language = found.language if found.language in Language.values else Language.ZH_HANS
    consents = [
        {
            "purpose": consent.purpose,
            "text_version": consent.text_version,
            "granted_at": timezone.localtime(consent.granted_at).strftime("%Y-%m-%d %H:%M"),
        }
        for consent in found.consents
    ]
    return language, consents


def _product_terms(product_code: str, terms: ProductTerms) -> dict:
    return {
        "product_code": product_code,
        "day_count": terms.day_count,
        "penalty_multiplier": str(terms.penalty_multiplier),
        "grace_days": terms.grace_days,
        "prepayment_fee_type": terms.prepayment_fee_type,
        "prepayment_fee_value": str(terms.prepayment_fee_value),
        "prepayment_mode": terms.prepayment_mode,
    }


def _create(
    *,
    actor: Actor,
    kind: str,
    customer_id: str,
    line_id: str,
    loan_id: str,
    terms: dict,
    business_date: dt.date,
    language: str,
    expires: bool,
) -> Contract:
    template = active_template(kind, language)
    now = timezone.now()
    try:
        with transaction.atomic():
            contract = Contract.objects.create(
                public_id=new_public_id(CONTRACT_ID_PREFIX),
                kind=kind,
                customer_id=customer_id,
                line_id=line_id,
                loan_id=loan_id,
                language=language,
                template=template,
                terms={**terms, "lender_name": lender_name(language)},
                business_date=business_date,
                offer_expires_at=now + offer_ttl() if expires else None,
            )
            record_audit(
                actor=actor,
                action="contract.created",
                object_type="contract",
                object_id=contract.public_id,
                after={
                    "kind": kind,
                    "line_id": line_id,
                    "loan_id": loan_id,
                    "template": f"{template.public_id} v{template.version}",
                },
            )
    except IntegrityError:  # created meanwhile by another request for the same line/loan
        contract = _existing(kind, line_id, loan_id)
        if contract is None:
            raise
    return contract


def _existing(kind: str, line_id: str, loan_id: str) -> Contract | None:
    if kind == Kind.LOAN:
        return Contract.objects.filter(kind=kind, loan_id=loan_id).first()
    return Contract.objects.filter(kind=kind, line_id=line_id).first()


def ensure_line_agreement(*, actor: Actor, line_id: str) -> Contract:
    """The line's agreement, created from the line's current terms if it has none."""
    existing = _existing(Kind.LINE_AGREEMENT, line_id, "")
    if existing is not None:
        return existing
    return create_line_agreement(actor=actor, line_id=line_id)


def create_line_agreement(*, actor: Actor, line_id: str) -> Contract:
    """The agreement of a line that has just been opened (``application.decided``): made
    without looking for an existing one first. Still idempotent: the one-agreement-per-line
    constraint refuses a second and ``_create`` then returns the one already there (a
    replayed event); ``ensure_line_agreement`` is the general entry point."""
    line = line_terms(line_id)
    language, consents = _customer_facts(line.customer_id)
    product = line.product_terms
    terms = {
        "kind": Kind.LINE_AGREEMENT,
        "line_id": line.line_id,
        "limit": line.limit,
        "daily_rate": str(line.daily_rate),
        "apr": str(line.apr),
        "opened_on": line.opened_on.isoformat(),
        "expires_on": line.expires_on.isoformat(),
        "allowed_terms": list(product.allowed_terms),
        "allowed_methods": list(product.allowed_methods),
        "grade": line.grade,
        "consents": consents,
        **_product_terms(line.product_code, product),
        # The rate a drawdown on this line will charge (lending's own formula).
        "penalty_daily_rate": str(line.penalty_daily_rate),
    }
    return _create(
        actor=actor,
        kind=Kind.LINE_AGREEMENT,
        customer_id=line.customer_id,
        line_id=line.line_id,
        loan_id="",
        terms=terms,
        business_date=get_business_date(),
        language=language,
        expires=False,
    )


def create_loan_contract(
    *, actor: Actor, loan_id: str, business_date: dt.date | None = None
) -> Contract:
    """The loan contract of a drawn loan (its existing one if made already), with the
    schedule stored at drawdown and the loan's APR (IRR method)."""
    loan = loan_terms(actor=SYSTEM, loan_id=loan_id)
    existing = _existing(Kind.LOAN, loan.line_id, loan.loan_id)
    if existing is not None:
        return existing
    ensure_line_agreement(actor=actor, line_id=loan.line_id)
    rows = loan_schedule_rows(loan.loan_id)
    schedule = [
        {
            "number": row.number,
            "due_date": row.due_date.isoformat(),
            "principal": row.principal,
            "interest": row.interest,
            "balance_after": row.balance_after,
        }
        for row in rows
    ]
    language, consents = _customer_facts(loan.customer_id)
    terms = {
        "kind": Kind.LOAN,
        "line_id": loan.line_id,
        "loan_id": loan.loan_id,
        "amount": loan.principal,
        "daily_rate": str(loan.daily_rate),
        "apr": str(loan.apr),
        "term_months": loan.term_months,
        "method": loan.method,
        "start_date": rows[0].start_date.isoformat() if rows else "",
        "schedule": schedule,
        "consents": consents,
        **_product_terms(loan.product_code, loan.product_terms),
        # What end of day charges this loan, from the loan row itself, not the product.
        "penalty_daily_rate": str(loan.penalty_daily_rate),
        "day_count": loan.day_count,
        "grace_days": loan.grace_days,
    }
    on = business_date or get_business_date()
    terms["business_date"] = on.isoformat()
    return _create(
        actor=actor,
        kind=Kind.LOAN,
        customer_id=loan.customer_id,
        line_id=loan.line_id,
        loan_id=loan.loan_id,
        terms=terms,
        business_date=on,
        language=language,
        expires=True,
    )


def void_loan_contract(*, actor: Actor, loan_id: str, reason: str) -> Contract | None:
    """The loan was cancelled before it was paid out: its unsigned contract can no longer be
    signed. A signed one stays as it is (signed contracts never change)."""
    contract = (
        Contract.objects.select_for_update()
        .filter(kind=Kind.LOAN, loan_id=loan_id, status=Contract.Status.PENDING)
        .first()
    )
    if contract is None:
        return None
    contract.status = Contract.Status.VOID
    contract.voided_reason = str(reason)[:200]
    contract.save(update_fields=["status", "voided_reason"])
    record_audit(
        actor=actor,
        action="contract.voided",
        object_type="contract",
        object_id=contract.public_id,
        before={"status": Contract.Status.PENDING},
        after={"status": Contract.Status.VOID, "reason": contract.voided_reason},
    )
    return contract
