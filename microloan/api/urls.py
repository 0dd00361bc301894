"""URL patterns serving an API (the root one is mounted by ``microloan.urls``).

Everything the API answers is JSON in our error shape, including what ninja or Django would
answer on their own: 405 (ninja's is an empty body), unknown paths (Django's 404 page) and
anything that escaped the exception handlers (Django's 500 page)."""

from __future__ import annotations

from functools import wraps

from django.http import Http404, HttpResponseNotAllowed
from django.urls import URLPattern, include, path, re_path
from django.views.decorators.csrf import csrf_exempt

from .errors import handle_unexpected, method_not_allowed_response, not_found_response


def _json_errors(view):
    @wraps(view)
    def json_errors_view(request, *args, **kwargs):
        try:
            response = view(request, *args, **kwargs)
        except Http404:  # ninja's root view (/api/v1/) raises it to say "nothing here"
            return not_found_response()
        except Exception as exc:
            return handle_unexpected(request, exc)
        if isinstance(response, HttpResponseNotAllowed):
            return method_not_allowed_response(response["Allow"])
        return response

    return json_errors_view


@csrf_exempt  # a POST to an unknown path is a 404, not Django's CSRF page
def _api_not_found(request, *args, **kwargs):
    return not_found_response()


def api_urlpatterns(ninja_api, prefix: str) -> list:
    """URL patterns serving ``ninja_api`` under ``prefix`` ("api/v1/"), JSON errors throughout."""
    patterns, app_name, namespace = ninja_api.urls
    wrapped = [
        URLPattern(p.pattern, _json_errors(p.callback), p.default_args, p.name) for p in patterns
    ]
    return [
        path(prefix, include((wrapped, app_name), namespace=namespace)),
        re_path(rf"^{prefix}", _api_not_found),
    ]
