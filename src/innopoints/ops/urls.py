from django.urls import path

from innopoints.ops import views

app_name = "ops"
urlpatterns = [
    path("jobs/", views.job_list, name="jobs"),
    path("jobs/mine.json", views.job_watch, name="jobs_watch"),
]
