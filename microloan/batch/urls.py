"""Back-office URLs of end of day; the project mounts them under ``batch/``."""

from django.urls import path

from . import views

app_name = "batch"
urlpatterns = [
    path("runs/", views.run_list, name="runs"),
    path("runs/<str:run_id>/", views.run_detail, name="run_detail"),
]
