from django.urls import path

from . import views

app_name = "payments"
urlpatterns = [
    path("orders/", views.order_list, name="orders"),
    path("orders/<str:order_id>/", views.order_page, name="order"),
    path("orders/<str:order_id>/query/", views.order_query, name="order_query"),
    path("breaks/", views.break_list, name="breaks"),
    path("breaks/reconcile/", views.reconcile_now, name="reconcile"),
    path("breaks/<str:break_id>/resolve/", views.break_resolve, name="break_resolve"),
]
