from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "企业创新积分信息管理平台"
admin.site.site_title = "创新积分平台"
admin.site.index_title = "平台管理"

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
]
urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("collection/", include("innopoints.collection.urls")),
    path("scoring/", include("innopoints.scoring.urls")),
    path("analysis/", include("innopoints.analysis.urls")),
    path("", RedirectView.as_view(pattern_name="scoring:runs", permanent=False)),
    prefix_default_language=False,
)
if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
