"""Two-stage manual review: queues, claims and decisions.

- Queues (``review_queue``): applications in ``initial_review`` or ``final_review``, oldest
  first, each flagged ``overdue`` (past its SLA), ``due_soon`` (within the policy's
  ``due_soon_hours``) or ``on_time``.
- Claims: one reviewer works a case at a time. ``claim_application`` takes it for the policy's
  ``claim_lease_minutes``; another reviewer can take it only after ``release_application`` or
  once the lease has run out (409 ``claimed_by_other`` before).
- Decisions (``decide_application``) need the stage's permission (403 without it), the
  reviewer's live claim (409 ``not_claimed`` otherwise) and a reason. Initial review (真实性 /
  完整性): ``pass`` → final review, ``reject``, or ``return`` for correction with the fields to
  correct. Final review (policy, limit, rate, term): ``approve`` with limit, daily rate and
  terms — the line is opened — or ``reject``. The final reviewer is never the initial
  reviewer (422 ``same_reviewer``).
- Product version (``decision_product``, docs/review.md): an application is decided on the
  version it applied under while that version is still sold (active); once a newer version
  has been approved (the old one retired), on the product's active version. It is never
  stranded: only a product with no active version at all refuses an approval (422
  ``product_not_offered``); a rejection needs no version.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microloan.kernel.actors import Actor
from microloan.kernel.errors import BusinessRuleViolation, Conflict, ValidationFailed
from microloan.kernel.money import to_yuan_str
from microloan.kernel.rounding import parse_rate
from microloan.products.interface import (
    ACTIVE,
    approved_version,
    offered_product,
    version_status,
    version_terms,
)

from ..models import Application, ApplicationState
from .applying import grant_line
from .common import (
    PERM_REVIEW_FINAL,
    PERM_REVIEW_INITIAL,
    PERM_VIEW,
    audit_application,
    clean_reason,
    get_application,
    open_credit,
    publish_decided,
    staff_only,
    transition,
)
from .policies import active_policy

S = ApplicationState
STAGES = {"initial": S.INITIAL_REVIEW, "final": S.FINAL_REVIEW}
STAGE_PERMISSIONS = {S.INITIAL_REVIEW: PERM_REVIEW_INITIAL, S.FINAL_REVIEW: PERM_REVIEW_FINAL}
OUTCOMES = {S.INITIAL_REVIEW: ("pass", "reject", "return"), S.FINAL_REVIEW: ("approve", "reject")}
REASON_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
MAX_REASON_CODES = 10
OVERDUE, DUE_SOON, ON_TIME = "overdue", "due_soon", "on_time"


@dataclass(frozen=True)
class DecisionProduct:
    """The product version a final approval opens the line on, and the one applied under."""

    version_id: str
    version: int
    applied_version_id: str
    applied_version: int
    terms: Any  # products.domain.ProductTerms

    @property
    def changed(self) -> bool:
        return self.version_id != self.applied_version_id


def decision_product(product_code: str, applied_version_id: str) -> DecisionProduct:
    """The version to decide on (module doc): the one applied under while it is active, else
    the product's active version; 422 ``product_not_offered`` when the product has none."""
    applied = approved_version(applied_version_id)
    if version_status(applied_version_id) == ACTIVE:
        version_id, terms = applied_version_id, version_terms(applied_version_id)
    else:
        offered = offered_product(product_code)
        if offered is None:
            raise BusinessRuleViolation(
                _(
                    "The product is no longer offered (no version of it is active): the "
                    "application can only be rejected until a version is approved."
                ),
                code="product_not_offered",
                fields={"product_code": product_code},
            )
        version_id, terms = offered.version_id, offered.terms
    version = applied.version if version_id == applied_version_id else None
    if version is None:
        version = approved_version(version_id).version
    return DecisionProduct(version_id, version, applied_version_id, applied.version, terms)


def sla_flag(application: Application, *, now: dt.datetime, due_soon: dt.timedelta) -> str:
    due = application.sla_due_at
    if due is None:
        return ON_TIME
    if due <= now:
        return OVERDUE
    return DUE_SOON if due - now <= due_soon else ON_TIME


def review_queue(*, actor: Actor, stage: str) -> QuerySet[Application]:
    """The ``stage`` ("initial" / "final") queue, oldest application first. Each row gets
    ``sla`` (overdue / due_soon / on_time) and ``claim_live`` attributes when iterated through
    ``with_sla_flags``."""
    staff_only(actor)
    actor.require(PERM_VIEW)
    if stage not in STAGES:
        raise ValidationFailed(
            code="invalid_stage", fields={"stage": _("Must be initial or final.")}
        )
    return Application.objects.filter(state=STAGES[stage]).order_by("submitted_at", "id")


def with_sla_flags(applications, *, now: dt.datetime | None = None) -> list[Application]:
    """The applications with ``.sla`` and ``.claim_live`` set (for queue screens)."""
    now = now or timezone.now()
    due_soon = dt.timedelta(hours=active_policy().thresholds["due_soon_hours"])
    rows = list(applications)
    for application in rows:
        application.sla = sla_flag(application, now=now, due_soon=due_soon)
        application.claim_live = _claim_live(application, now)
    return rows


