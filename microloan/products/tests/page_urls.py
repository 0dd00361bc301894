"""The root URLconf plus the products pages, as the lead will wire them under ``products/``."""

from django.urls import include, path

from microloan.urls import urlpatterns as root_urlpatterns

urlpatterns = [path("products/", include("microloan.products.urls")), *root_urlpatterns]
