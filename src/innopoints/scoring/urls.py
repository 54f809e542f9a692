from django.urls import path

from innopoints.scoring import scheme_pages, views

app_name = "scoring"
urlpatterns = [
    path("runs/", views.runs, name="runs"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/state/", views.run_state, name="run-state"),
    path("runs/<int:pk>/cancel/", views.cancel, name="run-cancel"),
    path("runs/<int:pk>/robustness/", views.robustness, name="robustness"),
    path("runs/<int:pk>/robustness/start/", views.robustness_start, name="robustness-start"),
    path("runs/<int:pk>/robustness/state/", views.robustness_state, name="robustness-state"),
    path("runs/<int:pk>/leaderboard/", views.leaderboard, name="leaderboard"),
    path("runs/<int:pk>/leaderboard.xlsx", views.leaderboard_xlsx, name="leaderboard-xlsx"),
    path("runs/<int:pk>/enterprise/<int:enterprise_id>/", views.explanation, name="explain"),
    path("compare/", views.comparison, name="compare"),
    path("regions/", views.regions, name="regions"),
    path("schemes/", scheme_pages.scheme_home, name="schemes"),
    path("schemes/compare/", scheme_pages.scheme_compare, name="scheme-compare"),
    path("schemes/<int:pk>/", scheme_pages.scheme_detail, name="scheme"),
    path("schemes/<int:pk>/draft/", scheme_pages.scheme_draft, name="scheme-draft"),
    path("schemes/<int:pk>/edit/", scheme_pages.scheme_edit, name="scheme-edit"),
    path("schemes/<int:pk>/what-if/", scheme_pages.scheme_whatif, name="scheme-whatif"),
    path("schemes/<int:pk>/submit/", scheme_pages.scheme_submit, name="scheme-submit"),
    path("schemes/<int:pk>/approve/", scheme_pages.scheme_approve, name="scheme-approve"),
    path("schemes/<int:pk>/return/", scheme_pages.scheme_return, name="scheme-return"),
]
