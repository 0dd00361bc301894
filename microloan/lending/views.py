"""Back-office pages of lending: loan search and loan page, credit lines, pending requests.

Pages call the same services as the API, as the signed-in staff member. A refusal from a
service (``DomainError``) is shown on the page it came from with its status code; a success
redirects back (post/redirect/get) with a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from microloan.backoffice.confirm import confirm_page, is_confirmed
from microloan.backoffice.decorators import actor_for, staff_page
from microloan.backoffice.lists import filtered_page, render_list
from microloan.backoffice.pages import flash_refusal, page_number
from microloan.kernel.errors import DomainError
from microloan.kernel.services import get_business_date

from .forms import (
    DecisionForm,
    LimitChangeForm,
    LineFilterForm,
    LoanFilterForm,
    QuoteForm,
    ReasonForm,
    RestructureForm,
)
from .services import lines, queries, quotes, requests, restructure, writeoff
from .services.queries import line_apr, loan_apr

VIEW_LOAN = "lending.view_loan"
VIEW_LINE = "lending.view_creditline"
PAGE_SIZE = 50


# --- loans ---------------------------------------------------------------------------------


@staff_page(VIEW_LOAN)
def loan_search(request):
    form = LoanFilterForm(request.GET or None)
    page, error = filtered_page(request, form, queries.list_loans)
    rows = [(loan, loan_apr(loan)) for loan in page.items] if page else []
    context = {"form": form, "page": page, "rows": rows, "error": error}
    return render_list(
        request,
        "lending/loans.html",
        "lending/_loan_results.html",
        context,
        status=422 if error else 200,
    )


def _loan_context(request, loan_id: str, **extra) -> dict:
    actor = actor_for(request)
    loan = queries.loan_detail(actor=actor, loan_id=loan_id)
    today = get_business_date()
    context = {
        "loan": loan,
        "apr": loan_apr(loan),
        "schedule": queries.loan_schedule(actor=actor, loan_id=loan_id, include_cancelled=True),
        "transactions": queries.loan_transactions(actor=actor, loan_id=loan_id),
        "business_date": today,
        "quote_form": QuoteForm(initial={"date": today}),
        "writeoff_form": ReasonForm(prefix="writeoff"),
        "restructure_form": RestructureForm(
            prefix="restructure", initial={"method": loan.method, "term_months": loan.term_months}
        ),
        "quote": None,
        "quote_error": None,
    }
    if loan.status == loan.Status.ACTIVE:
        try:
            context["quote"] = quotes.payoff_quote(
                actor=actor, loan_id=loan_id, business_date=today
            )
        except DomainError as refusal:
            context["quote_error"] = refusal.message
    context.update(extra)
    return context


@staff_page(VIEW_LOAN)
def loan_page(request, loan_id: str):
    try:
        context = _loan_context(request, loan_id)
    except DomainError as refusal:
        return render(
            request, "lending/not_found.html", {"refusal": refusal}, status=refusal.status
        )
    return render(request, "lending/loan.html", context)


@staff_page(VIEW_LOAN)
def loan_quote(request, loan_id: str):
    """The payoff quote for the date asked (an HTMX fragment of the loan page)."""
    form = QuoteForm(request.GET)
    quote, error, status = None, None, 200
    if form.is_valid():
        try:
            quote = quotes.payoff_quote(
                actor=actor_for(request), loan_id=loan_id, business_date=form.cleaned_data["date"]
            )
        except DomainError as refusal:
            error, status = refusal.message, refusal.status
    else:
        error, status = _("Give a date."), 422
    return render(
        request, "lending/_quote.html", {"quote": quote, "quote_error": error}, status=status
    )


def _loan_action(request, loan_id: str, form, action, success: str, confirm=None):
    """Run ``action(actor, cleaned_data)`` for a valid ``form``; show refusals on the loan page.
    ``confirm(cleaned_data)``: (title, summary) of an irreversible action, shown first (the
    server's confirmation step: nothing changes without ``confirmed=1``)."""
    if form.is_valid():
        if confirm is not None and not is_confirmed(request):
            title, summary = confirm(form.cleaned_data)
            return confirm_page(
                request,
                title=title,
                summary=summary,
                cancel_url=reverse("lending:loan", args=[loan_id]),
                irreversible=False,  # a proposal: the second person's approval is final
            )
        try:
            action(actor_for(request), form.cleaned_data)
        except DomainError as refusal:
            flash_refusal(request, refusal)
            context = _loan_context(request, loan_id)
            return render(request, "lending/loan.html", context, status=refusal.status)
        messages.success(request, success)
        return redirect("lending:loan", loan_id=loan_id)
    messages.error(request, _("Please correct the form."))
    return render(request, "lending/loan.html", _loan_context(request, loan_id), status=422)


@require_POST
@staff_page("lending.propose_writeoff")
def loan_writeoff_request(request, loan_id: str):
    return _loan_action(
        request,
        loan_id,
        ReasonForm(request.POST, prefix="writeoff"),
        lambda actor, data: writeoff.propose_writeoff(
            actor=actor, loan_id=loan_id, reason=data["reason"]
        ),
        _("The write-off was proposed; a second person must approve it."),
        confirm=lambda data: (
            _("Propose writing off loan %(id)s?") % {"id": loan_id},
            [
                _("A write-off of the loan's whole outstanding balance is proposed."),
                _("Once a second person approves it, the loan is closed as written off."),
                _("Reason recorded: %(reason)s") % {"reason": data["reason"]},
            ],
        ),
    )


@require_POST
@staff_page("lending.propose_restructure")
def loan_restructure_request(request, loan_id: str):
    return _loan_action(
        request,
        loan_id,
        RestructureForm(request.POST, prefix="restructure"),
        lambda actor, data: restructure.propose_restructure(
            actor=actor,
            loan_id=loan_id,
            term_months=data["term_months"],
            method=data["method"],
            daily_rate=data["daily_rate"],
            reason=data["reason"],
        ),
        _("The restructuring was proposed; a second person must approve it."),
    )


# --- credit lines ----------------------------------------------------------------------------


@staff_page(VIEW_LINE)
def line_list(request):
    form = LineFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    page = queries.list_lines(
        actor=actor_for(request),
        **{k: v for k, v in filters.items() if v},
        page=page_number(request),
        page_size=PAGE_SIZE,
    )
    rows = [(line, line_apr(line)) for line in page.items]
    context = {"form": form, "page": page, "rows": rows}
    return render_list(request, "lending/lines.html", "lending/_line_results.html", context)


def _line_context(request, line_id: str, **forms) -> dict:
    actor = actor_for(request)
    line = queries.line_detail(actor=actor, line_id=line_id)
    loans = queries.list_loans(actor=actor, line_id=line.public_id, page_size=200).items
    return {
        "line": line,
        "apr": line_apr(line),
        "loans": [(loan, loan_apr(loan)) for loan in loans],
        "freeze_form": forms.get("freeze_form") or ReasonForm(prefix="freeze"),
        "limit_form": forms.get("limit_form") or LimitChangeForm(prefix="limit"),
        "pending": queries.list_requests(actor=actor, status="pending").items,
    }


@staff_page(VIEW_LINE)
def line_page(request, line_id: str):
    try:
        context = _line_context(request, line_id)
    except DomainError as refusal:
        return render(
            request, "lending/not_found.html", {"refusal": refusal}, status=refusal.status
        )
    context["pending"] = [r for r in context["pending"] if r.line_id == context["line"].pk]
    return render(request, "lending/line.html", context)


def _line_action(request, line_id: str, form, form_name: str, action, success: str, confirm=None):
    """As ``_loan_action``, on the line page."""
    if form.is_valid():
        if confirm is not None and not is_confirmed(request):
            title, summary = confirm(form.cleaned_data)
            return confirm_page(
                request,
                title=title,
                summary=summary,
                cancel_url=reverse("lending:line", args=[line_id]),
                irreversible=False,  # a frozen line can be unfrozen
            )
        try:
            action(actor_for(request), form.cleaned_data)
        except DomainError as refusal:
            flash_refusal(request, refusal)
            status = refusal.status
        else:
            messages.success(request, success)
            return redirect("lending:line", line_id=line_id)
    else:
        status = 422
    context = _line_context(request, line_id, **{form_name: form})
    context["pending"] = [r for r in context["pending"] if r.line_id == context["line"].pk]
    return render(request, "lending/line.html", context, status=status)


@require_POST
@staff_page("lending.freeze_creditline")
def line_freeze(request, line_id: str):
    unfreeze = request.POST.get("action") == "unfreeze"
    service = lines.unfreeze_line if unfreeze else lines.freeze_line
    return _line_action(
        request,
        line_id,
        ReasonForm(request.POST, prefix="freeze"),
        "freeze_form",
        lambda actor, data: service(actor=actor, line_id=line_id, reason=data["reason"]),
        _("The line was unfrozen.") if unfreeze else _("The line was frozen."),
        confirm=None
        if unfreeze
        else lambda data: (
            _("Freeze credit line %(id)s?") % {"id": line_id},
            [
                _("The customer can no longer draw on this line until it is unfrozen."),
                _("Loans already drawn are not changed."),
                _("Reason recorded: %(reason)s") % {"reason": data["reason"]},
            ],
        ),
    )


@require_POST
@staff_page("lending.adjust_creditline_limit")
def line_limit_change(request, line_id: str):
    return _line_action(
        request,
        line_id,
        LimitChangeForm(request.POST, prefix="limit"),
        "limit_form",
        lambda actor, data: lines.propose_limit_change(
            actor=actor, line_id=line_id, new_limit=data["new_limit"], reason=data["reason"]
        ),
        _("The limit change was proposed; a second person must approve it."),
    )


# --- maker-checker requests ------------------------------------------------------------------


@staff_page(VIEW_LOAN)
def request_list(request):
    actor = actor_for(request)
    page = queries.list_requests(actor=actor, status="pending", page=page_number(request))
    return render(request, "lending/requests.html", {"page": page, "form": DecisionForm()})


@require_POST
@staff_page(VIEW_LOAN)
def request_decide(request, request_id: str):
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose approve or reject."))
        return redirect("lending:requests")
    decide = (
        requests.approve_request
        if form.cleaned_data["decision"] == "approve"
        else requests.reject_request
    )
    try:
        decide(actor=actor_for(request), request_id=request_id, note=form.cleaned_data["reason"])
    except DomainError as refusal:
        flash_refusal(request, refusal)
        page = queries.list_requests(actor=actor_for(request), status="pending")
        return render(
            request,
            "lending/requests.html",
            {"page": page, "form": DecisionForm()},
            status=refusal.status,
        )
    messages.success(request, _("The request was decided."))
    return redirect("lending:requests")
