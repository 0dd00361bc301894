"""A test-only API mounting just the products router, as the root API does at /api/v1/products/."""

from django.urls import path

from microloan.api.base import MicroloanAPI
from microloan.products.api import router

api = MicroloanAPI(urls_namespace="products-api-test")
api.add_router("/products/", router)

urlpatterns = [path("api/v1/", api.urls)]
