"""Back-office forms: the case queue filters and the action forms of the case page.

Promise amounts are typed in yuan and parsed with ``parse_yuan`` into fen, as the API reads them.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from microloan.kernel.money import format_yuan
from microloan.lending.forms import YuanField
from microloan.loanmath.schedules import RepaymentMethod

from .models import (
    Bucket,
    CollectionCase,
    CollectionStrategy,
    ContactChannel,
    ContactResult,
    NumberUsed,
    OverdueCause,
)


def _choices(options, blank=True):
    return [("", _("Any"))] * blank + list(options)


class CaseFilterForm(forms.Form):
    bucket = forms.ChoiceField(label=_("Bucket"), choices=_choices(Bucket.choices), required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=_choices(CollectionCase.Status.choices), required=False
    )
    cause = forms.ChoiceField(
        label=_("Cause"),
        choices=_choices([*OverdueCause.choices, ("none", _("Not recorded"))]),
        required=False,
    )
    collector = forms.CharField(label=_("Collector"), max_length=150, required=False)


class ContactForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=ContactChannel.choices)
    # The collector picks a number on file; the page never asks for (or shows) the digits.
    number = forms.ChoiceField(
        label=_("Number used"),
        choices=[("", _("None (visit or letter)")), (NumberUsed.REGISTERED_MOBILE.value, "")],
        required=False,
    )
    result = forms.ChoiceField(label=_("Result"), choices=ContactResult.choices)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, masked_phone: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        label = NumberUsed.REGISTERED_MOBILE.label
        self.fields["number"].choices = [
            ("", _("None (visit or letter)")),
            (NumberUsed.REGISTERED_MOBILE.value, f"{label} {masked_phone}".strip()),
        ]
        self.fields["number"].initial = NumberUsed.REGISTERED_MOBILE.value


class PromiseForm(forms.Form):
    amount = YuanField(label=_("Amount (yuan)"))
    due_date = forms.DateField(label=_("Pay by"), widget=forms.DateInput(attrs={"type": "date"}))


class CauseForm(forms.Form):
    cause = forms.ChoiceField(label=_("Overdue cause"), choices=OverdueCause.choices)


def collector_choices(loads: list[dict]) -> list[tuple[str, str]]:
    """The picker: each collector with their current load, so a supervisor balances it."""
    return [("", _("Choose a collector"))] + [
        (
            load["username"],
            _("%(name)s — %(cases)s open cases, %(amount)s overdue")
            % {
                "name": load["username"],
                "cases": load["open_cases"],
                "amount": format_yuan(load["overdue"]),
            },
        )
        for load in loads
    ]


class AssignForm(forms.Form):
    collector = forms.ChoiceField(label=_("Collector"), choices=())

    def __init__(self, *args, loads: list[dict] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["collector"].choices = collector_choices(list(loads))


class BulkAssignForm(AssignForm):
    """The queue's bulk assign: ticked cases (the service checks each exists and is open)."""

    cases = forms.MultipleChoiceField(
        label=_("Cases"),
        choices=(),
        error_messages={"required": _("Tick at least one case.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        ticked = self.data.getlist("cases") if hasattr(self.data, "getlist") else []
        self.fields["cases"].choices = [(case_id, case_id) for case_id in ticked[:500]]


class RestructureForm(forms.Form):
    term_months = forms.IntegerField(label=_("Term (months)"), min_value=1, max_value=60)
    method = forms.ChoiceField(
        label=_("Method"), choices=[(m.value, m.value) for m in RepaymentMethod]
    )
    daily_rate = forms.CharField(label=_("Daily rate"), max_length=20, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=1000)


class StrategyForm(forms.Form):
    sms = forms.BooleanField(label=_("SMS"), required=False)
    push = forms.BooleanField(label=_("Push"), required=False)
    calls = forms.BooleanField(label=_("Calls"), required=False)
    team = forms.ChoiceField(label=_("Team"), choices=CollectionStrategy.Team.choices)
    outsource = forms.BooleanField(label=_("Outsource"), required=False)
