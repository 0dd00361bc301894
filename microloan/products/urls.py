"""Back-office pages of products; the root URLconf includes them under ``products/``."""

from django.urls import path

from . import views

app_name = "products"
urlpatterns = [
    path("", views.product_list, name="list"),
    path("pending/", views.pending_approvals, name="pending"),
    path("new/", views.new_product, name="new"),
    path("versions/<str:version_id>/edit/", views.edit_version, name="edit"),
    path("versions/<str:version_id>/", views.version_detail, name="version"),
    path("versions/<str:version_id>/submit/", views.submit, name="submit"),
    path("versions/<str:version_id>/approve/", views.approve, name="approve"),
    path("versions/<str:version_id>/reject/", views.reject, name="reject"),
    path("<str:code>/", views.product_detail, name="detail"),
    path("<str:code>/new-version/", views.new_version, name="new_version"),
]
