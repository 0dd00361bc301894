"""Back-office pages of origination; mounted at ``/origination/`` (namespace ``origination``)."""

from django.urls import path

from . import views

app_name = "origination"
urlpatterns = [
    path("", views.application_list, name="applications"),
    path("queues/<str:stage>/", views.queue, name="queue"),
    path("policies/", views.policies, name="policies"),
    path("policies/draft/", views.policy_draft, name="policy_draft"),
    path("policies/<str:policy_id>/approve/", views.policy_approve, name="policy_approve"),
    path("<str:application_id>/", views.application_detail, name="application"),
    path("<str:application_id>/claim/", views.claim, name="claim"),
    path("<str:application_id>/release/", views.release, name="release"),
    path("<str:application_id>/decide/", views.decide, name="decide"),
]
