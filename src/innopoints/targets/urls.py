from django.urls import path

from innopoints.targets import views

app_name = "targets"
urlpatterns = [
    path("", views.target_list, name="list"),
    path("new/", views.target_edit, name="new"),
    path("<int:pk>/edit/", views.target_edit, name="edit"),
    path("funnel/", views.funnel, name="funnel"),
]
