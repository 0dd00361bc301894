"""Back-office pages: customer search, the customer page with its reveal form, the access log.

Personal data is shown masked. The reveal form asks which field and why; the clear value is
rendered once into that reply (``Cache-Control: no-store``), never stored in the session.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_POST

from microloan.backoffice.decorators import PageForbidden, actor_for, staff_page
from microloan.backoffice.lists import display_page, render_list
from microloan.backoffice.pages import is_fragment_request
from microloan.kernel.errors import NotFound, ValidationFailed
from microloan.kernel.services import get_business_date

from . import find, profile, services
from .forms import REVEAL_FIELD_CHOICES, AccessLogFilterForm, CustomerSearchForm, RevealForm


@require_GET
@staff_page(services.VIEW_CUSTOMER)
def customer_search(request):
    form = CustomerSearchForm(request.GET or None)
    page = None
    if not form.is_bound or form.is_valid():
        filters = form.cleaned_data if form.is_bound else {}
        customers = services.search_customers(actor=actor_for(request), **filters)
        today = get_business_date()
        page = display_page(request, customers).map(
            lambda customer: services.masked_customer(customer, on=today)
        )
    context = {"form": form, "page": page}
    return render_list(request, "customers/search.html", "customers/_results.html", context)


def _customer_context(request, customer_id: str) -> dict:
    try:
        customer = services.get_customer(actor=actor_for(request), customer_id=customer_id)
    except NotFound:
        raise Http404 from None
    return {
        "customer": services.masked_customer(customer, on=get_business_date()),
        "labels": {
            "education": customer.get_education_display(),
            "marital_status": customer.get_marital_status_display(),
            "preferred_language": customer.get_preferred_language_display(),
        },
        "consents": list(services.consent_history(customer)),
        "may_reveal": request.user.has_perm(services.REVEAL_PERSONAL_DATA),
        # an HTMX reveal swaps only its form: the sections' queries would be wasted
        "sections": [] if is_fragment_request(request) else _sections(request, customer.public_id),
    }


def _sections(request, customer_id: str) -> list[dict]:
    """The 360° sections the viewer may see, each with its rows (read by the owning app)."""
    return [
        {"key": s.key, "title": s.title, "template": f"customers/360/{s.key}.html",
         "rows": s.rows(customer_id)}
        for s in profile.sections_for(request.user)
    ]  # fmt: skip


@require_GET
@staff_page(services.VIEW_CUSTOMER)
def customer_detail(request, customer_id: str):
    context = _customer_context(request, customer_id) | {"reveal_form": RevealForm()}
    return render(request, "customers/detail.html", context)


@require_POST
@staff_page(services.REVEAL_PERSONAL_DATA)
def customer_reveal(request, customer_id: str):
    context = _customer_context(request, customer_id)
    form = RevealForm(request.POST)
    status = 422
    if form.is_valid():
        try:
            value = services.reveal_field(
                actor=actor_for(request),
                customer_id=customer_id,
                field=form.cleaned_data["field"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationFailed as invalid:
            for name, problem in invalid.fields.items():
                form.add_error(name if name in form.fields else None, str(problem))
        else:
            labels = dict(REVEAL_FIELD_CHOICES)
            context["revealed"] = {"label": labels[form.cleaned_data["field"]], "value": value}
            form = RevealForm()
            status = 200
    context["reveal_form"] = form
    response = render_list(
        request, "customers/detail.html", "customers/_reveal.html", context, status=status
    )
    add_never_cache_headers(response)  # the clear value must not stay in any cache
    return response


@require_GET
@staff_page(services.VIEW_ACCESS_LOG)
def access_log(request):
    form = AccessLogFilterForm(request.GET or None)
    page = None
    if not form.is_bound or form.is_valid():
        filters = form.cleaned_data if form.is_bound else {}
        accesses = services.list_data_accesses(actor=actor_for(request), **filters)
        page = display_page(request, accesses)
    context = {"form": form, "page": page}
    return render_list(request, "customers/access_log.html", "customers/_access_rows.html", context)


@require_POST  # posted: a phone or ID number stays out of URLs, logs and history
@staff_page()
def global_search(request):
    """The header's search box: a record id jumps to its page; a phone, ID or card number
    finds the customer (one match jumps to the 360° page, several are listed masked)."""
    query = request.POST.get("q", "").strip()[: find.MAX_QUERY]
    context = {"query": query, "customers": [], "problem": ""}
    if url_name := find.page_for_public_id(query):
        return redirect(reverse(url_name, args=[query.lower()]))
    filters = find.customer_filters(query)
    if not filters:
        context["problem"] = find.NOT_UNDERSTOOD
        return render(request, "customers/find.html", context, status=400)
    if not request.user.has_perm(services.VIEW_CUSTOMER):
        raise PageForbidden(services.VIEW_CUSTOMER)
    found: dict[str, object] = {}
    for filter_ in filters:
        for customer in services.search_customers(actor=actor_for(request), **filter_)[:20]:
            found.setdefault(customer.public_id, customer)
    if len(found) == 1:
        return redirect("customers:detail", customer_id=next(iter(found)))
    today = get_business_date()
    context["customers"] = [services.masked_customer(c, on=today) for c in found.values()]
    return render(request, "customers/find.html", context)
