from django.urls import path

from innopoints.targets import supervision_views, views

app_name = "targets"
urlpatterns = [
    path("", views.target_list, name="list"),
    path("new/", views.target_edit, name="new"),
    path("<int:pk>/edit/", views.target_edit, name="edit"),
    path("funnel/", views.funnel, name="funnel"),
    path("supervision/", supervision_views.dashboard, name="supervision"),
    path("supervision/deliveries/", supervision_views.delivery_board, name="deliveries"),
    path("supervision/deadlines/", supervision_views.deadlines, name="deadlines"),
    path("supervision/summaries/", supervision_views.summaries, name="summaries"),
    path("supervision/summaries/<int:pk>/", supervision_views.summary_detail, name="summary"),
    path(
        "supervision/summaries/<int:pk>/file/", supervision_views.summary_file, name="summary-file"
    ),
]
