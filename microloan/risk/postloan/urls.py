"""Post-loan pages; the lead mounts them (e.g. at ``/risk/postloan/``)."""

from django.urls import path

from . import views

app_name = "risk_postloan"
urlpatterns = [
    path("checks/", views.check_list, name="checks"),
    path("actions/", views.action_list, name="actions"),
    path("actions/<str:action_id>/decide/", views.action_decide, name="action_decide"),
    path("policies/", views.policy_list, name="policies"),
    path("policies/draft/", views.policy_draft, name="policy_draft"),
    path("policies/<str:policy_id>/approve/", views.policy_approve, name="policy_approve"),
]
