"""URLs for the reports HTTP tests: only this app's router and pages plus the back-office
shell, so the tests do not depend on other apps' pages being importable."""

from django.urls import include, path

from microloan.api.base import MicroloanAPI
from microloan.api.urls import api_urlpatterns
from microloan.reports.api import router

api = MicroloanAPI(title="Reports (tests)", version="test", urls_namespace="reports_test_api")
api.add_router("reports", router)

urlpatterns = [
    *api_urlpatterns(api, "api/v1/"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("reports/", include("microloan.reports.urls")),
    path("", include("microloan.backoffice.urls")),
]
