"""Wiring into end of day, called once from ``RiskConfig.ready()``."""

from __future__ import annotations

from microloan.batch.registry import hooks, register_hook

HOOK_NAME = "risk.postloan_checks"


def register() -> None:
    """Add the post-loan checks to the ``early_warning`` slot (once; a second call is a no-op)."""
    from .services import run_postloan_checks

    if any(step.name == HOOK_NAME for step in hooks("early_warning")):
        return
    register_hook("early_warning", name=HOOK_NAME, run=run_postloan_checks, partitioned=True)
