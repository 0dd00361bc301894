"""Per-bucket collection strategies. The defaults (migration 0002): SMS and push in M1, SMS
in M2, collector calls from M1, the senior team for M3+, no outsourcing."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from microloan.audit.services import record_audit
from microloan.kernel.actors import Actor
from microloan.kernel.errors import Conflict, NotFound, ValidationFailed

from ..models import CollectionStrategy
from .common import CHANGE_STRATEGY, VIEW_STRATEGY

EDITABLE = ("sms", "push", "calls", "team", "outsource")
# The code's defaults; migration 0002 stores a frozen copy. Also written on first use when no
# strategy is stored (a database flushed by a test, or rows removed by hand).
DEFAULT_STRATEGIES: dict[str, dict[str, Any]] = {
    "M1": {"sms": True, "push": True, "calls": True, "team": "collectors", "outsource": False},
    "M2": {"sms": True, "push": False, "calls": True, "team": "collectors", "outsource": False},
    "M3": {"sms": False, "push": False, "calls": True, "team": "collectors", "outsource": False},
    "M3+": {"sms": False, "push": False, "calls": True, "team": "senior", "outsource": False},
}


def ensure_default_strategies() -> None:
    """Store the default strategy of every bucket that has none (idempotent)."""
    if CollectionStrategy.objects.count() >= len(DEFAULT_STRATEGIES):
        return
    for bucket, settings in DEFAULT_STRATEGIES.items():
        CollectionStrategy.objects.get_or_create(bucket=bucket, defaults=settings)


def list_strategies(*, actor: Actor) -> list[CollectionStrategy]:
    actor.require_staff()
    actor.require(VIEW_STRATEGY)
    ensure_default_strategies()
    return list(CollectionStrategy.objects.order_by("bucket"))


def update_strategy(
    *, actor: Actor, bucket: str, changes: dict[str, Any], version: int | None = None
) -> CollectionStrategy:
    """Change a bucket's strategy; ``version`` (if given) must match (no lost update).
    Takes effect at the next end of day for moves and assignments."""
    actor.require_staff()
    actor.require(CHANGE_STRATEGY)
    problems = {}
    for name, value in changes.items():
        if name not in EDITABLE:
            problems[name] = _("Not a strategy setting.")
        elif name == "team" and value not in CollectionStrategy.Team.values:
            problems[name] = _("One of: %(c)s.") % {"c": ", ".join(CollectionStrategy.Team.values)}
        elif name != "team" and not isinstance(value, bool):
            problems[name] = _("true or false.")
    if problems:
        raise ValidationFailed(fields=problems)
    with transaction.atomic():
        strategy = CollectionStrategy.objects.select_for_update().filter(bucket=bucket).first()
        if strategy is None:
            raise NotFound(_("No strategy for this bucket."), code="strategy_not_found")
        if version is not None and version != strategy.version:
            raise Conflict(_("The strategy changed meanwhile; reload it."), code="stale_version")
        before = {name: getattr(strategy, name) for name in changes}
        for name, value in changes.items():
            setattr(strategy, name, value)
        strategy.version += 1
        strategy.save()
        record_audit(
            actor=actor,
            action="collection_strategy.changed",
            object_type="collection_strategy",
            object_id=strategy.bucket,
            before=before,
            after=dict(changes),
        )
    return strategy
