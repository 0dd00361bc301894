"""Who may call a route, declared on the route.

    @router.get("/lines", auth=staff_auth("lending.view_creditline"))
    def list_lines(request): actor = request.auth        # Actor(kind="staff")

    @router.get("/me/loans", auth=borrower_auth)
    def my_loans(request): actor = request.auth          # Actor(kind="borrower")

Both read ``Authorization: Bearer <token>``. A staff token (``mls_…``) opens only staff routes
and a borrower token (``mlb_…``) only borrower routes. A missing, unknown, revoked or expired
token is 401 ``not_authenticated``; a staff member without every permission the route names is
403 ``permission_denied``. The role-table test reads ``.perms`` and ``.self_service``.

Which actor a token stands for is accounts' business: accounts registers its resolvers with
``register_token_resolvers`` when it starts (``AccountsConfig.ready``). The API toolkit sits
below every app, accounts included, so it does not import accounts.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from ninja.security import HttpBearer

from microloan.kernel.actors import Actor

_CACHE_ATTR = "_microloan_token_actors"

TokenResolver = Callable[[str], Actor | None]
_token_resolvers: dict[str, TokenResolver] = {}


def register_token_resolvers(*, staff: TokenResolver, borrower: TokenResolver) -> None:
    """Say who resolves raw staff and borrower tokens to actors (accounts, at start-up)."""
    _token_resolvers.update(staff=staff, borrower=borrower)


def _resolver(kind: str) -> TokenResolver:
    try:
        return _token_resolvers[kind]
    except KeyError:  # every request would be 401 without it: fail loudly instead
        raise ImproperlyConfigured(
            f"no {kind} token resolver registered (is microloan.accounts installed?)"
        ) from None


def resolve_staff_token(raw: str) -> Actor | None:
    return _resolver("staff")(raw)


def resolve_borrower_token(raw: str) -> Actor | None:
    return _resolver("borrower")(raw)


def bearer_token(request: HttpRequest) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None."""
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        return None
    return token


def _cached(request: HttpRequest, kind: str, token: str, resolve) -> Actor | None:
    # Routes can authenticate twice per request (the idempotency layer checks auth before it
    # claims a key); the token is looked up once.
    cache = request.__dict__.setdefault(_CACHE_ATTR, {})
    if (kind, token) not in cache:
        cache[(kind, token)] = resolve(token)
    return cache[(kind, token)]


def staff_actor(request: HttpRequest) -> Actor | None:
    token = bearer_token(request)
    return _cached(request, "staff", token, resolve_staff_token) if token else None


def borrower_actor(request: HttpRequest) -> Actor | None:
    token = bearer_token(request)
    return _cached(request, "borrower", token, resolve_borrower_token) if token else None


class StaffTokenAuth(HttpBearer):
    def __init__(self, perms: tuple[str, ...], *, self_service: bool = False) -> None:
        self.perms = perms
        self.self_service = self_service
        super().__init__()

    def __call__(self, request: HttpRequest) -> Actor | None:
        # Overrides HttpBearer.__call__, which logs a malformed header (token included) in DEBUG.
        actor = staff_actor(request)
        if actor is not None:
            actor.require(*self.perms)  # PermissionDenied -> 403 in our error shape
        return actor

    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        return self(request)

    def __repr__(self) -> str:
        suffix = ", self_service=True" if self.self_service else ""
        return f"staff_auth({', '.join(map(repr, self.perms))}{suffix})"


class BorrowerTokenAuth(HttpBearer):
    perms: tuple[str, ...] = ()
    self_service = False

    def __call__(self, request: HttpRequest) -> Actor | None:
        return borrower_actor(request)

    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        return self(request)

    def __repr__(self) -> str:
        return "borrower_auth"


def staff_auth(*perms: str, self_service: bool = False) -> StaffTokenAuth:
    """Auth for a staff route: a valid staff token whose user holds every one of ``perms``.

    ``self_service=True`` declares a route that changes nothing but the caller's own account
    (revoking their own token): any staff member may call it, read-only roles included. Every
    other route that changes something must name a permission; the role-table test checks it.
    """
    for perm in perms:
        if perm.count(".") != 1:
            raise ValueError(f"permission must be 'app_label.codename', got {perm!r}")
    return StaffTokenAuth(tuple(perms), self_service=self_service)


borrower_auth = BorrowerTokenAuth()
