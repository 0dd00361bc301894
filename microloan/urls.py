from django.contrib import admin
from django.urls import include, path

from microloan.api.urls import urlpatterns as api_urlpatterns
from microloan.kernel.modules import module_exists

# Back-office pages of each app, under /<app>/; an app without ``urls.py`` has no pages yet.
PAGE_APPS = [
    "products",
    "customers",
    "origination",
    "risk",
    "lending",
    "contracts",
    "payments",
    "notifications",
    "collections",
    "reports",
    "batch",
]

urlpatterns = [
    *api_urlpatterns,
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    *(
        path(f"{app}/", include(f"microloan.{app}.urls"))
        for app in PAGE_APPS
        if module_exists(f"microloan.{app}.urls")
    ),
    path("", include("microloan.backoffice.urls")),
]
