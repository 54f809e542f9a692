"""The portals' entries in the site's menu (core/menu.py): each role's home and own pages."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from innopoints.accounts.models import Role
from innopoints.core.menu import group, register, register_search

GOVERNMENT = (Role.ADMIN, Role.GOVERNMENT)

register(GOVERNMENT, _("政府端首页"), "portals:gov_home", order=10)
register(GOVERNMENT, _("数据导入"), "portals:gov_import", order=20)
register(GOVERNMENT, _("邀请企业"), "portals:gov_invite", order=70)
register(GOVERNMENT, _("融资统计"), "portals:gov_financing", order=90)
register(GOVERNMENT, _("公示与异议"), "analysis:publicity-list", order=56)
# the frame's search box (registry/search.py): enterprises of the jurisdiction (analysis)
register_search(
    GOVERNMENT, "analysis:enterprise-search", _("企业名称、信用代码、法定代表人或拼音首字母")
)

register(Role.INSTITUTION, _("金融端首页"), "portals:fin_home", order=10)
register(Role.INSTITUTION, _("授权企业"), "portals:fin_authorised", order=15)
register(Role.INSTITUTION, pgettext_lazy("plural", "融资记录"), "portals:fin_financings", order=20)
register(Role.INSTITUTION, _("融资统计"), "portals:fin_outcomes", order=30)

register(Role.ENTERPRISE, _("企业端首页"), "portals:ent_home", order=10)
register(Role.ENTERPRISE, _("自评"), "portals:ent_assess", order=20)
register(Role.ENTERPRISE, _("授权管理"), "portals:ent_authorisations", order=30)
register(Role.ENTERPRISE, _("消息"), "portals:ent_inbox", order=40)
register(Role.ENTERPRISE, _("我的异议"), "portals:ent_disputes", order=45)
register(Role.ENTERPRISE, _("政策匹配"), "portals:ent_matches", order=50)
register(Role.ENTERPRISE, _("推送设置"), "portals:ent_push_settings", order=60)

# the enterprises on its lists or that authorised it (portals/fin_search.py)
register_search(
    Role.INSTITUTION, "portals:fin_search", _("检索企业：名称、信用代码、法定代表人或拼音首字母")
)
# an enterprise sees only itself: its box finds its own pages (portals/page_search.py)
register_search(Role.ENTERPRISE, "portals:ent_search", _("查找本企业的页面"))

# the wide menu stays on one line at 1280 px: related pages under one heading each
group(
    GOVERNMENT,
    _("数据治理"),
    [
        "portals:gov_import",
        "collection:sources",
        "collection:quality",
        "collection:findings",
        "ops:jobs",
    ],
)
# runs, the pools' rules and the public 公示 of the lists (objections answered there)
group(
    GOVERNMENT,
    _("积分评价"),
    ["scoring:schemes", "scoring:runs", "analysis:pool-rules", "analysis:publicity-list"],
)
group(
    GOVERNMENT,
    _("政策与产品"),
    ["applications:gov_policies", "portals:gov_uptake", "applications:gov_offerings"],
)
group(
    GOVERNMENT,
    _("融资与风险补偿"),
    [
        "portals:gov_financing",
        "lending:gov_list",
        "targets:funnel",
        "programmes:gov_programmes",
        "programmes:gov_subsidies",
        "targets:list",
    ],
)
group(
    GOVERNMENT,
    _("监测评价"),
    ["targets:supervision", "targets:deliveries", "targets:summaries", "targets:deadlines"],
)
group(Role.INSTITUTION, _("授权与邀请"), ["portals:fin_authorised", "lending:bank_invitations"])
group(Role.INSTITUTION, _("融资业务"), ["portals:fin_financings", "programmes:fin_filings"])
group(Role.INSTITUTION, _("统计"), ["portals:fin_outcomes", "targets:funnel"])
group(Role.ENTERPRISE, _("融资"), ["lending:ent_list", "lending:ent_invitations"])
group(Role.ENTERPRISE, _("授权与推送"), ["portals:ent_authorisations", "portals:ent_push_settings"])
