from django.contrib import admin
from django.urls import include, path

from microloan.api.urls import urlpatterns as api_urlpatterns

urlpatterns = [
    *api_urlpatterns,
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("products/", include("microloan.products.urls")),
    path("customers/", include("microloan.customers.urls")),
    path("lending/", include("microloan.lending.urls")),
    path("batch/", include("microloan.batch.urls")),
    path("", include("microloan.backoffice.urls")),
]
