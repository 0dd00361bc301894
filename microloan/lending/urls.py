from django.urls import path

from . import views

app_name = "lending"
urlpatterns = [
    path("loans/", views.loan_search, name="loans"),
    path("loans/<str:loan_id>/", views.loan_page, name="loan"),
    path("loans/<str:loan_id>/quote/", views.loan_quote, name="loan_quote"),
    path("loans/<str:loan_id>/write-off/", views.loan_writeoff_request, name="loan_writeoff"),
    path(
        "loans/<str:loan_id>/restructure/",
        views.loan_restructure_request,
        name="loan_restructure",
    ),
    path("lines/", views.line_list, name="lines"),
    path("lines/<str:line_id>/", views.line_page, name="line"),
    path("lines/<str:line_id>/freeze/", views.line_freeze, name="line_freeze"),
    path("lines/<str:line_id>/limit/", views.line_limit_change, name="line_limit"),
    path("requests/", views.request_list, name="requests"),
    path("requests/<str:request_id>/decide/", views.request_decide, name="request_decide"),
]
