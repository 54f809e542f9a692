from django.urls import path

from innopoints.scoring import views

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
]
