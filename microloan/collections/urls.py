from django.urls import path

from . import views

app_name = "collections"
urlpatterns = [
    path("cases/", views.case_queue, name="cases"),
    path("my-cases/", views.my_cases, name="my_cases"),
    path("cases/bulk-assign/", views.bulk_assign, name="bulk_assign"),
    path("cases/<str:case_id>/", views.case_page, name="case"),
    path("cases/<str:case_id>/contact/", views.case_contact, name="case_contact"),
    path("cases/<str:case_id>/promise/", views.case_promise, name="case_promise"),
    path("cases/<str:case_id>/cause/", views.case_cause, name="case_cause"),
    path("cases/<str:case_id>/assign/", views.case_assign, name="case_assign"),
    path("cases/<str:case_id>/restructure/", views.case_restructure, name="case_restructure"),
    path("stats/", views.stats_page, name="stats"),
    path("strategies/", views.strategy_list, name="strategies"),
    path("strategies/<str:bucket>/", views.strategy_update, name="strategy_update"),
]
