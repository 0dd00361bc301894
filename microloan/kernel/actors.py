"""Who is acting: a staff user, a borrower, or the system itself (end of day, workers).

Services take ``actor: Actor`` as a keyword argument, check it with ``actor.require(perm)``
and hand it to the audit trail. The API and pages build it once per request; a staff actor
carries the Django permission codenames of its roles (``"products.approve_productversion"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .errors import PermissionDenied

ActorKind = Literal["staff", "borrower", "system"]


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    id: str  # username, borrower public id, or the system process name
    permissions: frozenset[str] = field(default_factory=frozenset)
    user_pk: int | None = None  # StaffUser primary key, for foreign keys
    is_superuser: bool = False

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.id}"

    def has_perm(self, perm: str) -> bool:
        if self.kind == "system" or self.is_superuser:
            return True
        return perm in self.permissions

    def require(self, *perms: str) -> None:
        """Refuse unless the actor holds every one of ``perms``."""
        missing = [p for p in perms if not self.has_perm(p)]
        if missing:
            raise PermissionDenied(fields={"permission": ", ".join(missing)})

    def require_staff(self) -> None:
        if self.kind not in ("staff", "system"):
            raise PermissionDenied()

    @classmethod
    def from_user(cls, user) -> Actor:
        return cls(
            kind="staff",
            id=user.get_username(),
            permissions=frozenset(user.get_all_permissions()),
            user_pk=user.pk,
            is_superuser=user.is_superuser,
        )

    @classmethod
    def borrower(cls, borrower_id: str) -> Actor:
        return cls(kind="borrower", id=borrower_id)

    @classmethod
    def system(cls, process: str = "system") -> Actor:
        return cls(kind="system", id=process)
