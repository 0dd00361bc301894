from django import forms
from django.utils.translation import gettext_lazy as _

from .services import REASON_MAX_LENGTH


class DecisionForm(forms.Form):
    """A checker's reason: optional when approving, required when rejecting (the service
    decides, so the page and the API refuse alike)."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 40}),
    )
