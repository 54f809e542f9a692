"""The menu of the signed-in user's portal, for every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from innopoints.accounts import scope
from innopoints.accounts.models import Role
from innopoints.registry.english import localised


def _menu(role: str | None) -> list[tuple[str, str]]:
    if role in {Role.ADMIN, Role.GOVERNMENT}:
        items = [
            (_("政府端首页"), reverse("portals:gov_home")),
            (_("数据导入"), reverse("portals:gov_import")),
            (_("数据质量"), reverse("collection:quality")),
            (pgettext("plural", "核验问题"), reverse("collection:findings")),
            (pgettext("plural", "积分测算"), reverse("scoring:runs")),
            (_("后台任务"), reverse("ops:jobs")),
            (_("邀请企业"), reverse("portals:gov_invite")),
            (_("政策推送成效"), reverse("portals:gov_uptake")),
            (_("融资统计"), reverse("portals:gov_financing")),
        ]
        if role == Role.ADMIN:
            items += [
                (_("邀请机构用户"), reverse("accounts:invite_institution_user")),
                (_("平台管理"), reverse("admin:index")),
            ]
        return items
    if role == Role.INSTITUTION:
        return [
            (_("金融端首页"), reverse("portals:fin_home")),
            (pgettext("plural", "融资记录"), reverse("portals:fin_financings")),
            (_("融资统计"), reverse("portals:fin_outcomes")),
            (_("接口令牌"), reverse("api_tokens:tokens")),
        ]
    if role == Role.ENTERPRISE:
        return [
            (_("企业端首页"), reverse("portals:ent_home")),
            (_("自评"), reverse("portals:ent_assess")),
            (_("授权管理"), reverse("portals:ent_authorisations")),
            (_("消息"), reverse("portals:ent_inbox")),
            (_("政策匹配"), reverse("portals:ent_matches")),
            (_("推送设置"), reverse("portals:ent_push_settings")),
        ]
    return []


def portal(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    role = scope.role_of(user)
    profile = scope.profile_of(user)
    bound = None
    if profile is not None:
        # a division by its name in the page's language (成都市 / Chengdu City), not its code
        bound = (
            localised(profile.region.name)
            if profile.region
            else profile.institution or profile.enterprise
        )
    return {
        "portal_menu": _menu(role),
        "portal_role": role,
        "portal_role_label": Role(role).label if role else "",
        "portal_bound": bound,
    }
