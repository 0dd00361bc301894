"""Permissions, look-ups and refusals shared by the collections services."""

from __future__ import annotations

import logging

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from microloan.kernel.actors import Actor
from microloan.kernel.errors import BusinessRuleViolation, Conflict, NotFound

from ..domain import REASON_NOT_ASSIGNED
from ..models import CollectionCase

logger = logging.getLogger("microloan.collections")

VIEW_CASE = "collections.view_collectioncase"
CHANGE_CASE = "collections.change_collectioncase"
WORK_CASE = "collections.work_collectioncase"
VIEW_STRATEGY = "collections.view_collectionstrategy"
CHANGE_STRATEGY = "collections.change_collectionstrategy"


def case_not_found() -> NotFound:
    return NotFound(_("No such collection case."), code="case_not_found")


def get_case(case_id: str, *, lock: bool = False) -> CollectionCase:
    queryset: QuerySet = CollectionCase.objects.select_related("loan", "collector")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    case = queryset.filter(public_id=str(case_id)[:64]).first()
    if case is None:
        raise case_not_found()
    return case


def require_open(case: CollectionCase) -> None:
    if case.status != CollectionCase.Status.OPEN:
        raise Conflict(_("The case is closed."), code="case_closed")


def not_assigned() -> BusinessRuleViolation:
    return BusinessRuleViolation(
        _("Only the collector assigned to this case may work it."),
        code=REASON_NOT_ASSIGNED,
        fields={"case": _("not assigned to you")},
    )


def require_assigned(actor: Actor, case: CollectionCase) -> None:
    """The assigned collector works a case; nobody else, whatever their permissions."""
    if actor.user_pk is None or case.collector_id != actor.user_pk:
        logger.warning(
            "collections: %s refused on case %s: not assigned", actor.label, case.public_id
        )
        raise not_assigned()
