"""The back-office menu: one entry per page, shown only to users holding its permission.

Each entry is ``(label, url name, permission or None)``. An app adds its pages from its
``AppConfig.ready()``::

    from django.utils.translation import gettext_lazy as _
    from microloan.backoffice.navigation import NAV_ITEMS
    NAV_ITEMS.append((_("Products"), "products:list", "products.view_productversion"))

Entries appear in the order they were added; ``None`` means every signed-in user sees it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

NAV_ITEMS: list[tuple[str, str, str | None]] = [
    (_("Home"), "backoffice:home", None),
    (_("Audit trail"), "backoffice:audit", "audit.view_auditrecord"),
]


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    active: bool


def visible_nav_links(user, current_view_name: str | None = None) -> list[NavLink]:
    """The menu for ``user``: entries whose permission they hold, the current one marked.

    An entry whose URL is not mounted (an app registered its menu before its URLs were wired)
    is logged and left out, rather than failing every page.
    """
    links = []
    for label, url_name, permission in NAV_ITEMS:
        if permission is not None and not user.has_perm(permission):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            logger.error("menu entry %r: URL name %r is not mounted", str(label), url_name)
            continue
        links.append(NavLink(label=str(label), url=url, active=url_name == current_view_name))
    return links
