"""The page of a server error (500) in the site's frame.

Django's own 500 view renders ``500.html`` without the request's context; this one does the
same (no context processors: no database, no signed-in user, either may be what failed) and adds
the request id, which the log line of the error carries too. If even that page cannot be drawn
(a broken template or URL configuration), a few plain lines are sent instead."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader
from django.utils.html import escape
from django.utils.translation import gettext as _

from innopoints.core import requestid


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    request_id = requestid.current.get()
    try:
        page = loader.get_template(template_name).render({"request_id": request_id})
    except Exception:  # the error page must answer whatever else is broken
        page = (
            f"<!doctype html><title>500</title><h1>{_('服务器出错')}</h1>"
            f"<p>{_('请求编号')} {escape(request_id)}</p><p><a href='/'>{_('返回首页')}</a></p>"
        )
    return HttpResponseServerError(page)
