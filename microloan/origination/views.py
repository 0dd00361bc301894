"""Back-office pages of origination: application search, the two review queues with SLA flags,
the application page (masked applicant, every check and reason, claim / release / decide) and
the admission policy versions. Every action goes through ``origination.services``: the pages
refuse exactly what the API refuses, with the same codes, and audit the same way."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from microloan.backoffice.confirm import confirm_page, is_confirmed
from microloan.backoffice.decorators import actor_for, staff_page
from microloan.backoffice.lists import display_page
from microloan.backoffice.pages import flash_refusal, run_action
from microloan.kernel.errors import DomainError, NotFound
from microloan.kernel.money import to_yuan_str

from . import services
from .forms import (
    ApplicationSearchForm,
    FinalDecisionForm,
    InitialDecisionForm,
    policy_draft_form,
)
from .models import ApplicationState

STAGE_TITLES = {"initial": _("Initial review queue"), "final": _("Final review queue")}


@require_GET
@staff_page(services.PERM_VIEW)
def application_list(request):
    form = ApplicationSearchForm(request.GET or None)
    page, status = None, 200
    if not form.is_bound or form.is_valid():
        filters = {k: v for k, v in (form.cleaned_data if form.is_bound else {}).items() if v}
        rows = services.search_applications(actor=actor_for(request), **filters)
        page = display_page(request, rows).map(services.summary_of)
    else:
        status = 422
    return render(
        request, "origination/applications.html", {"form": form, "page": page}, status=status
    )


@require_GET
@staff_page(services.PERM_VIEW)
def queue(request, stage: str):
    if stage not in STAGE_TITLES:
        raise Http404
    actor = actor_for(request)
    rows = services.review_queue(actor=actor, stage=stage)
    page = display_page(request, rows)
    permission = services.PERM_REVIEW_INITIAL if stage == "initial" else services.PERM_REVIEW_FINAL
    context = {
        "stage": stage,
        "title": STAGE_TITLES[stage],
        "page": page,
        "rows": services.with_sla_flags(page.items),
        "may_review": request.user.has_perm(permission),
        "me": actor.id,
    }
    return render(request, "origination/queue.html", context)


def _stage_of(state: str) -> str:
    return {ApplicationState.INITIAL_REVIEW: "initial", ApplicationState.FINAL_REVIEW: "final"}.get(
        state, ""
    )


def _decision_product(stage: str, detail: dict):
    """The product version a final approval would open the line on (None: none is offered)."""
    if stage != "final":
        return None
    try:
        return services.decision_product(detail["product_code"], detail["product_version"])
    except DomainError:
        return None


def _decision_form(stage: str, detail: dict, product):
    """The stage's form; the final one starts from the limit and rate the checks proposed, kept
    to what the version decided on allows (its grade's rate, its terms)."""
    if stage == "initial":
        return InitialDecisionForm()
    proposed = detail.get("proposed_limit")
    rate = detail.get("daily_rate") or ""
    terms = list(detail.get("term_options") or [])
    if product is not None and product.changed:
        grade_rate = product.terms.grade_rates.get(detail.get("grade") or "")
        rate = str(grade_rate) if grade_rate is not None else ""
        terms = [t for t in terms if t in product.terms.allowed_terms]
    return FinalDecisionForm(
        initial={
            "limit_yuan": to_yuan_str(proposed) if proposed else "",
            "daily_rate": rate,
            "terms_months": ", ".join(str(t) for t in terms),
        }
    )


def _render_detail(request, actor, detail: dict, *, form=None, status: int = 200):
    stage = _stage_of(detail["state"])
    permission = {"initial": services.PERM_REVIEW_INITIAL, "final": services.PERM_REVIEW_FINAL}
    may_review = bool(stage) and request.user.has_perm(permission[stage])
    product = _decision_product(stage, detail)
    checks = detail.get("checks") or {}
    context = {
        "app": detail,
        "stage": stage,
        "may_review": may_review,
        "claimed_by_me": detail["claimed_by"] == actor.id,
        "decision_product": product,
        "decision_form": (form or _decision_form(stage, detail, product)) if may_review else None,
        "identity": checks.get("identity") or {},
        "fraud": checks.get("fraud") or {},
        "score": checks.get("score") or {},
        "risk_decision": checks.get("decision") or {},
        "declared": sorted((detail.get("declared") or {}).items()),
        "admission": detail.get("admission") or {},
    }
    return render(request, "origination/application.html", context, status=status)


@require_GET
@staff_page(services.PERM_VIEW)
def application_detail(request, application_id: str):
    actor = actor_for(request)
    try:
        detail = services.application_detail(actor=actor, application_id=application_id)
    except NotFound:
        raise Http404 from None
    return _render_detail(request, actor, detail)


@require_POST
@staff_page(services.PERM_VIEW)
def claim(request, application_id: str):
    run_action(
        request,
        lambda: services.claim_application(actor=actor_for(request), application_id=application_id),
    )
    return redirect("origination:application", application_id=application_id)


@require_POST
@staff_page(services.PERM_VIEW)
def release(request, application_id: str):
    run_action(
        request,
        lambda: services.release_application(
            actor=actor_for(request), application_id=application_id
        ),
    )
    return redirect("origination:application", application_id=application_id)


@require_POST
@staff_page(services.PERM_VIEW)
def decide(request, application_id: str):
    actor = actor_for(request)
    try:
        detail = services.application_detail(actor=actor, application_id=application_id)
    except NotFound:
        raise Http404 from None
    stage = _stage_of(detail["state"])
    form = (FinalDecisionForm if stage == "final" else InitialDecisionForm)(request.POST)
    if not form.is_valid():  # the page again, with what was typed and the field errors
        return _render_detail(request, actor, detail, form=form, status=422)
    data = form.cleaned_data
    if data["outcome"] == "reject" and not is_confirmed(request):
        return confirm_page(
            request,
            title=_("Reject application %(id)s?") % {"id": application_id},
            summary=[
                _("The application is rejected for good: it cannot be reopened."),
                _("The applicant is told of the refusal."),
                _("Reason recorded: %(reason)s") % {"reason": data["reason"]},
            ],
            cancel_url=reverse("origination:application", args=[application_id]),
        )
    try:
        decided = services.decide_application(
            actor=actor,
            application_id=application_id,
            outcome=data["outcome"],
            reason=data["reason"],
            limit=data.get("limit_yuan"),
            daily_rate=data.get("daily_rate") or None,
            terms_months=data.get("terms_months"),
            return_fields=data.get("return_fields") or None,
        )
    except DomainError as error:  # refused: the page again, keeping the reason typed
        flash_refusal(request, error)
        for name, problem in (error.fields or {}).items():
            name = {"limit": "limit_yuan"}.get(name, name)
            if name in form.fields:
                form.add_error(name, str(problem))
        detail = services.application_detail(actor=actor, application_id=application_id)
        return _render_detail(request, actor, detail, form=form, status=error.status)
    messages.success(request, ApplicationState(decided.state).label)
    return redirect("origination:application", application_id=application_id)


@require_GET
@staff_page(services.PERM_VIEW_POLICY)
def policies(request):
    return _policies_page(request)


def _policies_page(request, form=None, status: int = 200):
    actor = actor_for(request)
    services.active_policy()  # the default version exists before anyone drafts a change
    versions = list(services.list_policies(actor=actor))
    rows = [
        (policy, json.dumps(policy.thresholds, indent=2, ensure_ascii=False)) for policy in versions
    ]
    context = {
        "rows": rows,
        "draft_form": form or policy_draft_form(current=dict(versions[0].thresholds)),
        "may_draft": request.user.has_perm(services.PERM_ADD_POLICY),
        "may_approve": request.user.has_perm(services.PERM_APPROVE_POLICY),
    }
    return render(request, "origination/policies.html", context, status=status)


@require_POST
@staff_page(services.PERM_ADD_POLICY)
def policy_draft(request):
    """On error the page comes back with what was typed and each problem by its input."""
    services.active_policy()
    latest = services.list_policies(actor=actor_for(request)).first()
    form = policy_draft_form(request.POST, current=dict(latest.thresholds))
    if not form.is_valid():
        return _policies_page(request, form, status=422)
    try:
        draft = services.create_policy_draft(
            actor=actor_for(request), changes=form.changes(), note=form.cleaned_data["note"]
        )
    except DomainError as error:
        if error.status in (401, 403):
            raise
        form.add_service_errors(error.fields or {})
        if not error.fields:
            form.add_error(None, str(error.message))
        return _policies_page(request, form, status=error.status)
    messages.success(request, f"v{draft.version}")
    return redirect("origination:policies")


@require_POST
@staff_page(services.PERM_APPROVE_POLICY)
def policy_approve(request, policy_id: str):
    try:
        services.approve_policy(actor=actor_for(request), policy_id=policy_id)
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        flash_refusal(request, error)
    return redirect("origination:policies")
