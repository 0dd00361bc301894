from django.urls import path

from . import views

app_name = "contracts"
urlpatterns = [
    path("", views.contract_search, name="contract_search"),
    path("templates/", views.template_list, name="template_list"),
    path("templates/new/", views.template_create, name="template_create"),
    path("templates/<str:template_id>/", views.template_page, name="template"),
    path(
        "templates/<str:template_id>/activate/",
        views.template_activate,
        name="template_activate",
    ),
    path("<str:contract_id>/", views.contract_page, name="contract"),
    path("<str:contract_id>/pdf/", views.contract_pdf, name="contract_pdf"),
    path("<str:contract_id>/verify/", views.contract_verify, name="contract_verify"),
]
