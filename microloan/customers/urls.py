"""Back-office pages of the customers app; mounted at ``/customers/`` (namespace ``customers``)."""

from django.urls import path

from . import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_search, name="search"),
    path("access-log/", views.access_log, name="access_log"),
    path("find/", views.global_search, name="find"),
    path("<str:customer_id>/", views.customer_detail, name="detail"),
    path("<str:customer_id>/reveal/", views.customer_reveal, name="reveal"),
]
