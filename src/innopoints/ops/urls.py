from django.urls import path

from innopoints.ops import views

app_name = "ops"
urlpatterns = [
    path("jobs/", views.job_list, name="jobs"),
]
