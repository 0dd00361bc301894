"""The root URLconf: the JSON API, the admin, and each app's back-office pages under /<app>/.

Every app is wired by name (no optional loading), so a misspelt one fails at start-up.
"""

from django.contrib import admin
from django.urls import include, path

from microloan.api.urls import api_urlpatterns
from microloan.api_root import api
from microloan.backoffice import urls as backoffice_urls
from microloan.batch import urls as batch_urls
from microloan.collections import urls as collections_urls
from microloan.contracts import urls as contracts_urls
from microloan.customers import urls as customers_urls
from microloan.lending import urls as lending_urls
from microloan.notifications import urls as notifications_urls
from microloan.origination import urls as origination_urls
from microloan.payments import urls as payments_urls
from microloan.products import urls as products_urls
from microloan.reports import urls as reports_urls
from microloan.risk import urls as risk_urls

# Back-office pages of each app, under /<app>/.
PAGE_URLS = [
    ("products", products_urls),
    ("customers", customers_urls),
    ("origination", origination_urls),
    ("risk", risk_urls),
    ("lending", lending_urls),
    ("contracts", contracts_urls),
    ("payments", payments_urls),
    ("notifications", notifications_urls),
    ("collections", collections_urls),
    ("reports", reports_urls),
    ("batch", batch_urls),
]

urlpatterns = [
    *api_urlpatterns(api, "api/v1/"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    *(path(f"{app}/", include(urls)) for app, urls in PAGE_URLS),
    path("", include(backoffice_urls)),
]
