from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from microloan.kernel.ids import PUBLIC_ID_MAX_LENGTH

from .services import REASON_MAX_LENGTH, REVEALABLE_FIELDS

_FIELD_LABELS = {
    "name": pgettext_lazy("person", "Name"),
    "id_number": _("ID number"),
    "phone": _("Mobile phone"),
    "bank_card_number": _("Bank card number"),
    "address": _("Address"),
}
REVEAL_FIELD_CHOICES = [(name, _FIELD_LABELS[name]) for name in REVEALABLE_FIELDS]


class CustomerSearchForm(forms.Form):
    id_number = forms.CharField(label=_("ID number"), max_length=40, required=False)
    phone = forms.CharField(label=_("Mobile phone"), max_length=40, required=False)
    card_number = forms.CharField(label=_("Bank card number"), max_length=40, required=False)
    channel = forms.CharField(label=_("Channel"), max_length=32, required=False)


class RevealForm(forms.Form):
    field = forms.ChoiceField(label=_("Field"), choices=REVEAL_FIELD_CHOICES)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_LENGTH,
        help_text=_("Why you need the full value. Recorded, with your name, for the auditors."),
        widget=forms.TextInput(attrs={"size": 40}),
    )


class AccessLogFilterForm(forms.Form):
    customer_id = forms.CharField(
        label=_("Customer"), max_length=PUBLIC_ID_MAX_LENGTH, required=False
    )
    actor_id = forms.CharField(label=_("Staff member"), max_length=150, required=False)
