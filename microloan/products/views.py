"""Back-office pages: products, a version's terms (APR first), approvals.

Pages read through the services and change state only through them; a refusal (wrong status,
maker approving their own version, terms breaking a rule) is shown on the page with its
message and the HTTP status of the error.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from microloan.backoffice.decorators import actor_for, staff_page
from microloan.kernel.errors import DomainError, NotFound
from microloan.kernel.money import format_yuan
from microloan.kernel.rounding import format_percent

from . import services
from .domain import ProductTerms, apr_at_rate, apr_range
from .forms import DecisionForm
from .models import ProductVersion
from .services import PERM_APPROVE, PERM_CHANGE, PERM_VIEW


@dataclass(frozen=True)
class GradeRow:
    grade: str
    daily_rate: str
    apr: str


@dataclass(frozen=True)
class TermsView:
    """A version's terms formatted for people."""

    apr_min: str
    apr_max: str
    daily_rate_min: str
    daily_rate_max: str
    grades: list[GradeRow]
    min_drawdown: str
    max_drawdown: str
    max_line_limit: str
    penalty_daily_rate_max: str
    prepayment_fee: str
    terms: ProductTerms


def _percent(rate: Decimal, places: int = 2) -> str:
    return format_percent(rate, places)


def terms_view(terms: ProductTerms) -> TermsView:
    low, high = apr_range(terms)
    if terms.prepayment_fee_type == "flat":
        fee = format_yuan(int(terms.prepayment_fee_value))
    elif terms.prepayment_fee_type == "percent":
        fee = _percent(terms.prepayment_fee_value)
    else:
        fee = _("None")
    return TermsView(
        apr_min=_percent(low),
        apr_max=_percent(high),
        daily_rate_min=_percent(terms.daily_rate_min, 4),
        daily_rate_max=_percent(terms.daily_rate_max, 4),
        grades=[
            GradeRow(grade, _percent(rate, 4), _percent(apr_at_rate(terms, rate)))
            for grade, rate in sorted(terms.grade_rates.items())
        ],
        min_drawdown=format_yuan(terms.min_drawdown),
        max_drawdown=format_yuan(terms.max_drawdown),
        max_line_limit=format_yuan(terms.max_line_limit),
        penalty_daily_rate_max=_percent(terms.daily_rate_max * terms.penalty_multiplier, 4),
        prepayment_fee=fee,
        terms=terms,
    )


def _found(read, **kwargs):
    """``read(**kwargs)``, with a service's NotFound shown as the 404 page."""
    try:
        return read(**kwargs)
    except NotFound as missing:
        raise Http404(str(missing.message)) from missing


@require_GET
@staff_page(PERM_VIEW)
def product_list(request):
    actor = actor_for(request)
    rows = []
    for product in services.list_products(actor=actor):
        active = product.active_versions[0] if product.active_versions else None
        rows.append((product, active, terms_view(active.terms()) if active else None))
    pending = services.list_pending_versions(actor=actor).count()
    return render(request, "products/list.html", {"rows": rows, "pending_count": pending})


@require_GET
@staff_page(PERM_VIEW)
def product_detail(request, code: str):
    product = _found(services.get_product, actor=actor_for(request), code=code)
    active = product.active_versions[0] if product.active_versions else None
    context = {
        "product": product,
        "active": active,
        "active_terms": terms_view(active.terms()) if active else None,
    }
    return render(request, "products/detail.html", context)


def _version_context(request, version: ProductVersion, **extra) -> dict:
    user = request.user
    pending = version.status == ProductVersion.Status.PENDING_APPROVAL
    return {
        "version": version,
        "view": terms_view(version.terms()),
        "can_submit": version.status == ProductVersion.Status.DRAFT
        and version.maker_id == user.pk
        and user.has_perm(PERM_CHANGE),
        "can_decide": pending and version.maker_id != user.pk and user.has_perm(PERM_APPROVE),
        "is_own_pending": pending and version.maker_id == user.pk,
        "form": DecisionForm(),
        **extra,
    }


@require_GET
@staff_page(PERM_VIEW)
def version_detail(request, version_id: str):
    version = _found(services.get_version, actor=actor_for(request), version_id=version_id)
    return render(request, "products/version.html", _version_context(request, version))


@require_GET
@staff_page(PERM_VIEW)
def pending_approvals(request):
    user = request.user
    versions = services.list_pending_versions(actor=actor_for(request))
    rows = [
        (version, terms_view(version.terms()), version.maker_id != user.pk) for version in versions
    ]
    context = {"rows": rows, "can_approve": user.has_perm(PERM_APPROVE), "form": DecisionForm()}
    return render(request, "products/pending.html", context)


def _decide(request, version_id: str, decide, done_message: str):
    """Run a decision service; show the result (HTMX fragment) or redirect (plain form)."""
    form = DecisionForm(request.POST)
    error = None
    status = 200
    if not form.is_valid():
        error, status = "; ".join(form.errors.get("reason", [])), 422
    else:
        try:
            version = decide(actor=actor_for(request), version_id=version_id, **form.cleaned_data)
        except NotFound as missing:
            raise Http404(str(missing.message)) from missing
        except DomainError as refusal:
            if refusal.status in (401, 403):
                raise
            error, status = _refusal_text(refusal), refusal.status
    if request.htmx:
        context = {"error": error, "message": None if error else done_message}
        return render(request, "products/_decision_result.html", context, status=status)
    if error:
        version = services.get_version(actor=actor_for(request), version_id=version_id)
        context = _version_context(request, version, error=error, form=form)
        return render(request, "products/version.html", context, status=status)
    messages.success(request, done_message)
    return redirect("products:version", version_id=version.public_id)


def _refusal_text(refusal: DomainError) -> str:
    details = "; ".join(f"{field}: {problem}" for field, problem in refusal.fields.items())
    return f"{refusal.message} ({details})" if details else str(refusal.message)


@require_POST
@staff_page(PERM_APPROVE)
def approve(request, version_id: str):
    return _decide(request, version_id, services.approve_version, _("Version approved."))


@require_POST
@staff_page(PERM_APPROVE)
def reject(request, version_id: str):
    return _decide(request, version_id, services.reject_version, _("Version rejected."))


@require_POST
@staff_page(PERM_CHANGE)
def submit(request, version_id: str):
    try:
        services.submit_version(actor=actor_for(request), version_id=version_id)
    except NotFound as missing:
        raise Http404(str(missing.message)) from missing
    except DomainError as refusal:
        if refusal.status in (401, 403):
            raise
        version = services.get_version(actor=actor_for(request), version_id=version_id)
        context = _version_context(request, version, error=_refusal_text(refusal))
        return render(request, "products/version.html", context, status=refusal.status)
    messages.success(request, _("Version submitted for approval."))
    return redirect("products:version", version_id=version_id)
