"""Test URLs: the origination router on a test API at /api/v1/origination/."""

from microloan.api.base import MicroloanAPI
from microloan.api.urls import api_urlpatterns
from microloan.origination.api import router

api = MicroloanAPI(urls_namespace="origination-api-test")
api.add_router("/origination/", router)

urlpatterns = [*api_urlpatterns(api, "api/v1/")]
