"""Running identity checks through the configured provider and keeping every answer.

``settings.RISK_IDENTITY_PROVIDER`` (dotted path of a class with the ``IdentityProvider``
methods; default ``SIMULATED_PROVIDER``) chooses the provider. A provider that raises is
recorded as an ``error`` answer (reason ``provider_exception``), never a 500: an unanswered
check sends the application to a person, it does not fail the applicant.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from microloan.kernel.actors import Actor
from microloan.kernel.errors import ValidationFailed
from microloan.kernel.ids import new_public_id
from microloan.kernel.sql import insert_many

from ..identity import (
    ERROR,
    FACE_MATCH,
    ID_VERIFICATION,
    REVIEW,
    IdentityProvider,
    IdentityResult,
    combined_outcome,
)
from ..models import SUBJECT_MAX_LENGTH, IdentityCheck
from .common import PERM_VIEW_IDENTITY_CHECK

logger = logging.getLogger(__name__)

SIMULATED_PROVIDER = "microloan.risk.identity.SimulatedIdentityProvider"
FACE_TOKEN_MAX_LENGTH = 200


def identity_provider() -> IdentityProvider:
    path = settings.RISK_IDENTITY_PROVIDER or SIMULATED_PROVIDER
    return import_string(path)()


@dataclass(frozen=True)
class IdentityOutcome:
    outcome: str  # pass | fail | review (see identity.combined_outcome)
    reason_codes: tuple[str, ...]
    checks: tuple[IdentityCheck, ...]

    def as_dict(self) -> dict:
        return {
            "outcome": self.outcome,
            "reason_codes": list(self.reason_codes),
            "checks": [check.public_id for check in self.checks],
        }


def _ask(provider: IdentityProvider, kind: str, call) -> IdentityResult:
    try:
        result = call()
    except Exception:  # a provider's failure must not become a 500 for the applicant
        logger.exception("identity provider %s failed on %s", provider.name, kind)
        return IdentityResult(kind, ERROR, None, ("provider_exception",), {})
    if result.kind != kind:
        raise TypeError(f"identity provider answered {result.kind!r} for {kind!r}")
    return result


def _check(subject: str, provider: str, result: IdentityResult) -> IdentityCheck:
    return IdentityCheck(
        public_id=new_public_id("idc"),
        subject=subject,
        kind=result.kind,
        provider=provider,
        outcome=result.outcome,
        score=None if result.score is None else Decimal(str(round(result.score, 4))),
        reason_codes=list(result.reason_codes),
        raw_response=result.raw,
    )


@dataclass(frozen=True)
class IdentityAnswers:
    """What the provider said, not yet stored (asked outside any database transaction)."""

    provider: str
    results: tuple[IdentityResult, ...]
    face_checked: bool


def _check_subject(subject: str) -> None:
    if not isinstance(subject, str) or not 0 < len(subject) <= SUBJECT_MAX_LENGTH:
        raise ValidationFailed(code="invalid_subject", fields={"subject": _("1 to 60 characters.")})


def ask_identity_provider(
    *, name: str, id_number: str, face_token: str = "", provider: IdentityProvider | None = None
) -> IdentityAnswers:
    """Verify name + ID with the authority and, when ``face_token`` is given, match the face.
    A network call: make it outside a transaction (on SQLite an open write transaction would
    hold every other writer while the provider answers)."""
    if not isinstance(face_token, str) or len(face_token) > FACE_TOKEN_MAX_LENGTH:
        raise ValidationFailed(
            code="invalid_face_token", fields={"face_token": _("At most 200 characters.")}
        )
    provider = provider or identity_provider()
    results = [
        _ask(provider, ID_VERIFICATION, lambda: provider.verify_id(name=name, id_number=id_number))
    ]
    if face_token:
        results.append(
            _ask(
                provider,
                FACE_MATCH,
                lambda: provider.match_face(id_number=id_number, face_token=face_token),
            )
        )
    return IdentityAnswers(str(provider.name)[:100], tuple(results), bool(face_token))


def store_identity_checks(*, subject: str, answers: IdentityAnswers) -> IdentityOutcome:
    """Keep each answer under ``subject`` (e.g. the application's public id) and combine them.
    Without a face check the outcome is at best ``review`` (reason ``face_not_checked``)."""
    _check_subject(subject)
    checks = tuple(_check(subject, answers.provider, result) for result in answers.results)
    with transaction.atomic():
        insert_many(checks)  # every application stores one or two: prepared SQL
    outcomes = [result.outcome for result in answers.results]
    codes = [code for result in answers.results for code in result.reason_codes]
    if not answers.face_checked:
        outcomes.append(REVIEW)
        codes.append("face_not_checked")
    return IdentityOutcome(combined_outcome(outcomes), tuple(codes), checks)


def run_identity_checks(
    *,
    subject: str,
    name: str,
    id_number: str,
    face_token: str = "",
    provider: IdentityProvider | None = None,
) -> IdentityOutcome:
    """``ask_identity_provider`` then ``store_identity_checks``."""
    _check_subject(subject)
    answers = ask_identity_provider(
        name=name, id_number=id_number, face_token=face_token, provider=provider
    )
    return store_identity_checks(subject=subject, answers=answers)


def list_identity_checks(*, actor: Actor, subject: str) -> QuerySet[IdentityCheck]:
    """Every stored answer about ``subject``, oldest first."""
    actor.require(PERM_VIEW_IDENTITY_CHECK)
    return IdentityCheck.objects.filter(subject=str(subject)[:SUBJECT_MAX_LENGTH]).order_by(
        "created_at", "id"
    )
