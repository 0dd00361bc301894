"""Typed threshold forms: one labelled input per threshold of a kind's pydantic schema
(``microloan.kernel.thresholds``), bounds taken from the schema, instead of a JSON textarea.

``thresholds_form(schema, labels, current, data)`` builds the form with the values in force as
its initial values; money thresholds (names ending ``_fen``, or listed in ``money``) are typed
in yuan. ``form.changes()`` gives only what differs from ``current`` (the services merge it
into the latest thresholds); ``form.add_service_errors(fields)`` puts a service's problems
(``changes.max_age``) next to their inputs. The typed input is kept on every error because
the form is re-rendered from the POST.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from microloan.kernel.thresholds import Thresholds

_FEN = Decimal(100)


def _bounds(info) -> tuple[Any, Any]:
    low = high = None
    for rule in info.metadata:
        low = getattr(rule, "ge", low)
        high = getattr(rule, "le", high)
    return low, high


class ThresholdsForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(
        self,
        data=None,
        *,
        schema: type[Thresholds],
        labels: Mapping[str, Any],
        current: Mapping[str, Any],
        money: Iterable[str] = (),
    ) -> None:
        super().__init__(data)
        self.current = dict(current)
        self.money = {name for name in schema.model_fields if name.endswith("_fen")} | set(money)
        note = self.fields.pop("note")
        for name, info in schema.model_fields.items():
            label = labels.get(name, name)
            low, high = _bounds(info)
            value = self.current.get(name)
            if info.annotation is bool:
                field: forms.Field = forms.BooleanField(label=label, required=False)
            elif name in self.money:
                field = forms.DecimalField(
                    label=label,
                    decimal_places=2,
                    min_value=None if low is None else Decimal(low) / _FEN,
                    max_value=None if high is None else Decimal(high) / _FEN,
                )
                value = None if value is None else (Decimal(value) / _FEN).quantize(Decimal("0.01"))
            else:
                field = forms.IntegerField(label=label, min_value=low, max_value=high)
            field.initial = value
            self.fields[name] = field
        self.fields["note"] = note

    def values(self) -> dict[str, Any]:
        """Every threshold as the schema takes it (money back in fen)."""
        values = {}
        for name in self.fields:
            if name == "note":
                continue
            value = self.cleaned_data[name]
            values[name] = int(value * _FEN) if name in self.money else value
        return values

    def changes(self) -> dict[str, Any]:
        """Only the thresholds that differ from the values in force."""
        return {k: v for k, v in self.values().items() if self.current.get(k) != v}

    def add_service_errors(self, fields: Mapping[str, Any]) -> None:
        """Each problem next to its input; a threshold named in a rule's words ("Must not be
        above severe_cut_percent.") is shown by its label."""
        names = sorted((n for n in self.fields if n != "note"), key=len, reverse=True)
        for path, problem in fields.items():
            name = str(path).split(".")[-1]
            text = str(problem)
            for other in names:
                if other in text:
                    text = text.replace(other, f"“{self.fields[other].label}”")
            self.add_error(name if name in self.fields else None, text)
