"""A test-only API mounting just the audit router, as the root API will at /api/v1/audit/."""

from django.urls import path

from microloan.api.base import MicroloanAPI
from microloan.audit.api import router

api = MicroloanAPI(urls_namespace="audit-api-test")
api.add_router("/audit/", router)

urlpatterns = [path("api/v1/", api.urls)]
