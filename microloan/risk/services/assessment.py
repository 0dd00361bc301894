"""Assessing an application: the velocity data, the fraud context and the whole chain
(identity → fraud → scorecard → decision → risk level) that origination calls.

Origination calls ``assess_application`` once per application (a retry with the same subject
does not count the application twice), or the steps one by one:
``subject_keys`` → ``record_application_event`` → ``run_identity_checks`` →
``fraud_context`` + ``evaluate_fraud`` → ``score_applicant`` → ``decide`` → ``risk_level``.

Velocity windows end at the application's time and include it: (at − window, at].
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microloan.customers.crypto import blind_index, key_ring
from microloan.kernel.errors import ValidationFailed
from microloan.products.domain import ProductTerms

from ..decision import Decision, DecisionInput, decide, risk_level
from ..fraud import WINDOWS, FraudContext, FraudResult, evaluate_fraud
from ..identity import IdentityRecord, identity_consistency, normalise_name
from ..models import SUBJECT_MAX_LENGTH, ApplicationEvent
from ..scorecard import ScoreResult, score_applicant
from .blacklist import blacklisted_kinds
from .identity import (
    IdentityAnswers,
    IdentityOutcome,
    ask_identity_provider,
    store_identity_checks,
)
from .rulesets import active_ruleset
from .scorecards import active_scorecard, scorecard_artifact

WINDOW_LENGTHS = {
    "1h": dt.timedelta(hours=1),
    "24h": dt.timedelta(hours=24),
    "30d": dt.timedelta(days=30),
}
SHARING_WINDOW = WINDOW_LENGTHS["30d"]
HISTORY_LIMIT = 500  # earlier applications compared for name / ID / phone consistency
_NAME_DIGEST_LABEL = b"microloan/risk/name-digest/v1"
# Velocity key -> the event column holding it.
KEY_COLUMNS = {
    "id": "id_hash",
    "phone": "phone_hash",
    "card": "card_hash",
    "device": "device_id",
    "ip": "ip",
}


@dataclass(frozen=True)
class SubjectKeys:
    """What risk keeps of an applicant's identity: keyed hashes, never the clear values."""

    name_hash: str
    id_hash: str
    phone_hash: str
    card_hash: str = ""


def name_digest(name: str) -> str:
    """A keyed digest of a normalised name (the customers blind-index key, its own label)."""
    key = hmac.new(key_ring().blind_index_key, _NAME_DIGEST_LABEL, hashlib.sha256).digest()
    return hmac.new(key, normalise_name(name).encode("utf-8"), hashlib.sha256).hexdigest()


def subject_keys(*, name: str, id_number: str, phone: str, card_number: str = "") -> SubjectKeys:
    """The keys of an applicant from clear values (the same blind indexes customers stores)."""
    return SubjectKeys(
        name_hash=name_digest(name),
        id_hash=blind_index("id_number", id_number),
        phone_hash=blind_index("phone", phone),
        card_hash=blind_index("card", card_number) if card_number else "",
    )


def _clean_ip(ip: str) -> str:
    if not ip:
        return ""
    try:
        return str(ipaddress.ip_address(ip.strip()))
    except ValueError:
        raise ValidationFailed(
            code="invalid_ip", fields={"ip": _("Enter an IP address.")}
        ) from None


