"""Test URLs: the customers router on a test API at /api/v1/customers/ (as the root API will
mount it), and the back-office shell with the customers pages at /customers/."""

from django.urls import include, path

from microloan.api.base import MicroloanAPI
from microloan.api.urls import api_urlpatterns
from microloan.customers.api import router

api = MicroloanAPI(urls_namespace="customers-api-test")
api.add_router("/customers/", router)

urlpatterns = [
    *api_urlpatterns(api, "api/v1/"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("customers/", include("microloan.customers.urls")),
    path("", include("microloan.backoffice.urls")),
]
