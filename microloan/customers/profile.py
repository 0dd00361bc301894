"""The sections of the customer 360° page, registered by the apps that own their data.

customers sits below lending, origination, payments… in the layers, so it cannot ask them:
each owner registers a section from its ``interface.py`` (block "for the customer 360 page")
and this module finds them the way Django's admin finds ``admin.py`` modules. A section is
shown only to a viewer holding its permission; its rows are frozen dataclasses read in a few
batch queries, whatever the number of loans.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class ProfileSection:
    key: str  # names the template customers/360/<key>.html and the panel's id
    title: Any  # a lazy translation, read in the viewer's language
    permission: str  # "app.codename" the viewer needs to see the section at all
    rows: Callable[[str], Sequence[Any]]  # customer public id → rows, newest first
    order: int  # place on the page, small first


_SECTIONS: dict[str, ProfileSection] = {}


def register_section(section: ProfileSection) -> None:
    """Add (or replace, on re-import) the section ``section.key``."""
    _SECTIONS[section.key] = section


@cache
def _discover() -> None:
    autodiscover_modules("interface")


def sections_for(user) -> list[ProfileSection]:
    """The registered sections ``user`` may see, in page order."""
    _discover()
    shown = [s for s in _SECTIONS.values() if user.has_perm(s.permission)]
    return sorted(shown, key=lambda section: (section.order, section.key))


def section(key: str) -> ProfileSection | None:
    _discover()
    return _SECTIONS.get(key)
