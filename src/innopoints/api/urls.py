from django.urls import path

from innopoints.api import views

app_name = "api_tokens"
urlpatterns = [
    path("", views.token_list, name="tokens"),
    path("<int:pk>/rotate/", views.token_rotate, name="rotate"),
    path("<int:pk>/revoke/", views.token_revoke, name="revoke"),
]
