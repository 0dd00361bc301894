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
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from microloan.backoffice.decorators import actor_for, staff_page
from microloan.kernel.errors import DomainError, NotFound
from microloan.kernel.money import format_yuan
from microloan.kernel.rounding import format_percent

from . import services
from .domain import ProductTerms, apr_at_rate, apr_range
from .forms import DecisionForm, NewProductForm, TermsForm
from .models import ProductVersion
from .services import PERM_ADD, PERM_APPROVE, PERM_CHANGE, PERM_VIEW
from .wording import diff_summary, term_words, terms_diff


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
    words: dict


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
        words=term_words(terms),
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


def _changes(request, version: ProductVersion) -> tuple[ProductVersion | None, list]:
    """The product's active version and what ``version`` changes against it (drafts and
    versions waiting for a checker only: that is what a checker decides on)."""
    if version.status not in (ProductVersion.Status.DRAFT, ProductVersion.Status.PENDING_APPROVAL):
        return None, []
    product = services.get_product(actor=actor_for(request), code=version.product.code)
    active = product.active_versions[0] if product.active_versions else None
    return active, terms_diff(active.terms() if active else None, version.terms())


def _version_context(request, version: ProductVersion, **extra) -> dict:
    user = request.user
    pending = version.status == ProductVersion.Status.PENDING_APPROVAL
    draft = version.status == ProductVersion.Status.DRAFT
    active, changes = _changes(request, version)
    return {
        "version": version,
        "view": terms_view(version.terms()),
        "compared_with": active,
        "changes": changes,
        "compared": pending or draft,
        "confirm_text": _approve_question(version, active, changes),
        "can_edit": draft and version.maker_id == user.pk and user.has_perm(PERM_CHANGE),
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


def _approve_question(version: ProductVersion, active, changes) -> str:
    """The approve button's confirmation: what goes live and what it replaces."""
    if active is None:
        head = _("Approve %(code)s v%(number)s? It becomes the active version.") % {
            "code": version.product.code,
            "number": version.version,
        }
    else:
        head = _(
            "Approve %(code)s v%(number)s? It replaces the active v%(active)s for new credit."
        ) % {"code": version.product.code, "number": version.version, "active": active.version}
    body = diff_summary(changes) if changes else _("No term changes.")
    return f"{head}\n{body}"


@require_GET
@staff_page(PERM_VIEW)
def pending_approvals(request):
    user = request.user
    versions = services.list_pending_versions(actor=actor_for(request))
    rows = []
    for version in versions:
        active, changes = _changes(request, version)
        version.confirm_text = _approve_question(version, active, changes)
        version.changes = changes
        rows.append((version, terms_view(version.terms()), version.maker_id != user.pk))
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


# --- drafting -----------------------------------------------------------------------------------


def _refused(refusal: DomainError) -> None:
    """Permission refusals go to the 403 page; others are shown on the form."""
    if refusal.status in (401, 403):
        raise refusal


@require_http_methods(["GET", "POST"])
@staff_page(PERM_ADD)
def new_product(request):
    """A new product: code and names; its draft v1 starts from the default terms."""
    form = NewProductForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            version = services.create_product(
                actor=actor_for(request),
                code=data["code"],
                names={"zh": data["name_zh"], "en": data["name_en"]},
            )
        except DomainError as refusal:
            _refused(refusal)
            for name, problem in refusal.fields.items():
                taken = refusal.code == "product_code_taken"  # its field holds the code
                field = name if name in ("name_zh", "name_en") else "code"
                form.add_error(field, str(refusal.message if taken else problem))
        else:
            messages.success(request, _("Draft created. Set its terms, then submit it."))
            return redirect("products:edit", version_id=version.public_id)
    status = 422 if request.method == "POST" else 200
    return render(request, "products/new.html", {"form": form}, status=status)


@require_POST
@staff_page(PERM_ADD)
def new_version(request, code: str):
    """A new draft copied from the product's latest version."""
    try:
        version = services.create_version(actor=actor_for(request), product_code=code)
    except NotFound as missing:
        raise Http404(str(missing.message)) from missing
    messages.success(request, _("Draft created. Set its terms, then submit it."))
    return redirect("products:edit", version_id=version.public_id)


@require_http_methods(["GET", "POST"])
@staff_page(PERM_CHANGE)
def edit_version(request, version_id: str):
    """A draft's terms, one labelled input each; on error the typed input stays, with each
    problem in words next to its field."""
    actor = actor_for(request)
    version = _found(services.get_version, actor=actor, version_id=version_id)
    terms = version.terms()
    grades = sorted(terms.grade_rates)
    editable = version.status == ProductVersion.Status.DRAFT and version.maker_id == request.user.pk
    status = 200
    if request.method == "POST":
        form = TermsForm(request.POST, grades=grades)
        if form.is_valid():
            try:
                services.update_draft(actor=actor, version_id=version_id, params=form.params())
            except DomainError as refusal:
                _refused(refusal)
                form.add_service_errors(refusal.fields)
                if not refusal.fields:
                    form.add_error(None, str(refusal.message))
            else:
                messages.success(request, _("Draft saved."))
                return redirect("products:version", version_id=version_id)
        status = 422
    else:
        form = TermsForm(initial=TermsForm.initial_from(terms), grades=grades)
    context = {"version": version, "form": form, "editable": editable}
    return render(request, "products/edit.html", context, status=status)
