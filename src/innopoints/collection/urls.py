from django.urls import path

from innopoints.collection import source_views, views

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
urlpatterns += [
    path("sources/", source_views.sources, name="sources"),
    path("sources/<slug:code>/", source_views.source_edit, name="source"),
    path("sources/<slug:code>/pull/", source_views.source_pull, name="source-pull"),
]
