"""The back-office shell: sign in and out, the home page, the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login, logout
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from microloan.accounts.services import authenticate_staff
from microloan.audit.services import VIEW_PERMISSION, list_audit_records, verify_audit_chain
from microloan.backoffice.pages import is_fragment_request
from microloan.kernel.errors import DomainError, NotAuthenticated, ValidationFailed
from microloan.kernel.services import get_business_date

from .dashboard import run_health_checks, visible_counts, visible_panels
from .decorators import actor_for, staff_page
from .forms import AuditFilterForm, LoginForm
from .lists import display_page


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else settings.LOGIN_REDIRECT_URL


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request):
    if request.method == "GET" and request.user.is_authenticated:
        return redirect(_safe_next(request))
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = authenticate_staff(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                client_ip=request.META.get("REMOTE_ADDR", ""),
            )
        except NotAuthenticated:
            form.add_error(None, _("Wrong username or password."))
        except DomainError as refusal:
            if refusal.code != "too_many_login_attempts":
                raise
            form.add_error(None, _("Too many failed sign-in attempts. Please try again later."))
            status = 429
        else:
            login(request, user)
            return redirect(_safe_next(request))
    context = {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")}
    return render(request, "backoffice/login.html", context, status=status)


@require_POST
def logout_view(request):
    logout(request)
    return redirect(settings.LOGIN_URL)


@staff_page()
def home(request):
    business_date = get_business_date()
    context = {
        "business_date": business_date,
        "panels": visible_panels(request.user, business_date),
        "health_checks": run_health_checks(),
        "counts": visible_counts(request.user),
    }
    return render(request, "backoffice/home.html", context)


def _audit_results(request) -> dict:
    """The filter form and, when it is valid, one page of matching records."""
    form = AuditFilterForm(request.GET or None)
    page = None
    if not form.is_bound or form.is_valid():
        filters = form.cleaned_data if form.is_bound else {}
        try:
            records = list_audit_records(actor=actor_for(request), **filters)
        except ValidationFailed as invalid:
            for field, problem in invalid.fields.items():
                form.add_error(field if field in form.fields else None, str(problem))
        else:
            page = display_page(request, records)
    return {"form": form, "page": page}


@staff_page(VIEW_PERMISSION)
def audit_trail(request):
    context = _audit_results(request)
    template = "backoffice/audit/trail.html"
    if is_fragment_request(request):
        template = "backoffice/audit/_results.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_POST
@staff_page(VIEW_PERMISSION)
def audit_verify(request):
    verification = verify_audit_chain()
    if is_fragment_request(request):
        return render(request, "backoffice/audit/_verify.html", {"verification": verification})
    context = _audit_results(request) | {"verification": verification}
    return render(request, "backoffice/audit/trail.html", context)
