"""Test URLs: the risk router on a test API at /api/v1/risk/, as the root API will mount it."""

from microloan.api.base import MicroloanAPI
from microloan.api.urls import api_urlpatterns
from microloan.risk.api import router

api = MicroloanAPI(urls_namespace="risk-api-test")
api.add_router("/risk/", router)

urlpatterns = [*api_urlpatterns(api, "api/v1/")]