def record_application_event(
    *,
    subject: str,
    keys: SubjectKeys,
    device_id: str = "",
    ip: str = "",
    at: dt.datetime | None = None,
    customer_ref: str = "",
) -> ApplicationEvent:
    """Record an application for the velocity rules; the same ``subject`` again returns the
    event already recorded (a retry is not a second application)."""
    if not isinstance(subject, str) or not 0 < len(subject) <= SUBJECT_MAX_LENGTH:
        raise ValidationFailed(code="invalid_subject", fields={"subject": _("1 to 60 characters.")})
    if len(device_id) > 128:
        raise ValidationFailed(
            code="invalid_device_id", fields={"device_id": _("At most 128 characters.")}
        )
    event = ApplicationEvent(
        subject=subject,
        customer_ref=customer_ref[:40],
        name_hash=keys.name_hash,
        id_hash=keys.id_hash,
        phone_hash=keys.phone_hash,
        card_hash=keys.card_hash,
        device_id=device_id.strip(),
        ip=_clean_ip(ip),
        at=at or timezone.now(),
    )
    # One statement for a new subject (``get_or_create`` took four: look-up, savepoint, insert,
    # release): insert unless the subject is there, then read the one already recorded.
    columns = [field for field in ApplicationEvent._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(ApplicationEvent._meta.db_table)}"
        f" ({', '.join(quote(field.column) for field in columns)})"
        f" VALUES ({', '.join(['%s'] * len(columns))})"
        f" ON CONFLICT ({quote('subject')}) DO NOTHING RETURNING {quote('id')}"
    )
    params = [
        field.get_db_prep_save(getattr(event, field.attname), connection) for field in columns
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:  # a retry: the application was recorded before
        return ApplicationEvent.objects.get(subject=subject)
    event.pk = row[0]
    event._state.adding = False
    event._state.db = connection.alias
    return event


@dataclass(frozen=True)
class VelocityCounts:
    counts: dict[str, dict[str, int]]  # key -> window -> applications, this one included
    ids_per: dict[str, int]  # "device" / "phone" / "card" -> distinct ID numbers in 30 days


def velocity_counts(event: ApplicationEvent) -> VelocityCounts:
    """Counts for the velocity and sharing rules in ONE statement: a ``UNION ALL`` of one
    indexed range scan per key present (``(column, at)`` indexes), aggregated per key with
    conditional sums per window and a distinct count of ID numbers. Plain SQL (no ORM
    compilation: this runs for every application); portable to SQLite and PostgreSQL."""
    present = [(key, column, getattr(event, column)) for key, column in KEY_COLUMNS.items()]
    present = [(key, column, value) for key, column, value in present if value]
    if not present:
        return VelocityCounts({}, {})
    ops = connection.ops
    quote = ops.quote_name
    table = quote(ApplicationEvent._meta.db_table)
    at_column, id_column = quote("at"), quote("id_hash")
    upper = ops.adapt_datetimefield_value(event.at)
    lower = ops.adapt_datetimefield_value(event.at - SHARING_WINDOW)
    parts, params = [], []
    for key, column, value in present:
        parts.append(
            # ``key`` is one of KEY_COLUMNS' fixed names, never input: safe as a literal.
            f"SELECT '{key}' AS k, {at_column} AS ts, {id_column} AS id_hash FROM {table}"
            f" WHERE {quote(column)} = %s AND {at_column} > %s AND {at_column} <= %s"
        )
        params += [value, lower, upper]
    window_sums = ", ".join("SUM(CASE WHEN u.ts > %s THEN 1 ELSE 0 END)" for _window in WINDOWS)
    window_params = [
        ops.adapt_datetimefield_value(event.at - WINDOW_LENGTHS[window]) for window in WINDOWS
    ]
    sql = (
        f"SELECT u.k, {window_sums},"
        " COUNT(DISTINCT CASE WHEN u.id_hash <> '' THEN u.id_hash END)"
        f" FROM ({' UNION ALL '.join(parts)}) u GROUP BY u.k"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, window_params + params)
        found = {row[0]: row[1:] for row in cursor.fetchall()}
    counts: dict[str, dict[str, int]] = {}
    ids_per: dict[str, int] = {}
    for key, _column, _value in present:
        row = found.get(key) or (0,) * (len(WINDOWS) + 1)
        counts[key] = {window: int(row[n] or 0) for n, window in enumerate(WINDOWS)}
        if key in ("device", "phone", "card"):
            ids_per[key] = int(row[len(WINDOWS)] or 0)
    return VelocityCounts(counts, ids_per)


def identity_history(event: ApplicationEvent) -> list[IdentityRecord]:
    """Earlier applications sharing the event's ID number or phone, newest first. Plain SQL
    (it runs for every application): one indexed scan per key, ``UNION`` (a row matching both
    keys counts once), newest ``HISTORY_LIMIT``."""
    keys = [(column, getattr(event, column)) for column in ("id_hash", "phone_hash")]
    keys = [(column, value) for column, value in keys if value]
    if not keys:
        return []
    quote = connection.ops.quote_name
    table = quote(ApplicationEvent._meta.db_table)
    columns = ", ".join(quote(name) for name in ("id", "at", "name_hash", "id_hash", "phone_hash"))
    at_column = quote("at")
    parts, params = [], []
    upper = connection.ops.adapt_datetimefield_value(event.at)
    for column, value in keys:
        parts.append(
            f"SELECT {columns} FROM {table} WHERE {quote(column)} = %s"
            f" AND {at_column} <= %s AND {quote('id')} <> %s"
        )
        params += [value, upper, event.pk]
    sql = (
        f"SELECT u.name_hash, u.id_hash, u.phone_hash FROM ({' UNION '.join(parts)}) u"
        f" ORDER BY u.{at_column} DESC LIMIT {int(HISTORY_LIMIT)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [IdentityRecord(*row) for row in cursor.fetchall()]


def fraud_context(event: ApplicationEvent, features: Mapping[str, Any]) -> FraudContext:
    """Everything the fraud rules need about an application recorded as ``event``."""
    velocity = velocity_counts(event)
    consistency = identity_consistency(
        IdentityRecord(event.name_hash, event.id_hash, event.phone_hash), identity_history(event)
    )
    keys = {kind: getattr(event, column) for kind, column in KEY_COLUMNS.items()}
    return FraudContext(
        velocity=velocity.counts,
        ids_per_device=velocity.ids_per.get("device", 0),
        ids_per_phone=velocity.ids_per.get("phone", 0),
        ids_per_card=velocity.ids_per.get("card", 0),
        names_per_id=consistency.names_per_id,
        phones_per_id=consistency.phones_per_id,
        blacklisted=blacklisted_kinds(keys, at=event.at),
        age=_whole(features.get("age")),
        years_employed=_whole(features.get("years_employed")),
        monthly_income_fen=_whole(features.get("monthly_income_fen")),
    )


def _whole(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class RiskAssessment:
    subject: str
    identity: IdentityOutcome
    fraud: FraudResult
    score: ScoreResult
    decision: Decision
    risk_level: str
    ruleset_version: int
    scorecard_version: int

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON, for origination to keep with its decision."""
        return {
            "subject": self.subject,
            "identity": self.identity.as_dict(),
            "fraud": self.fraud.as_dict(),
            "score": self.score.as_dict(),
            "decision": self.decision.as_dict(),
            "risk_level": self.risk_level,
            "ruleset_version": self.ruleset_version,
            "scorecard_version": self.scorecard_version,
        }


def assess_application(
    *,
    subject: str,
    name: str,
    id_number: str,
    phone: str,
    features: Mapping[str, Any],
    terms: ProductTerms,
    existing_credit_fen: int = 0,
    admission_failures: Sequence[str] = (),
    card_number: str = "",
    device_id: str = "",
    ip: str = "",
    face_token: str = "",
    customer_ref: str = "",
    at: dt.datetime | None = None,
    answers: IdentityAnswers | None = None,
) -> RiskAssessment:
    """The risk assessment of one application (see the module doc). Without ``answers`` the
    identity provider is asked first, so call it outside a transaction; with the answers asked
    beforehand (``ask_identity_provider``) it may run inside the caller's, which then stores
    the assessment together with its own change.

    ``features`` are the scorecard's characteristics (the expert card's: age,
    monthly_income_fen, years_employed, education, marital_status, credit_utilisation,
    prior_delinquencies, channel, device_tenure_days; absent = missing); age, years_employed and
    monthly_income_fen also feed the impossible-data rules and the limit.
    """
    keys = subject_keys(name=name, id_number=id_number, phone=phone, card_number=card_number)
    if answers is None:
        answers = ask_identity_provider(name=name, id_number=id_number, face_token=face_token)
    with transaction.atomic():
        event = record_application_event(
            subject=subject,
            keys=keys,
            device_id=device_id,
            ip=ip,
            at=at,
            customer_ref=customer_ref,
        )
        identity = store_identity_checks(subject=subject, answers=answers)
        ruleset = active_ruleset()
        fraud = evaluate_fraud(fraud_context(event, features), ruleset.thresholds["fraud_rules"])
        scorecard = active_scorecard()
        score = score_applicant(scorecard_artifact(scorecard), features)
        decision = decide(
            DecisionInput(
                grade=score.grade,
                fraud_score=fraud.score,
                identity_outcome=identity.outcome,
                admission_failures=tuple(admission_failures),
                monthly_income_fen=_whole(features.get("monthly_income_fen")) or 0,
                existing_credit_fen=existing_credit_fen,
                terms=terms,
            ),
            ruleset.thresholds["decision"],
        )
        level = risk_level(
            grade=score.grade,
            fraud_score=fraud.score,
            identity_outcome=identity.outcome,
            outcome=decision.outcome,
            levels=ruleset.thresholds["risk_level"],
        )
    return RiskAssessment(
        subject=subject,
        identity=identity,
        fraud=fraud,
        score=score,
        decision=decision,
        risk_level=level,
        ruleset_version=ruleset.version,
        scorecard_version=scorecard.version,
    )
