"""Tags for the layout every back-office page extends (``backoffice/base.html``).

The header and menu are computed here from ``request`` rather than in each view, so another
app's page only has to extend the base template.
"""

from __future__ import annotations

import json

from django import template

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
        "nav_links": visible_nav_links(user, match.view_name if match else None),
        "LANGUAGES": context.get("LANGUAGES", ()),
        "LANGUAGE_CODE": context.get("LANGUAGE_CODE", ""),
    }


@register.filter
def pretty_json(value) -> str:
    """JSON for people: indented, Chinese left readable."""
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)
