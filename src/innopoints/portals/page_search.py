"""企业端 → the frame's search box: an enterprise sees only itself, so its box finds its own
pages (the portal menu's entries: 自评, 授权管理, 政策匹配, 融资…) by a part of the name, in
Chinese or English, or by the pinyin initials of the Chinese name (SQ → 授权管理)."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from innopoints.accounts import scope
from innopoints.accounts.decorators import enterprise_required
from innopoints.core.menu import menu
from innopoints.registry.initials import initials
from innopoints.registry.search import normalise


@dataclass(frozen=True)
class Page:
    label: str
    url: str


def find_pages(request: HttpRequest, role: str, text: str) -> list[Page]:
    """The role's menu pages whose name (shown or Chinese) holds ``text``, or whose Chinese
    name's initials do."""
    wanted = normalise(text)
    if not wanted:
        return []
    found = []
    for entry in menu.entries(role):
        if entry.when is not None and not entry.when(request):
            continue
        shown = str(entry.label)
        with translation.override("zh-hans"):
            chinese = str(entry.label)
        names = [normalise(shown).lower(), normalise(chinese).lower(), initials(chinese).lower()]
        if any(wanted.lower() in name for name in names):
            found.append(Page(shown, reverse(entry.url_name)))
    return found


@enterprise_required
def search(request: HttpRequest) -> HttpResponse:
    text = (request.GET.get("q") or "").strip()
    pages = find_pages(request, scope.role_of(request.user) or "", text)
    if request.GET.get("suggest"):
        items = [{"label": p.label, "url": p.url} for p in pages[:8]]
        return render(request, "site/search_suggest.html", {"items": items, "q": text})
    return render(
        request,
        "portals/ent_search.html",
        {"title": _("查找页面"), "pages": pages, "q": text},
    )
