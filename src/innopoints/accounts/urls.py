from django.contrib.auth import views as auth_views
from django.urls import path

from innopoints.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("set-password/<uidb64>/<token>/", views.SetPasswordView.as_view(), name="set_password"),
    path(
        "invite-institution-user/",
        views.invite_institution_user,
        name="invite_institution_user",
    ),
]
