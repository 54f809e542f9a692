from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from innopoints.api.api import api

admin.site.site_header = _("企业创新积分信息管理平台")
admin.site.site_title = _("创新积分平台")
admin.site.index_title = _("平台管理")


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on every page that names no icon (the admin's, too); not a
    permanent redirect, as the file's hashed name changes with each release."""
    return HttpResponseRedirect(static("site/favicon.svg"))


urlpatterns = [
    path("favicon.ico", favicon),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    # single sign-on: one redirect address for the identity provider, whatever the language
    path("accounts/sso/", include("innopoints.accounts.sso_urls")),
]
urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("collection/", include("innopoints.collection.urls")),
    path("scoring/", include("innopoints.scoring.urls")),
    path("analysis/", include("innopoints.analysis.urls")),
    path("accounts/", include("innopoints.accounts.urls")),
    path("api-tokens/", include("innopoints.api.urls")),
    path("ops/", include("innopoints.ops.urls")),
    path("lending/", include("innopoints.lending.urls")),
    path("applications/", include("innopoints.applications.urls")),
    path("programmes/", include("innopoints.programmes.urls")),
    path("targets/", include("innopoints.targets.urls")),
    path("register/", include("innopoints.onboarding.urls")),  # 企业注册: public, no sign-in
    path("gongshi/", include("innopoints.analysis.public_urls")),  # 公示: public, no sign-in
    path("", include("innopoints.portals.urls")),
    prefix_default_language=False,
)
# 403 and 404: Django's views with the portals' 403.html and 404.html (the site's frame)
handler500 = "innopoints.site.errors.server_error"
if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
