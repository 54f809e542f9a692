from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext

from innopoints.accounts.decorators import government_required
from innopoints.ops import jobs


@government_required
def job_list(request: HttpRequest) -> HttpResponse:
    """后台任务: scoring runs, imports and matchings with status, times, duration, who, error."""
    kind = request.GET.get("kind")
    rows = jobs.recent(request.user, kind if kind in jobs.KINDS else None)
    return render(
        request,
        "ops/jobs.html",
        {
            "title": gettext("后台任务"),
            "jobs": rows,
            "kind": kind,
            "kinds": [
                ("run", gettext("积分测算")),
                ("import", gettext("数据导入")),
                ("matching", gettext("政策匹配")),
                ("robustness", gettext("稳健性分析")),
                ("dossiers", gettext("一企一档批量生成")),
            ],
        },
    )
