"""Back-office pages of contracts: search, detail with the signing evidence and a verify
button, the PDF, and the template versions.

Pages call the same services as the API, as the signed-in staff member; a refusal is shown on
the page with its status code.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from microloan.backoffice.decorators import actor_for, staff_page
from microloan.backoffice.lists import filtered_page, render_list
from microloan.kernel.errors import DomainError

from .forms import STATE_LABELS, ContractFilterForm, TemplateForm
from .services import queries, rendering, templates, verification
from .services.common import (
    ADD_TEMPLATE,
    VIEW_CONTRACT,
    VIEW_TEMPLATE,
    contract_state,
)


def _refusal_page(request, refusal: DomainError):
    return render(request, "contracts/refused.html", {"refusal": refusal}, status=refusal.status)


@staff_page(VIEW_CONTRACT)
def contract_search(request):
    form = ContractFilterForm(request.GET or None)
    page, error = filtered_page(request, form, queries.list_contracts)
    rows = [(c, STATE_LABELS[contract_state(c)]) for c in page.items] if page else []
    context = {"form": form, "page": page, "rows": rows, "error": error}
    return render_list(
        request,
        "contracts/search.html",
        "contracts/_results.html",
        context,
        status=422 if error else 200,
    )


@staff_page(VIEW_CONTRACT)
def contract_page(request, contract_id: str):
    try:
        contract = queries.contract_detail(actor=actor_for(request), contract_id=contract_id)
    except DomainError as refusal:
        return _refusal_page(request, refusal)
    context = {
        "contract": contract,
        "terms": contract.terms,
        "state": contract_state(contract),
        "state_label": STATE_LABELS[contract_state(contract)],
        "verification": None,
        "borrower": queries.masked_borrower(contract),
    }
    return render(request, "contracts/detail.html", context)


@staff_page(VIEW_CONTRACT)
def contract_verify(request, contract_id: str):
    """Verify the stored sealed PDF (a read: GET, shown in place with htmx)."""
    try:
        result = verification.verify_stored(actor=actor_for(request), contract_id=contract_id)
    except DomainError as refusal:
        return _refusal_page(request, refusal)
    if request.htmx:
        return render(request, "contracts/_verification.html", {"verification": result})
    contract = queries.contract_detail(actor=actor_for(request), contract_id=contract_id)
    context = {
        "contract": contract,
        "terms": contract.terms,
        "state": contract_state(contract),
        "state_label": STATE_LABELS[contract_state(contract)],
        "verification": result,
        "borrower": queries.masked_borrower(contract),
    }
    return render(request, "contracts/detail.html", context)


@staff_page(VIEW_CONTRACT)
def contract_pdf(request, contract_id: str):
    try:
        found = rendering.contract_file(actor=actor_for(request), contract_id=contract_id)
    except DomainError as refusal:
        return _refusal_page(request, refusal)
    response = HttpResponse(found.data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{found.filename}"'
    response["X-Content-SHA256"] = found.sha256
    return response


@staff_page(VIEW_TEMPLATE)
def template_list(request):
    actor = actor_for(request)
    context = {
        "templates": templates.list_templates(actor=actor),
        "form": TemplateForm(),
        "can_add": request.user.has_perm(ADD_TEMPLATE),
    }
    return render(request, "contracts/templates.html", context)


@staff_page(VIEW_TEMPLATE)
def template_page(request, template_id: str):
    try:
        template = templates.get_template(actor=actor_for(request), template_id=template_id)
    except DomainError as refusal:
        return _refusal_page(request, refusal)
    return render(request, "contracts/template.html", {"template": template})


@require_POST
@staff_page(ADD_TEMPLATE)
def template_create(request):
    form = TemplateForm(request.POST)
    actor = actor_for(request)
    if form.is_valid():
        try:
            template = templates.create_template_version(actor=actor, **form.cleaned_data)
        except DomainError as refusal:
            for field, problem in refusal.as_dict()["fields"].items():
                form.add_error(field if field in form.fields else None, problem)
        else:
            messages.success(
                request, _("Template version %(v)s created.") % {"v": template.version}
            )
            return redirect("contracts:template", template.public_id)
    context = {"templates": templates.list_templates(actor=actor), "form": form, "can_add": True}
    return render(request, "contracts/templates.html", context, status=422)


@require_POST
@staff_page("contracts.change_contracttemplate")
def template_activate(request, template_id: str):
    try:
        template = templates.activate_template(actor=actor_for(request), template_id=template_id)
    except DomainError as refusal:
        return _refusal_page(request, refusal)
    messages.success(
        request, _("Version %(v)s is now used for new contracts.") % {"v": template.version}
    )
    return redirect("contracts:template", template.public_id)
