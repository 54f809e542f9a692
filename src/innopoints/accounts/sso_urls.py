"""Single sign-on (OpenID Connect): to the identity provider and back; 404 when not configured.
Outside the language prefixes: the address the provider sends people back to is registered
with it once, whatever the page's language (the language travels in the session)."""

from django.urls import path

from innopoints.accounts import sso

app_name = "sso"
urlpatterns = [
    path("", sso.start, name="start"),
    path("callback/", sso.callback, name="callback"),
]
