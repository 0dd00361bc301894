"""The offer of an approved application: limit, daily rate, and the APR (IRR method,
``loanmath.apr``) of every repayment method × term the product allows, the highest APR shown
first (regulation: the APR is disclosed more prominently than the daily rate).

The APR of a (method, term, rate) does not depend on who borrows, so it is computed once per
process for each combination (the same reference loan as ``products.domain``).
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.utils.translation import gettext_lazy as _

from microloan.kernel.actors import Actor
from microloan.kernel.errors import Conflict
from microloan.kernel.money import to_yuan_str
from microloan.loanmath.apr import apr_for_schedule
from microloan.loanmath.schedules import MAX_BULLET_TERM_MONTHS, generate_schedule
from microloan.products.domain import APR_REFERENCE_PRINCIPAL, APR_REFERENCE_START, ProductTerms

from ..models import APPROVED_STATES, Application
from .common import get_application, require_viewer

BULLET = "bullet"


@lru_cache(maxsize=1024)
def _apr_options(
    methods: tuple[str, ...], terms: tuple[int, ...], day_count: int, rounding: str, rate: Decimal
) -> tuple[tuple[str, int, Decimal], ...]:
    options = []
    for method in methods:
        for term in terms:
            if method == BULLET and term > MAX_BULLET_TERM_MONTHS:
                continue  # a bullet loan runs at most a year
            schedule = generate_schedule(
                principal=APR_REFERENCE_PRINCIPAL,
                daily_rate=rate,
                method=method,
                term_months=term,
                start_date=APR_REFERENCE_START,
                day_count=day_count,
                rounding=rounding,
            )
            apr = apr_for_schedule(
                APR_REFERENCE_PRINCIPAL, APR_REFERENCE_START, schedule, daily_rate=rate
            )
            options.append((method, term, apr))
    return tuple(options)


def term_options(
    terms: ProductTerms, daily_rate: Decimal, allowed_terms: tuple[int, ...] | None = None
) -> tuple[Decimal, list[dict[str, Any]]]:
    """(headline APR = the highest, ``[{method, term_months, apr}]``) at ``daily_rate``."""
    options = _apr_options(
        tuple(terms.allowed_methods),
        tuple(sorted(allowed_terms or terms.allowed_terms)),
        terms.day_count,
        terms.rounding,
        Decimal(daily_rate),
    )
    rows = [
        {"method": method, "term_months": term, "apr": str(apr)} for method, term, apr in options
    ]
    return max((apr for _m, _t, apr in options), default=Decimal(0)), rows


def offer_of(application: Application) -> dict[str, Any]:
    """The offer as the API and pages show it (amounts in fen and yuan, rates as strings)."""
    return {
        "application_id": application.public_id,
        "line_id": application.line_id,
        "limit": application.granted_limit,
        "limit_yuan": to_yuan_str(application.granted_limit or 0),
        "apr": str(application.apr) if application.apr is not None else "",
        "daily_rate": str(application.daily_rate) if application.daily_rate is not None else "",
        "term_options": application.term_options,
        "terms_months": sorted({row["term_months"] for row in application.term_options}),
        "decided_at": application.decided_at,
    }


def get_offer(*, actor: Actor, application_id: str) -> dict[str, Any]:
    """The offer of an approved application (its borrower, or staff with view rights);
    409 ``no_offer`` while it is not approved."""
    require_viewer(actor)
    application = get_application(actor, application_id)
    if application.state not in APPROVED_STATES:
        raise Conflict(
            _("The application has no offer: it is not approved."),
            code="no_offer",
            fields={"state": application.state},
        )
    return offer_of(application)
