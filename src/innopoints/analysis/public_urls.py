"""The public 公示 pages, no sign-in: at /gongshi/ (Chinese) and /en/gongshi/ (English)."""

from django.urls import path

from innopoints.analysis import publicity_views

app_name = "public"
urlpatterns = [
    path("", publicity_views.public_index, name="index"),
    path("<int:pk>/", publicity_views.public_page, name="page"),
]
