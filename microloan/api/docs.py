"""Who may read the API docs and schema: anyone in development, a signed-in staff member
otherwise (``settings.API_DOCS_PUBLIC``, on only when DEBUG is)."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login


def docs_for_staff(view):
    @wraps(view)
    def guarded(request, *args, **kwargs):
        user = request.user
        if settings.API_DOCS_PUBLIC or (user.is_authenticated and user.is_active):
            return view(request, *args, **kwargs)
        return redirect_to_login(request.get_full_path())

    return guarded
