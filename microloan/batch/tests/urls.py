"""URLs for batch's HTTP tests: the batch router on a test API at /api/v1/batch/ and the batch
pages at /batch/ where the project does not mount them yet, plus the project's own URLs."""

from django.urls import include, path

from microloan.api.base import MicroloanAPI
from microloan.api.urls import api_urlpatterns
from microloan.batch.api import router
from microloan.urls import urlpatterns as project_urlpatterns

api = MicroloanAPI(title="Batch (tests)", version="test", urls_namespace="batch_test_api")
api.add_router("batch", router)


def _mounts(namespace: str) -> bool:
    return any(getattr(p, "namespace", None) == namespace for p in project_urlpatterns)


urlpatterns = [
    *api_urlpatterns(api, "api/v1/"),
    *([] if _mounts("batch") else [path("batch/", include("microloan.batch.urls"))]),
    *project_urlpatterns,
]
