"""The demo staff logins as actors: the book's reviewers, collector, risk analyst and operations
act as the people they are, so the audit trail and every queue show who did what."""

from __future__ import annotations

from microloan.accounts.interface import role_actor

__all__ = ["role_actor"]  # made without a password if missing (tests may not have run the demo)
