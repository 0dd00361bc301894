"""Tags for the layout every back-office page extends (``backoffice/base.html``).

The header and menu are computed here from ``request`` rather than in each view, so another
app's page only has to extend the base template.
"""

from __future__ import annotations

import json
from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from microloan.kernel.money import format_yuan
from microloan.kernel.rounding import format_percent
from microloan.kernel.services import get_business_date

from ..navigation import visible_nav_links

register = template.Library()


@register.inclusion_tag("backoffice/_header.html", takes_context=True)
def staff_header(context):
    request = context["request"]
    user = request.user
    match = getattr(request, "resolver_match", None)
    return {
        "request": request,
        "user": user,
        "department": user.get_department_display() if user.department else "",
        "roles": sorted(user.groups.values_list("name", flat=True)),
        "business_date": get_business_date(),
        # the wall clock, beside the business date: the two differ whenever end of day lags
        "clock": timezone.localtime(),
        "nav_links": visible_nav_links(user, match.view_name if match else None),
        "LANGUAGES": context.get("LANGUAGES", ()),
        "LANGUAGE_CODE": context.get("LANGUAGE_CODE", ""),
    }


@register.filter
def pretty_json(value) -> str:
    """JSON for people: indented, Chinese left readable."""
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)


@register.filter
def figure_value(figure) -> str:
    """A home-page figure as a person reads it: money in yuan, ratios as percentages."""
    value = figure.value
    if value is None:
        return "—"
    if figure.kind == "money":
        return format_yuan(int(value))
    if figure.kind == "percent":
        return format_percent(Decimal(str(value)), 2)
    if figure.kind == "duration":
        minutes = int(value.total_seconds() // 60)
        if minutes < 0:
            return _("overdue by %(h)d h %(m)d min") % {"h": -minutes // 60, "m": -minutes % 60}
        return _("%(h)d h %(m)d min left") % {"h": minutes // 60, "m": minutes % 60}
    return f"{value:,}" if isinstance(value, int) else str(value)
