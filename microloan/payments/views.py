"""Back-office pages of payments: orders with status and retries, an order with its events and
"query the bank now", reconciliation breaks with "resolve" and "reconcile a date".

Pages call the same services as the API as the signed-in staff member; a service's refusal is
shown as a message, a success redirects back (post/redirect/get).
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from microloan.backoffice.decorators import actor_for, staff_page
from microloan.backoffice.lists import filtered_page, render_list
from microloan.backoffice.pages import flash_refusal
from microloan.kernel.errors import DomainError
from microloan.kernel.services import get_business_date

from .forms import BreakFilterForm, OrderFilterForm, ReconcileForm, ResolveForm
from .services import orders, queries, reconcile

VIEW_ORDER = "payments.view_paymentorder"
CHANGE_ORDER = "payments.change_paymentorder"
VIEW_BREAK = "payments.view_settlementbreak"
CHANGE_BREAK = "payments.change_settlementbreak"
MAX_FILE_BYTES = 20 * 1024 * 1024


@staff_page(VIEW_ORDER)
def order_list(request):
    form = OrderFilterForm(request.GET or None)
    page, error = filtered_page(request, form, queries.list_orders)
    context = {"form": form, "page": page, "error": error}
    return render_list(
        request,
        "payments/orders.html",
        "payments/_order_results.html",
        context,
        status=422 if error else 200,
    )


@staff_page(VIEW_ORDER)
def order_page(request, order_id: str):
    try:
        order, events = queries.order_detail(actor=actor_for(request), order_id=order_id)
    except DomainError as refusal:
        return render(
            request, "payments/not_found.html", {"refusal": refusal}, status=refusal.status
        )
    return render(request, "payments/order.html", {"order": order, "events": events})


@require_POST
@staff_page(CHANGE_ORDER)
def order_query(request, order_id: str):
    try:
        order = orders.query_order_status(actor=actor_for(request), order_id=order_id)
    except DomainError as refusal:
        flash_refusal(request, refusal)
    else:
        messages.success(
            request, _("The bank was asked; the order is %(status)s.") % {"status": order.status}
        )
    return redirect("payments:order", order_id=order_id)


@staff_page(VIEW_BREAK)
def break_list(request):
    form = BreakFilterForm(request.GET or {"status": "open"})
    page, error = filtered_page(request, form, queries.list_breaks)
    context = {
        "form": form,
        "page": page,
        "error": error,
        "resolve_form": ResolveForm(),
        "reconcile_form": ReconcileForm(initial={"business_date": get_business_date()}),
    }
    return render_list(
        request,
        "payments/breaks.html",
        "payments/_break_results.html",
        context,
        status=422 if error else 200,
    )


@require_POST
@staff_page(CHANGE_BREAK)
def break_resolve(request, break_id: str):
    form = ResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what was done about the break."))
        return redirect("payments:breaks")
    try:
        reconcile.resolve_break(
            actor=actor_for(request), break_id=break_id, resolution=form.cleaned_data["resolution"]
        )
    except DomainError as refusal:
        flash_refusal(request, refusal)
    else:
        messages.success(request, _("The break was resolved."))
    return redirect("payments:breaks")


@require_POST
@staff_page(CHANGE_BREAK)
def reconcile_now(request):
    form = ReconcileForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Give a business date."))
        return redirect("payments:breaks")
    upload = form.cleaned_data["settlement_file"]
    text = None
    if upload is not None:
        if upload.size > MAX_FILE_BYTES:
            messages.error(request, _("The file is too large."))
            return redirect("payments:breaks")
        try:
            text = upload.read().decode("utf-8")
        except UnicodeDecodeError:
            messages.error(request, _("The file is not UTF-8 text."))
            return redirect("payments:breaks")
    try:
        run = reconcile.reconcile_settlement(
            actor=actor_for(request), business_date=form.cleaned_data["business_date"], text=text
        )
    except DomainError as refusal:
        flash_refusal(request, refusal)
    else:
        messages.success(
            request,
            _("Reconciled %(lines)s lines: %(breaks)s breaks.")
            % {"lines": run.lines, "breaks": run.breaks},
        )
    return redirect("payments:breaks")