def _claim_live(application: Application, now: dt.datetime) -> bool:
    return bool(application.claimed_by) and (
        application.claim_expires_at is not None and application.claim_expires_at > now
    )


def _require_stage_permission(actor: Actor, application: Application) -> None:
    if application.state not in STAGE_PERMISSIONS:
        raise Conflict(
            _("The application is not waiting for a review."),
            code="not_in_review",
            fields={"state": application.state},
        )
    actor.require(STAGE_PERMISSIONS[application.state])


def _refuse_same_reviewer(actor: Actor, application: Application) -> None:
    if application.state == S.FINAL_REVIEW and application.initial_reviewer == actor.id:
        raise BusinessRuleViolation(
            _("The final review must be done by someone other than the initial reviewer."),
            code="same_reviewer",
            fields={"reviewer": actor.id},
        )


def _locked_for_review(actor: Actor, application_id: str) -> Application:
    staff_only(actor)
    application = get_application(actor, application_id, lock=True)
    _require_stage_permission(actor, application)
    return application


def _clear_claim(application: Application) -> None:
    application.claimed_by, application.claimed_at, application.claim_expires_at = "", None, None


def claim_application(*, actor: Actor, application_id: str) -> Application:
    """Take a case to work on it (renews the reviewer's own lease)."""
    with transaction.atomic():
        application = _locked_for_review(actor, application_id)
        _refuse_same_reviewer(actor, application)
        now = timezone.now()
        if _claim_live(application, now) and application.claimed_by != actor.id:
            raise Conflict(
                _("Another reviewer is working on this application."),
                code="claimed_by_other",
                fields={"claimed_by": application.claimed_by},
            )
        before = {"claimed_by": application.claimed_by}
        lease = dt.timedelta(minutes=active_policy().thresholds["claim_lease_minutes"])
        application.claimed_by, application.claimed_at = actor.id, now
        application.claim_expires_at = now + lease
        application.save(
            update_fields=["claimed_by", "claimed_at", "claim_expires_at", "updated_at"]
        )
        audit_application(actor, "application.claimed", application, before, claimed_by=actor.id)
    return application


def release_application(*, actor: Actor, application_id: str) -> Application:
    """Give a claimed case back to the queue (only its claimer: 409 ``not_claimer``)."""
    with transaction.atomic():
        application = _locked_for_review(actor, application_id)
        if application.claimed_by != actor.id:
            raise Conflict(
                _("You have not claimed this application."),
                code="not_claimer",
                fields={"claimed_by": application.claimed_by},
            )
        before = {"claimed_by": application.claimed_by}
        _clear_claim(application)
        application.save(
            update_fields=["claimed_by", "claimed_at", "claim_expires_at", "updated_at"]
        )
        audit_application(actor, "application.released", application, before)
    return application


def _reason_codes(codes: Any, problems: dict[str, Any]) -> list[str]:
    if codes in (None, ""):
        return []
    if (
        not isinstance(codes, list | tuple)
        or len(codes) > MAX_REASON_CODES
        or not all(isinstance(code, str) and REASON_CODE.match(code) for code in codes)
    ):
        problems["reason_codes"] = _("Up to 10 codes of lower-case letters, digits and _.")
        return []
    return list(codes)


def _return_fields(fields: Any, problems: dict[str, Any]) -> dict[str, str]:
    if (
        not isinstance(fields, Mapping)
        or not fields
        or len(fields) > 20
        or not all(
            isinstance(k, str) and isinstance(v, str) and 0 < len(k) <= 40 and len(v) <= 200
            for k, v in fields.items()
        )
    ):
        problems["return_fields"] = _("Name the fields to correct, each with what is wrong.")
        return {}
    return dict(fields)


def _rate(value: Any, problems: dict[str, Any]) -> Decimal | None:
    # parse_rate: ASCII digits and no more decimals than stored, so the offer is what was sent
    try:
        return parse_rate(value, field="daily_rate")
    except ValidationFailed as refused:
        problems["daily_rate"] = refused.fields["daily_rate"]
        return None


