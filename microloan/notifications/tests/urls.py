"""URLs for the HTTP tests of notifications: its router on a test API at
/api/v1/notifications/, its pages at /notifications/, and the project's URLs when they
import (else only the back-office shell, so these tests do not wait for apps being built)."""

from django.urls import include, path

from microloan.api.base import MicroloanAPI
from microloan.api.urls import api_urlpatterns
from microloan.notifications.api import router

api = MicroloanAPI(
    title="Notifications (tests)", version="test", urls_namespace="notifications_test_api"
)
api.add_router("notifications", router)

try:  # the whole project, when every app's modules import
    from microloan.urls import urlpatterns as project_urlpatterns
except ImportError:
    project_urlpatterns = [
        path("i18n/", include("django.conf.urls.i18n")),
        path("", include("microloan.backoffice.urls")),
    ]


def _mounts(namespace: str) -> bool:
    return any(getattr(p, "namespace", None) == namespace for p in project_urlpatterns)


urlpatterns = [
    *api_urlpatterns(api, "api/v1/"),
    *(
        []
        if _mounts("notifications")
        else [path("notifications/", include("microloan.notifications.urls"))]
    ),
    *project_urlpatterns,
]
