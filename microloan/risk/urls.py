"""Back-office pages of risk; mounted at ``/risk/`` (namespace ``risk``)."""

from django.urls import include, path

from . import views

app_name = "risk"
urlpatterns = [
    path("blacklist/", views.blacklist, name="blacklist"),
    path("blacklist/add/", views.blacklist_add, name="blacklist_add"),
    path("blacklist/<str:entry_id>/remove/", views.blacklist_remove, name="blacklist_remove"),
    path("rulesets/", views.rulesets, name="rulesets"),
    path("rulesets/draft/", views.ruleset_draft, name="ruleset_draft"),
    path("rulesets/<str:ruleset_id>/", views.ruleset_detail, name="ruleset"),
    path("rulesets/<str:ruleset_id>/activate/", views.ruleset_activate, name="ruleset_activate"),
    path("scorecards/", views.scorecards, name="scorecards"),
    path("scorecards/<str:scorecard_id>/", views.scorecard_detail, name="scorecard"),
    path(
        "scorecards/<str:scorecard_id>/activate/",
        views.scorecard_activate,
        name="scorecard_activate",
    ),
    # Post-loan checks and early warning have their own pages (namespace ``risk_postloan``).
    path("postloan/", include("microloan.risk.postloan.urls")),
]