def _check_offer(
    application: Application,
    *,
    limit: Any,
    daily_rate: Any,
    terms_months: Any,
    problems: dict[str, Any],
    terms,
) -> tuple[int, Decimal, tuple[int, ...]]:
    """Final approval terms: limit ≤ product maximum and ≤ the regulatory headroom; rate in the
    product's range and, when it prices by grade, one of its grid's rates; terms allowed (all
    of the version ``decision_product`` chose)."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0:
        problems["limit"] = _("Give the limit in yuan, above zero, e.g. 5000.00.")
    else:
        existing, _used, _ever = open_credit(application.customer_id)
        headroom = active_policy().thresholds["max_total_credit_fen"] - existing
        if limit > terms.max_line_limit:
            problems["limit"] = _("At most the product's maximum line limit (%(max)s yuan).") % {
                "max": to_yuan_str(terms.max_line_limit)
            }
        elif limit > headroom:
            problems["limit"] = _(
                "The customer's credit lines would exceed 200,000 yuan in total (at most "
                "%(max)s yuan more)."
            ) % {"max": to_yuan_str(max(headroom, 0))}
        elif limit < terms.min_drawdown:
            problems["limit"] = _("At least the product's minimum drawdown.")
    rate = _rate(daily_rate, problems)
    if rate is not None:
        grid = set(terms.grade_rates.values())
        if not terms.daily_rate_min <= rate <= terms.daily_rate_max or (grid and rate not in grid):
            problems["daily_rate"] = _("The rate must be one of the product's rates.")
    allowed = tuple(terms.allowed_terms)
    chosen: tuple[int, ...] = allowed
    if terms_months not in (None, []):
        if not isinstance(terms_months, list | tuple) or not all(
            isinstance(t, int) and not isinstance(t, bool) and t in allowed for t in terms_months
        ):
            problems["terms_months"] = _("Only terms the product allows: %(terms)s.") % {
                "terms": ", ".join(map(str, allowed))
            }
        else:
            chosen = tuple(sorted(set(terms_months)))
    return limit, rate, chosen


def decide_application(
    *,
    actor: Actor,
    application_id: str,
    outcome: str,
    reason: str,
    reason_codes: list[str] | None = None,
    limit: int | None = None,
    daily_rate: str | None = None,
    terms_months: list[int] | None = None,
    return_fields: Mapping[str, str] | None = None,
    input_problems: Mapping[str, Any] | None = None,
) -> Application:
    """Decide the claimed case's current stage (see the module doc). ``input_problems``:
    fields the caller could not read (the API's yuan ``limit``), reported with the others."""
    with transaction.atomic():
        application = _locked_for_review(actor, application_id)
        stage = application.state
        _refuse_same_reviewer(actor, application)
        if not _claim_live(application, timezone.now()) or application.claimed_by != actor.id:
            raise Conflict(
                _("Claim the application before deciding it."),
                code="not_claimed",
                fields={"claimed_by": application.claimed_by},
            )
        problems: dict[str, Any] = {}
        if outcome not in OUTCOMES[stage]:
            problems["outcome"] = _("Must be one of: %(choices)s.") % {
                "choices": ", ".join(OUTCOMES[stage])
            }
        try:
            reason = clean_reason(reason)
        except ValidationFailed as invalid:
            problems.update(invalid.fields)
        codes = _reason_codes(reason_codes, problems)
        fields = _return_fields(return_fields, problems) if outcome == "return" else {}
        offer, product = None, None
        if outcome == "approve" and "outcome" not in problems:
            product = decision_product(application.product_code, application.product_version)
            offer = (
                *_check_offer(
                    application,
                    limit=limit,
                    daily_rate=daily_rate,
                    terms_months=terms_months,
                    problems=problems,
                    terms=product.terms,
                ),
                product,
            )
        problems.update(input_problems or {})
        if problems:
            raise ValidationFailed(fields=problems)
        before = {"state": stage, "claimed_by": application.claimed_by}
        step = _apply_outcome(actor, application, outcome, reason, codes, fields, offer)
        _clear_claim(application)
        application.save()
        step.save()
        audit_application(
            actor,
            f"application.{step.to_state}",
            application,
            before,
            reason=reason,
            reasons=step.reasons,
            line_id=application.line_id,
            limit=application.granted_limit,
            **({"applied_product_version": product.applied_version_id} if product else {}),
        )
        if application.state in (S.APPROVED, S.REJECTED):
            publish_decided(application)
    return application


def _apply_outcome(actor, application, outcome, reason, codes, fields, offer):
    now = timezone.now()
    if application.state == S.INITIAL_REVIEW:
        application.initial_reviewer, application.initial_reason = actor.id, reason
        application.initial_reviewed_at = now
    else:
        application.final_reviewer, application.final_reason = actor.id, reason
        application.final_reviewed_at = now
    if outcome == "pass":
        hours = active_policy().thresholds["final_review_sla_hours"]
        application.sla_due_at = now + dt.timedelta(hours=hours)
        return transition(application, S.FINAL_REVIEW, actor=actor, reasons=codes, note=reason)
    if outcome == "return":
        application.return_fields = fields
        application.sla_due_at = None
        application.decision_reasons = ["manual_returned", *codes]
        return transition(
            application, S.RETURNED, actor=actor, reasons=application.decision_reasons, note=reason
        )
    application.decided_at, application.sla_due_at = now, None
    if outcome == "reject":
        application.decision_reasons = ["manual_rejected", *codes]
        return transition(
            application, S.REJECTED, actor=actor, reasons=application.decision_reasons, note=reason
        )
    limit, rate, chosen_terms, product = offer
    application.decision_reasons = ["manual_approved", *codes]
    # The line, the offer and the contract all follow the version decided on (audited with
    # the one applied under).
    application.product_version = product.version_id
    grant_line(
        application,
        limit=limit,
        daily_rate=rate,
        allowed_terms=chosen_terms,
        terms=product.terms,
    )
    return transition(
        application, S.APPROVED, actor=actor, reasons=application.decision_reasons, note=reason
    )
