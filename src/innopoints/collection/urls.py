from django.urls import path

from innopoints.collection import views

app_name = "collection"
urlpatterns = [
    path("quality/", views.quality_report, name="quality"),
    path("quality.xlsx", views.quality_report_xlsx, name="quality-xlsx"),
]
urlpatterns += [
    path("findings/", views.findings, name="findings"),
    path("findings/<int:pk>/", views.resolve, name="resolve"),
    path("findings/evidence/<int:pk>/", views.evidence, name="evidence"),
]
