"""Free text a person types for the record: the one ``clean_reason``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from .errors import ValidationFailed

# The lengths the apps' reason columns hold, each with its own message (the catalogs translate
# these texts as they are).
_TOO_LONG = {
    500: _("At most 500 characters."),
    1000: _("At most 1000 characters."),
}


def clean_reason(
    reason: Any,
    *,
    max_length: int,
    required: bool = True,
    field: str = "reason",
    collapse_spaces: bool = False,
) -> str:
    """``reason`` stripped (or, with ``collapse_spaces``, every run of white space made one
    space); an empty one is ``reason_required`` when ``required``, a longer one than
    ``max_length`` is ``reason_too_long``, each reported on ``field``. Anything but text is
    empty."""
    if not isinstance(reason, str):
        text = ""
    elif collapse_spaces:
        text = " ".join(reason.split())
    else:
        text = reason.strip()
    if required and not text:
        raise ValidationFailed(code="reason_required", fields={field: _("Give a reason.")})
    if len(text) > max_length:
        raise ValidationFailed(code="reason_too_long", fields={field: _TOO_LONG[max_length]})
    return text
