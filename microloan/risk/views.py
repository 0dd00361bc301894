"""Back-office pages of risk: the blacklist (add, remove), rule set and scorecard versions
(draft, activate by a second person). Every action goes through ``risk.services``, so the
pages refuse exactly what the API refuses and audit the same way."""

from __future__ import annotations

import datetime as dt
import itertools
import json

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from microloan.backoffice.confirm import confirm_page, is_confirmed
from microloan.backoffice.decorators import actor_for, staff_page
from microloan.backoffice.lists import display_page
from microloan.backoffice.pages import flash_refusal, run_action
from microloan.kernel.errors import DomainError, NotFound

from . import services
from .models import BlacklistEntry
from .services.common import (
    PERM_ADD_RULESET,
    PERM_APPROVE_RULESET,
    PERM_APPROVE_SCORECARD,
    PERM_CHANGE_BLACKLIST,
    PERM_VIEW_BLACKLIST,
    PERM_VIEW_RULESET,
    PERM_VIEW_SCORECARD,
)


class BlacklistFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("All")), *BlacklistEntry.Kind.choices],
    )
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("All")), ("live", _("In force")), ("ended", _("Ended"))],
    )


class BlacklistAddForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=BlacklistEntry.Kind.choices)
    value = forms.CharField(label=_("Value"), max_length=64)
    source = forms.ChoiceField(label=_("Source"), choices=BlacklistEntry.Source.choices)
    reason = forms.CharField(label=_("Reason"), max_length=500)
    expires_on = forms.DateField(
        label=_("Expires on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class RuleSetDraftForm(forms.Form):
    changes = forms.CharField(
        label=_("Changes (JSON object merged into the latest thresholds)"),
        widget=forms.Textarea(attrs={"rows": 8, "cols": 80}),
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def clean_changes(self):
        try:
            value = json.loads(self.cleaned_data["changes"])
        except ValueError as error:
            # say where, in words: the raw "Not valid JSON." left people guessing
            raise forms.ValidationError(
                _("The changes cannot be read: check line %(line)s, column %(column)s.")
                % {"line": getattr(error, "lineno", 1), "column": getattr(error, "colno", 1)}
            ) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(_("Must be a JSON object."))
        return value


@require_GET
@staff_page(PERM_VIEW_BLACKLIST)
def blacklist(request):
    form = BlacklistFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    state = filters.get("state") or None
    entries = services.list_blacklist_entries(
        actor=actor_for(request),
        kind=filters.get("kind") or None,
        in_force=None if state is None else state == "live",
    )
    page = display_page(request, entries)
    now = timezone.now()
    context = {
        "form": form,
        "page": page,
        "rows": [(entry, entry.is_in_force(now)) for entry in page.items],
        "add_form": BlacklistAddForm(),
        "may_change": request.user.has_perm(PERM_CHANGE_BLACKLIST),
    }
    return render(request, "risk/blacklist.html", context)


@require_POST
@staff_page(PERM_CHANGE_BLACKLIST)
def blacklist_add(request):
    form = BlacklistAddForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors.as_text())
        return redirect("risk:blacklist")
    data = form.cleaned_data
    expires_at = None
    if data["expires_on"]:
        expires_at = dt.datetime.combine(
            data["expires_on"], dt.time.min, tzinfo=timezone.get_current_timezone()
        )
    try:
        entry = services.add_blacklist_entry(
            actor=actor_for(request),
            kind=data["kind"],
            value=data["value"],
            source=data["source"],
            reason=data["reason"],
            expires_at=expires_at,
        )
    except DomainError as error:
        flash_refusal(request, error)
    else:
        messages.success(request, _("Added %(hint)s.") % {"hint": entry.value_hint})
    return redirect("risk:blacklist")


@require_POST
@staff_page(PERM_CHANGE_BLACKLIST)
def blacklist_remove(request, entry_id: str):
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors.as_text())
        return redirect("risk:blacklist")
    if not is_confirmed(request):
        return confirm_page(
            request,
            title=_("Remove blacklist entry %(id)s?") % {"id": entry_id},
            summary=[
                _("The person or device is no longer refused by the blacklist check."),
                _("New applications from them are assessed as usual."),
                _("Reason recorded: %(reason)s") % {"reason": form.cleaned_data["reason"]},
            ],
            cancel_url=reverse("risk:blacklist"),
        )
    try:
        services.remove_blacklist_entry(
            actor=actor_for(request), entry_id=entry_id, reason=form.cleaned_data["reason"]
        )
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        flash_refusal(request, error)
    else:
        messages.success(request, _("Removed from the blacklist."))
    return redirect("risk:blacklist")


@require_GET
@staff_page(PERM_VIEW_RULESET)
def rulesets(request):
    return _rulesets_page(request)


def _rulesets_page(request, form: RuleSetDraftForm | None = None, status: int = 200):
    """The list and the draft form; after a refused draft, the form as it was typed."""
    actor = actor_for(request)
    services.active_ruleset()  # the default version exists before anyone drafts a change
    context = {
        "rulesets": list(services.list_rulesets(actor=actor)),
        "draft_form": form or RuleSetDraftForm(),
        "may_draft": request.user.has_perm(PERM_ADD_RULESET),
        "may_activate": request.user.has_perm(PERM_APPROVE_RULESET),
    }
    return render(request, "risk/rulesets.html", context, status=status)


@require_GET
@staff_page(PERM_VIEW_RULESET)
def ruleset_detail(request, ruleset_id: str):
    try:
        ruleset = services.get_ruleset(actor=actor_for(request), ruleset_id=ruleset_id)
    except NotFound:
        raise Http404 from None
    context = {
        "ruleset": ruleset,
        "thresholds": json.dumps(ruleset.thresholds, indent=2, ensure_ascii=False),
        "may_activate": request.user.has_perm(PERM_APPROVE_RULESET),
    }
    return render(request, "risk/ruleset.html", context)


@require_POST
@staff_page(PERM_ADD_RULESET)
def ruleset_draft(request):
    form = RuleSetDraftForm(request.POST)
    if not form.is_valid():
        return _rulesets_page(request, form, status=422)
    try:
        draft = services.create_ruleset_draft(
            actor=actor_for(request),
            changes=form.cleaned_data["changes"],
            note=form.cleaned_data["note"],
        )
    except DomainError as error:
        if error.status in (401, 403):
            raise
        # each problem by its threshold's path, next to the changes the person typed
        for path, problem in (error.fields or {}).items():
            form.add_error("changes", f"{path.removeprefix('changes.')}: {problem}")
        if not error.fields:
            form.add_error(None, str(error.message))
        return _rulesets_page(request, form, status=error.status)
    messages.success(request, _("Draft version %(version)s created.") % {"version": draft.version})
    return redirect("risk:ruleset", ruleset_id=draft.public_id)


@require_POST
@staff_page(PERM_APPROVE_RULESET)
def ruleset_activate(request, ruleset_id: str):
    ruleset = run_action(
        request, lambda: services.activate_ruleset(actor=actor_for(request), ruleset_id=ruleset_id)
    )
    _say_active(request, ruleset)
    return redirect("risk:ruleset", ruleset_id=ruleset_id)


def _say_active(request, version) -> None:
    if version is not None:
        messages.success(
            request, _("Version %(version)s is active.") % {"version": version.version}
        )


@require_GET
@staff_page(PERM_VIEW_SCORECARD)
def scorecards(request):
    services.active_scorecard()  # the expert card exists before the first look
    context = {"scorecards": list(services.list_scorecards(actor=actor_for(request)))}
    return render(request, "risk/scorecards.html", context)


def _bins(characteristic: dict) -> list[tuple[str, int]]:
    """Readable bins of one characteristic: ("< 20", 20), ("20 – 25", 35) … or categories."""
    points = characteristic.get("points", [])
    if characteristic.get("kind") == "numeric":
        edges = characteristic.get("edges", [])
        labels = [f"< {edges[0]}"] if edges else []
        labels += [f"{lo} – {hi}" for lo, hi in itertools.pairwise(edges)]
        labels += [f"≥ {edges[-1]}"] if edges else ["*"]
        rows = list(zip(labels, points, strict=False))
    else:
        rows = [
            (", ".join(str(v) for v in group.get("values", [])), group.get("points"))
            for group in characteristic.get("categories", [])
        ]
        if "other_points" in characteristic:
            rows.append((str(_("other")), characteristic["other_points"]))
    if "missing_points" in characteristic:
        rows.append((str(_("missing")), characteristic["missing_points"]))
    return rows


@require_GET
@staff_page(PERM_VIEW_SCORECARD)
def scorecard_detail(request, scorecard_id: str):
    try:
        scorecard = services.get_scorecard(actor=actor_for(request), scorecard_id=scorecard_id)
    except NotFound:
        raise Http404 from None
    artifact = scorecard.artifact
    context = {
        "scorecard": scorecard,
        "artifact": artifact,
        "characteristics": [{**c, "bins": _bins(c)} for c in artifact.get("characteristics", [])],
        "metrics": sorted((scorecard.metrics or {}).items()),
        "may_activate": request.user.has_perm(PERM_APPROVE_SCORECARD),
    }
    return render(request, "risk/scorecard.html", context)


@require_POST
@staff_page(PERM_APPROVE_SCORECARD)
def scorecard_activate(request, scorecard_id: str):
    scorecard = run_action(
        request,
        lambda: services.activate_scorecard(actor=actor_for(request), scorecard_id=scorecard_id),
    )
    _say_active(request, scorecard)
    return redirect("risk:scorecard", scorecard_id=scorecard_id)
