from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("roll-rates/", views.roll_rates, name="roll_rates"),
    path("vintages/", views.vintages, name="vintages"),
    path("recovery/", views.recovery, name="recovery"),
]
