"""Back-office pages of collections: my cases and all cases queues, the case page with its
contact, promise, cause, assignment and restructuring forms, the stats and strategies pages.

Pages call the same services as the API as the signed-in staff member. A refusal is shown on
the page it came from with its status code; a success redirects back (post/redirect/get).
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from microloan.backoffice.decorators import actor_for, staff_page
from microloan.backoffice.pages import flash_refusal, page_number
from microloan.kernel.errors import DomainError

from .forms import (
    AssignForm,
    BulkAssignForm,
    CaseFilterForm,
    CauseForm,
    ContactForm,
    PromiseForm,
    RestructureForm,
    StrategyForm,
)
from .services import assignment, cases, contacts, stats, strategies
from .services.common import CHANGE_CASE, CHANGE_STRATEGY, VIEW_CASE, VIEW_STRATEGY, WORK_CASE

PAGE_SIZE = 50


def _queue(request, *, mine: bool):
    form = CaseFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    filters = {k: v for k, v in filters.items() if v}
    if mine:
        filters["collector"] = "me"
    error = None
    try:
        page = cases.list_cases(
            actor=actor_for(request), **filters, page=page_number(request), page_size=PAGE_SIZE
        )
    except DomainError as refusal:
        page, error = None, refusal.as_dict()["fields"]
    return _render_queue(request, form, page, error, mine=mine)


def _render_queue(request, form, page, error, *, mine: bool, bulk_form=None, status=None):
    loads = None if mine else assignment.collector_loads()
    can_assign = not mine and request.user.has_perm(CHANGE_CASE)
    context = {
        "form": form,
        "page": page,
        "error": error,
        "mine": mine,
        "workload": loads,
        "bulk_form": (bulk_form or BulkAssignForm(loads=loads)) if can_assign else None,
    }
    return render(
        request, "collections/cases.html", context, status=status or (422 if error else 200)
    )


@staff_page(VIEW_CASE)
def case_queue(request):
    return _queue(request, mine=False)


@staff_page(WORK_CASE)
def my_cases(request):
    return _queue(request, mine=True)


def _case_context(request, case_id: str, **forms) -> dict:
    detail = cases.case_detail(actor=actor_for(request), case_id=case_id)
    can_assign = request.user.has_perm(CHANGE_CASE)
    return {
        **detail,
        "contact_form": forms.get("contact_form")
        or ContactForm(masked_phone=(detail["borrower"] or {}).get("phone", "")),
        "promise_form": forms.get("promise_form") or PromiseForm(),
        "cause_form": forms.get("cause_form") or CauseForm(initial={"cause": detail["case"].cause}),
        "assign_form": forms.get("assign_form")
        or AssignForm(loads=assignment.collector_loads() if can_assign else ()),
        "restructure_form": forms.get("restructure_form")
        or RestructureForm(
            initial={"method": detail["loan"].method, "term_months": detail["loan"].term_months}
        ),
        "is_mine": detail["case"].collector_id == request.user.pk,
    }


@staff_page(VIEW_CASE)
def case_page(request, case_id: str):
    try:
        context = _case_context(request, case_id)
    except DomainError as refusal:
        return render(
            request, "collections/not_found.html", {"refusal": refusal}, status=refusal.status
        )
    return render(request, "collections/case.html", context)


def _case_action(request, case_id: str, form, form_name: str, action, success: str):
    """Run ``action(actor, cleaned_data)`` for a valid ``form``; refusals shown on the page."""
    if form.is_valid():
        try:
            action(actor_for(request), form.cleaned_data)
        except DomainError as refusal:
            if "reasons" in (refusal.fields or {}):  # the message names every rule in words
                messages.error(request, refusal.message)
            else:
                flash_refusal(request, refusal)
            status = refusal.status
        else:
            messages.success(request, success)
            return redirect("collections:case", case_id=case_id)
    else:
        messages.error(request, _("Please correct the form."))
        status = 422
    try:
        context = _case_context(request, case_id, **{form_name: form})
    except DomainError as refusal:
        return render(
            request, "collections/not_found.html", {"refusal": refusal}, status=refusal.status
        )
    return render(request, "collections/case.html", context, status=status)


@require_POST
@staff_page(WORK_CASE)
def case_contact(request, case_id: str):
    return _case_action(
        request,
        case_id,
        _bound_contact_form(request, case_id),
        "contact_form",
        lambda actor, data: contacts.log_contact(actor=actor, case_id=case_id, **data),
        _("The contact was recorded."),
    )


def _bound_contact_form(request, case_id: str) -> ContactForm:
    try:
        borrower = cases.case_detail(actor=actor_for(request), case_id=case_id)["borrower"]
    except DomainError:
        borrower = None
    return ContactForm(request.POST, masked_phone=(borrower or {}).get("phone", ""))


@require_POST
@staff_page(WORK_CASE)
def case_promise(request, case_id: str):
    return _case_action(
        request,
        case_id,
        PromiseForm(request.POST),
        "promise_form",
        lambda actor, data: contacts.make_promise(actor=actor, case_id=case_id, **data),
        _("The promise to pay was recorded."),
    )


@require_POST
@staff_page(WORK_CASE)
def case_cause(request, case_id: str):
    return _case_action(
        request,
        case_id,
        CauseForm(request.POST),
        "cause_form",
        lambda actor, data: cases.set_cause(actor=actor, case_id=case_id, cause=data["cause"]),
        _("The overdue cause was recorded."),
    )


@require_POST
@staff_page("collections.change_collectioncase")
def case_assign(request, case_id: str):
    return _case_action(
        request,
        case_id,
        AssignForm(request.POST, loads=assignment.collector_loads()),
        "assign_form",
        lambda actor, data: assignment.assign_case(
            actor=actor, case_id=case_id, collector=data["collector"]
        ),
        _("The case was assigned."),
    )


@require_POST
@staff_page(CHANGE_CASE)
def bulk_assign(request):
    form = BulkAssignForm(request.POST, loads=assignment.collector_loads())
    if form.is_valid():
        try:
            done = assignment.assign_many(
                actor=actor_for(request),
                case_ids=form.cleaned_data["cases"],
                collector=form.cleaned_data["collector"],
            )
        except DomainError as refusal:
            flash_refusal(request, refusal)
        else:
            messages.success(
                request,
                _("%(count)s cases were assigned to %(collector)s.")
                % {"count": done, "collector": form.cleaned_data["collector"]},
            )
            return redirect("collections:cases")
    else:
        messages.error(request, _("Please correct the form."))
    filters = CaseFilterForm()
    page = cases.list_cases(actor=actor_for(request), page=1, page_size=PAGE_SIZE)
    return _render_queue(request, filters, page, None, mine=False, bulk_form=form, status=422)


@require_POST
@staff_page(WORK_CASE)
def case_restructure(request, case_id: str):
    return _case_action(
        request,
        case_id,
        RestructureForm(request.POST),
        "restructure_form",
        lambda actor, data: cases.propose_case_restructure(
            actor=actor, case_id=case_id, **{**data, "daily_rate": data["daily_rate"] or None}
        ),
        _("The restructuring was proposed; a second person must approve it."),
    )


@staff_page(VIEW_CASE)
def stats_page(request):
    figures = stats.collection_stats(actor=actor_for(request))
    return render(request, "collections/stats.html", {"stats": figures})


@staff_page(VIEW_STRATEGY)
def strategy_list(request):
    rows = []
    for strategy in strategies.list_strategies(actor=actor_for(request)):
        form = StrategyForm(prefix=strategy.bucket, initial=vars(strategy))
        for field in form.fields.values():  # inputs sit in table cells, outside the <form>
            field.widget.attrs["form"] = f"strategy-{strategy.bucket}"
        rows.append((strategy, form))
    return render(request, "collections/strategies.html", {"rows": rows})


@require_POST
@staff_page(CHANGE_STRATEGY)
def strategy_update(request, bucket: str):
    form = StrategyForm(request.POST, prefix=bucket)
    if form.is_valid():
        try:
            strategies.update_strategy(
                actor=actor_for(request), bucket=bucket, changes=form.cleaned_data
            )
        except DomainError as refusal:
            flash_refusal(request, refusal)
        else:
            messages.success(request, _("The strategy was saved."))
    else:
        messages.error(request, _("Please correct the form."))
    return redirect("collections:strategies")
