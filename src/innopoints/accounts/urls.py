from django.contrib.auth import views as auth_views
from django.urls import path

from innopoints.accounts import sso, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    # single sign-on (OpenID Connect): to the identity provider and back; 404 when not configured
    path("sso/", sso.start, name="sso_start"),
    path("sso/callback/", sso.callback, name="sso_callback"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("set-password/<uidb64>/<token>/", views.SetPasswordView.as_view(), name="set_password"),
    path(
        "invite-institution-user/",
        views.invite_institution_user,
        name="invite_institution_user",
    ),
]
