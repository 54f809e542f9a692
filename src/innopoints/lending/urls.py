from django.urls import URLPattern

app_name = "lending"
urlpatterns: list[URLPattern] = []
