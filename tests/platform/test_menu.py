"""The site's menu registry (core/menu.py): order, roles, conditions, and the entries the feature
apps register for each role."""

from __future__ import annotations

from django.http import HttpRequest
from django.test import RequestFactory
from django.utils import translation

from innopoints.core.menu import Menu, menu


def _request(path: str = "/") -> HttpRequest:
    return RequestFactory().get(path)


def test_entries_follow_their_order_then_their_registration() -> None:
    m = Menu()
    m.register("government", "third", "portals:gov_invite", order=30)
    m.register("government", "first", "portals:gov_home", order=10)
    m.register("government", "second (a)", "portals:gov_import", order=20)
    m.register("government", "second (b)", "collection:quality", order=20)
    assert [e.label for e in m.entries("government")] == [
        "first",
        "second (a)",
        "second (b)",
        "third",
    ]


def test_entries_are_per_role() -> None:
    m = Menu()
    m.register(("admin", "government"), "home", "portals:gov_home", order=10)
    m.register("admin", "admin only", "admin:index", order=20)
    m.register("enterprise", "mine", "portals:ent_home", order=10)
    assert [e.label for e in m.entries("admin")] == ["home", "admin only"]
    assert [e.label for e in m.entries("government")] == ["home"]
    assert [e.label for e in m.entries("enterprise")] == ["mine"]
    assert m.entries("institution") == [] and m.entries(None) == []


def test_registering_again_replaces_in_place() -> None:
    m = Menu()
    m.register("enterprise", "a", "portals:ent_home", order=10)
    m.register("enterprise", "b", "portals:ent_assess", order=10)
    m.register("enterprise", "a again", "portals:ent_home", order=10)
    assert [e.label for e in m.entries("enterprise")] == ["a again", "b"]


def test_items_reverse_urls_and_ask_the_condition() -> None:
    m = Menu()
    m.register("enterprise", "home", "portals:ent_home", order=10)
    m.register("enterprise", "inbox", "portals:ent_inbox", order=20, when=lambda r: "x" in r.GET)
    assert m.items("enterprise", _request()) == [("home", "/ent/")]
    assert m.items("enterprise", _request("/?x=1")) == [("home", "/ent/"), ("inbox", "/ent/inbox/")]
    with translation.override("en"):
        assert m.items("enterprise", _request()) == [("home", "/en/ent/")]


def test_the_registered_menu_of_each_role() -> None:
    def labels(role: str | None) -> list[tuple[str, str]]:
        return [(str(label), url) for label, url in menu.items(role, _request())]

    government = [
        ("政府端首页", "/gov/"),
        ("数据导入", "/gov/import/"),
        ("数据质量", "/collection/quality/"),
        ("核验问题", "/collection/findings/"),
        ("数据来源", "/collection/sources/"),
        ("后台任务", "/ops/jobs/"),
        ("指标体系", "/scoring/schemes/"),
        ("积分测算", "/scoring/runs/"),
        ("培育库规则", "/analysis/pools/rules/"),
        ("公示与异议", "/analysis/publicity/"),
        ("邀请企业", "/gov/invite/"),
        ("企业注册审核", "/register/review/"),
        ("注册审核设置", "/register/settings/"),
        ("政府政策", "/applications/gov/policies/"),
        ("政策推送成效", "/gov/uptake/"),
        ("产品审核", "/applications/gov/offerings/"),
        ("融资统计", "/gov/financing/"),
        ("辖区融资申请", "/lending/gov/"),
        ("风险补偿资金池", "/programmes/gov/"),
        ("融资漏斗与目标", "/targets/funnel/"),
        ("贴息与奖励", "/programmes/gov/subsidies/"),
        ("目标管理", "/targets/"),
        ("各地区监测评价", "/targets/supervision/"),
        ("数据报送情况", "/targets/supervision/deliveries/"),
        ("工作总结", "/targets/supervision/summaries/"),
    ]
    assert labels("government") == government
    assert labels("admin") == [
        *government,
        ("邀请机构用户", "/accounts/invite-institution-user/"),
        ("平台管理", "/admin/"),
    ]
    assert labels("institution") == [
        ("金融端首页", "/fin/"),
        ("融资申请", "/lending/bank/"),
        ("授权企业", "/fin/authorised/"),
        ("授权邀请", "/lending/bank/invitations/"),
        ("融资记录", "/fin/financings/"),
        ("我的产品", "/applications/fin/offerings/"),
        ("风险补偿备案", "/programmes/fin/filings/"),
        ("融资统计", "/fin/outcomes/"),
        ("融资漏斗", "/targets/funnel/"),
        ("接口令牌", "/api-tokens/"),
    ]
    assert labels("enterprise") == [
        ("企业端首页", "/ent/"),
        ("自评", "/ent/assess/"),
        ("授权管理", "/ent/authorisations/"),
        ("消息", "/ent/inbox/"),
        ("我的异议", "/ent/disputes/"),
        ("政策匹配", "/ent/matches/"),
        ("我的融资申请", "/lending/mine/"),
        ("金融机构的邀请", "/lending/mine/invitations/"),
        ("我的企业画像", "/lending/mine/portrait/"),
        ("推送设置", "/ent/push-settings/"),
    ]
    assert labels(None) == []
    with translation.override("en"):
        assert labels("institution")[:3] == [
            ("Institution portal home", "/en/fin/"),
            ("Financing applications", "/en/lending/bank/"),
            ("Authorising enterprises", "/en/fin/authorised/"),
        ]


def test_the_wide_menu_groups_related_pages() -> None:
    """Government's entries fit one line at 1280 px: related pages under one heading, where
    the first of them stands; the page shown marks its group active."""
    request = _request()
    request.path = "/targets/funnel/"
    tree = menu.tree("government", request)
    assert [str(node["label"]) for node in tree] == [
        "政府端首页",
        "数据治理",
        "积分评价",
        "企业账户",
        "政策与产品",
        "融资与风险补偿",
        "监测评价",
    ]
    money = tree[5]
    assert [link["url"] for link in money["children"]] == [
        "/gov/financing/",
        "/lending/gov/",
        "/programmes/gov/",
        "/targets/funnel/",
        "/programmes/gov/subsidies/",
        "/targets/",
    ]
    assert money["active"] and not tree[1]["active"]
    flat = [link["url"] for node in tree for link in node.get("children", [node])]
    assert flat == [url for _, url in menu.items("government", request)]
