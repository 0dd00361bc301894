"""``staff_page``: the one decorator every back-office view wears.

It sends anonymous visitors to the login page, answers 403 (the translated ``403.html``) to
users without the page's permission, and turns a service's ``kernel.errors.PermissionDenied``
into the same 403, so a page can simply call services with ``actor_for(request)``.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as PageForbidden

from microloan.kernel.actors import Actor
from microloan.kernel.errors import PermissionDenied


def actor_for(request) -> Actor:
    """The signed-in staff user as the ``Actor`` services expect (built once per request)."""
    if not hasattr(request, "_staff_actor"):
        request._staff_actor = Actor.from_user(request.user)
    return request._staff_actor


def staff_page(permission: str | None = None):
    """Require a signed-in user and, if given, the permission ``"app.codename"``."""

    def decorate(view):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if permission and not request.user.has_perm(permission):
                raise PageForbidden(permission)
            try:
                return view(request, *args, **kwargs)
            except PermissionDenied as refusal:
                raise PageForbidden(str(refusal)) from refusal

        return login_required(guarded)

    return decorate
