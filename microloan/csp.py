"""Content-Security-Policy on every response (Django 5.2 has none built in).

Scripts and styles come only from this origin's static files (the back office serves HTMX from
``static/``, the API docs serve Swagger UI from django-ninja's static files; nothing loads from
a CDN). Inline ``style`` attributes are allowed for the report charts; inline scripts are not.
Off under DEBUG, so Django's technical error pages keep their inline script and style.
"""

from __future__ import annotations

from django.conf import settings


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        if policy and not settings.DEBUG and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response
