"""Back-office pages: post-loan checks with their signals, the early-warning actions waiting
for approval (approve / reject by a second person), and the early-warning policy's versions
(a draft by one person, approved by another)."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from microloan.backoffice.decorators import actor_for, staff_page
from microloan.backoffice.lists import display_page
from microloan.backoffice.threshold_forms import ThresholdsForm
from microloan.kernel.errors import DomainError
from microloan.kernel.ids import PUBLIC_ID_MAX_LENGTH

from ..models import REASON_MAX_LENGTH, EarlyWarningAction, PostLoanCheck
from . import services
from .rules import DEFAULT_THRESHOLDS, EarlyWarningThresholds


class CheckFilterForm(forms.Form):
    line_id = forms.CharField(
        label=gettext_lazy("Line"), required=False, max_length=PUBLIC_ID_MAX_LENGTH
    )
    customer_id = forms.CharField(
        label=gettext_lazy("Customer"), required=False, max_length=PUBLIC_ID_MAX_LENGTH
    )
    business_date = forms.DateField(label=gettext_lazy("Business date"), required=False)
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        required=False,
        choices=[("", "—"), *PostLoanCheck.Decision.choices],
    )


class ActionDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "approve"), ("reject", "reject")])
    note = forms.CharField(required=False, max_length=REASON_MAX_LENGTH)


def _url(request, name: str, *args) -> str:
    """Reverse within the namespace these pages are served under: ``risk_postloan`` on its
    own, or nested (``risk:risk_postloan`` when risk's urls include them)."""
    namespace = request.resolver_match.namespace if request.resolver_match else "risk_postloan"
    return reverse(f"{namespace}:{name}", args=args)


def _links(request) -> dict[str, str]:
    return {
        "checks_url": _url(request, "checks"),
        "actions_url": _url(request, "actions"),
        "policies_url": _url(request, "policies"),
    }


@staff_page(services.PERM_VIEW_CHECK)
def check_list(request):
    form = CheckFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        context = {"form": form, "page": None, **_links(request)}
        return render(request, "risk/postloan/checks.html", context, status=422)
    filters = form.cleaned_data if form.is_bound else {}
    checks = services.list_checks(
        actor=actor_for(request), **{k: v for k, v in filters.items() if v not in ("", None)}
    )
    context = {"form": form, "page": display_page(request, checks), **_links(request)}
    return render(request, "risk/postloan/checks.html", context)


def _actions_page(request, status: int = 200):
    actions = services.list_actions(
        actor=actor_for(request), status=EarlyWarningAction.Status.PENDING
    )
    page = display_page(request, actions)
    for action in page.items:
        action.decide_url = _url(request, "action_decide", action.public_id)
    context = {"page": page, "form": ActionDecisionForm(), **_links(request)}
    return render(request, "risk/postloan/actions.html", context, status=status)


@staff_page(services.PERM_VIEW_ACTION)
def action_list(request):
    return _actions_page(request)


@require_POST
@staff_page(services.PERM_APPROVE_ACTION)
def action_decide(request, action_id: str):
    form = ActionDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose approve or reject."))
        return redirect(_url(request, "actions"))
    decide = (
        services.approve_action
        if form.cleaned_data["decision"] == "approve"
        else services.reject_action
    )
    try:
        decide(actor=actor_for(request), action_id=action_id, note=form.cleaned_data["note"])
    except DomainError as refusal:
        messages.error(request, str(refusal.message))
        return _actions_page(request, status=refusal.status)
    messages.success(request, _("The action was decided."))
    return redirect(_url(request, "actions"))


# One labelled input per threshold (bounds from the schema), instead of a JSON textarea.
POLICY_LABELS = {
    "freeze_below_score": gettext_lazy("Freeze the line below this score"),
    "reduce_below_score": gettext_lazy("Reduce the limit below this score"),
    "freeze_other_line_dpd": gettext_lazy("Freeze when another line is this many days overdue"),
    "freeze_on_blacklist": gettext_lazy("Freeze on a blacklist hit"),
    "freeze_on_expired_id": gettext_lazy("Freeze when the ID card has expired"),
    "mild_cut_percent": gettext_lazy("Mild limit cut (%)"),
    "severe_cut_percent": gettext_lazy("Severe limit cut (%)"),
    "auto_apply_max_cut_percent": gettext_lazy("Apply cuts up to this size without review (%)"),
    "reduction_cooldown_days": gettext_lazy("Days between two limit cuts"),
    "min_limit": gettext_lazy("Lowest limit after a cut (yuan)"),
    "id_expiry_days": gettext_lazy("Warn this many days before the ID card expires"),
    "minimum_payment_months": gettext_lazy("Months of minimum payments that raise a warning"),
    "rising_utilisation_increases": gettext_lazy("Utilisation rises in a row that raise a warning"),
}


def policy_form(data=None, *, current: dict) -> ThresholdsForm:
    return ThresholdsForm(
        data,
        schema=EarlyWarningThresholds,
        labels=POLICY_LABELS,
        current=current,
        money=("min_limit",),
    )


def _latest_thresholds(policies: list) -> dict:
    """What a draft starts from: the newest version (drafts merge into it)."""
    return dict(policies[0].thresholds) if policies else dict(DEFAULT_THRESHOLDS)


def _policies_page(request, form: ThresholdsForm | None = None, status: int = 200):
    policies = list(services.list_policies(actor=actor_for(request)))
    active = next((policy for policy in policies if policy.status == "active"), None)
    for policy in policies:
        policy.approve_url = _url(request, "policy_approve", policy.public_id)
    context = {
        "policies": policies,
        "active_thresholds": json.dumps(
            active.thresholds if active else {}, indent=2, ensure_ascii=False, sort_keys=True
        ),
        "form": form or policy_form(current=_latest_thresholds(policies)),
        "draft_url": _url(request, "policy_draft"),
        **_links(request),
    }
    return render(request, "risk/postloan/policies.html", context, status=status)


@staff_page(services.PERM_VIEW_POLICY)
def policy_list(request):
    return _policies_page(request)


@require_POST
@staff_page(services.PERM_CHANGE_POLICY)
def policy_draft(request):
    policies = list(services.list_policies(actor=actor_for(request)))
    form = policy_form(request.POST, current=_latest_thresholds(policies))
    if not form.is_valid():
        return _policies_page(request, form, status=422)
    try:
        services.create_policy_draft(
            actor=actor_for(request),
            changes=form.changes(),
            note=form.cleaned_data["note"],
        )
    except DomainError as refusal:
        form.add_service_errors(refusal.fields or {})
        messages.error(request, str(refusal.message))
        return _policies_page(request, form, status=refusal.status)
    messages.success(request, _("The draft waits for another person's approval."))
    return redirect(_url(request, "policies"))


@require_POST
@staff_page(services.PERM_APPROVE_POLICY)
def policy_approve(request, policy_id: str):
    try:
        services.approve_policy(actor=actor_for(request), policy_id=policy_id)
    except DomainError as refusal:
        messages.error(request, str(refusal.message))
        return _policies_page(request, status=refusal.status)
    messages.success(request, _("The policy version is now active."))
    return redirect(_url(request, "policies"))
