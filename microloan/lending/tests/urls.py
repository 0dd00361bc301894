"""URLs for lending's HTTP tests: the project's own URLs, plus the lending router on a test API
at /api/v1/lending/ and the lending pages at /lending/ where the project does not mount them
yet."""

from django.urls import include, path

from microloan.api.base import MicroloanAPI
from microloan.api.urls import api_urlpatterns
from microloan.lending.api import router
from microloan.urls import urlpatterns as project_urlpatterns

api = MicroloanAPI(title="Lending (tests)", version="test", urls_namespace="lending_test_api")
api.add_router("lending", router)


def _mounts(namespace: str) -> bool:
    return any(getattr(p, "namespace", None) == namespace for p in project_urlpatterns)


urlpatterns = [
    *api_urlpatterns(api, "api/v1/"),
    *([] if _mounts("lending") else [path("lending/", include("microloan.lending.urls"))]),
    *project_urlpatterns,
]
