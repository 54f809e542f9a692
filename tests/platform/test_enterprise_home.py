"""企业端's dashboard against hand counts: the gauge's scale, the radar of indicator groups by
name against the stage's peers, the trend oldest first, the actions waiting for the
enterprise; and the self-assessment form's units and help."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from innopoints.applications.models import Message, PushOptOut
from innopoints.collection.models import Authorisation, DataSource
from innopoints.portals import ent_figures
from innopoints.registry.models import Enterprise, Institution
from innopoints.scoring.models import Result
from innopoints.scoring.schemes import localised
from tests.platform.test_access import _client, world, world_once  # noqa: F401


def test_gauge_scale_is_the_full_mark_or_the_next_ten_above() -> None:
    assert ent_figures.gauge_maximum(56.13) == 100.0
    assert ent_figures.gauge_maximum(100.0) == 100.0
    assert ent_figures.gauge_maximum(103.2) == 110.0
    assert ent_figures.gauge_maximum(110.0) == 120.0
    option = ent_figures.score_gauge(56.126, 100.0, "总积分", "分")
    series = option["series"][0]
    assert series["data"] == [{"value": 56.13, "name": "总积分"}] and series["max"] == 100.0


def test_radar_names_each_group_against_the_stage() -> None:
    axes = [
        SimpleNamespace(name="技术创新指标", mine=62.5, median=40.0, p90=70.0),
        SimpleNamespace(name="成长经营指标", mine=30.0, median=35.5, p90=60.0),
        SimpleNamespace(name="辅助指标", mine=80.0, median=20.0, p90=55.0),
    ]
    option = ent_figures.radar_option(axes)
    assert option is not None
    assert option["radar"]["indicator"] == [
        {"name": "技术创新指标", "max": 100},
        {"name": "成长经营指标", "max": 100},
        {"name": "辅助指标", "max": 100},
    ]
    assert option["series"][0]["data"] == [
        {"name": "本企业", "value": [62.5, 30.0, 80.0]},
        {"name": "同阶段中位数", "value": [40.0, 35.5, 20.0]},
        {"name": "同阶段前 10%", "value": [70.0, 60.0, 55.0]},
    ]
    assert ent_figures.radar_option([]) is None


def test_trend_runs_oldest_first() -> None:
    history = [  # as the home holds it: newest first, one a period
        SimpleNamespace(run=SimpleNamespace(period="2025"), total=60.126),
        SimpleNamespace(run=SimpleNamespace(period="2024"), total=55.5),
        SimpleNamespace(run=SimpleNamespace(period="2023"), total=48.0),
    ]
    assert ent_figures.trend(history) == (["2023", "2024", "2025"], [48.0, 55.5, 60.13])


@pytest.mark.django_db
def test_pending_actions_hand_counted() -> None:
    firm = Enterprise.objects.create(credit_code="91510100MA60000001", name="甲企业")
    elsewhere = Enterprise.objects.create(credit_code="91510100MA60000002", name="乙企业")
    day = dt.date(2026, 3, 1)
    banks = [Institution.objects.create(name=f"银行{i}", kind="bank") for i in range(6)]

    def grant(bank: Institution, valid_to: dt.date | None, **more: Any) -> Authorisation:
        return Authorisation.objects.create(
            enterprise=more.pop("enterprise", firm),
            institution=bank,
            valid_from=dt.date(2026, 1, 1),
            valid_to=valid_to,
            **more,
        )

    grant(banks[0], dt.date(2026, 3, 25))  # ends in 24 days: shown
    grant(banks[1], dt.date(2026, 3, 31))  # in 30 days: shown
    grant(banks[2], dt.date(2026, 4, 1))  # in 31 days: not yet
    grant(banks[3], None)  # no end
    grant(banks[4], dt.date(2026, 3, 5), revoked_at=timezone.now())  # revoked
    grant(banks[5], dt.date(2026, 3, 5), enterprise=elsewhere)  # another enterprise's
    Authorisation.objects.create(  # to a data source, not an institution
        enterprise=firm,
        source=DataSource.objects.first(),
        valid_from=dt.date(2026, 1, 1),
        valid_to=dt.date(2026, 3, 2),
    )
    PushOptOut.objects.create(enterprise=firm, kind="insurance")
    PushOptOut.objects.create(enterprise=firm, kind="loan")
    PushOptOut.objects.create(enterprise=elsewhere, kind="award")
    actions = ent_figures.pending_actions(firm, day, unread=2, matched=3)
    assert [(a.tone, a.text, a.url) for a in actions] == [
        ("danger", "2 条未读消息", reverse("portals:ent_inbox")),
        ("warning", "对银行0的授权将于 2026-03-25 到期", reverse("portals:ent_authorisations")),
        ("warning", "对银行1的授权将于 2026-03-31 到期", reverse("portals:ent_authorisations")),
        ("primary", "3 项政策或金融产品符合条件", reverse("portals:ent_matches")),
        ("info", "已关闭推送：积分贷、积分险", reverse("portals:ent_push_settings")),
    ]
    assert [a.text for a in ent_figures.pending_actions(elsewhere, day, unread=0, matched=0)] == [
        "对银行5的授权将于 2026-03-05 到期",
        "已关闭推送：积分奖",
    ]
    quiet = Enterprise.objects.create(credit_code="91510100MA60000003", name="丙企业")
    assert ent_figures.pending_actions(quiet, day, unread=0, matched=0) == []


def test_enterprise_home_dashboard(world: dict[str, Any]) -> None:  # noqa: F811
    mine = world["mine"]
    result = Result.objects.select_related("run__scheme_version").get(
        run=world["run"], enterprise=mine
    )
    Message.objects.create(enterprise=mine, kind="notice", subject="一")
    Message.objects.create(enterprise=mine, kind="notice", subject="二")
    page = _client(world["owner"]).get(reverse("portals:ent_home"))
    assert page.status_code == 200
    ctx = page.context
    assert ctx["gauge"]["series"][0]["data"][0]["value"] == round(result.total, 2)
    # the radar: each first-level group by its name, the enterprise's points as a share of the
    # group's full mark for its stage, from the run's stored group figures
    scheme = result.run.scheme_version.scheme()
    names = {c.code: localised(c.name) for c in scheme.categories}
    stats = result.run.report["category_stats"][result.stage]
    points: dict[str, float] = {}
    for indicator in scheme.weighted:  # the run's points of each indicator, by its group
        value = result.breakdown_values["ind"][indicator.code][5] or 0.0
        points[indicator.category] = points.get(indicator.category, 0.0) + value
    expected = [
        (names[code], round(100.0 * points.get(code, 0.0) / s["full"], 1))
        for code, s in stats.items()
    ]
    radar = ctx["radar"]
    assert [i["name"] for i in radar["radar"]["indicator"]] == [n for n, _ in expected]
    assert radar["series"][0]["data"][0]["value"] == [share for _, share in expected]
    assert all(not code.isascii() for code in (i["name"] for i in radar["radar"]["indicator"]))
    assert ctx["actions"][0].text == "2 条未读消息"
    assert "trend" not in ctx  # one period only
    html = page.content.decode()
    assert 'id="chart-score"' in html and 'id="chart-radar"' in html
    assert f">{result.total:.2f}<" in html  # the total, exact, next to the gauge


def test_self_assessment_form_carries_units_and_help(world: dict[str, Any]) -> None:  # noqa: F811
    from innopoints.analysis.models import Leaderboard  # noqa: PLC0415

    assert Leaderboard.objects.filter(run=world["run"], status="published").exists()
    page = _client(world["owner"]).get(reverse("portals:ent_assess"))
    form = page.context["form"]
    revenue, employees = form["revenue"], form["employees"]
    assert revenue.field.widget.attrs["data-unit"] == "万元"
    assert revenue.help_text == "不能为负"
    assert "data-unit" not in employees.field.widget.attrs
    assert employees.help_text == "整数，不能为负"
    assert not isinstance(employees.initial, float) or not employees.initial.is_integer()
    html = page.content.decode()
    assert '<span class="input-group-text">万元</span>' in html
    assert 'id="id_revenue_helptext"' in html


@pytest.mark.django_db
def test_homes_before_any_score_or_record_show_empty_states() -> None:
    from django.contrib.auth import get_user_model  # noqa: PLC0415

    from innopoints.accounts.models import Profile, Role  # noqa: PLC0415

    firm = Enterprise.objects.create(credit_code="91510100MA60000009", name="新企业")
    bank = Institution.objects.create(name="新银行", kind="bank")
    users = {}
    for name, role, bound in [
        # names of their own: the module's shared world has an owner and a banker already
        ("new-owner", Role.ENTERPRISE, {"enterprise": firm}),
        ("new-banker", Role.INSTITUTION, {"institution": bank}),
    ]:
        users[name] = get_user_model().objects.create_user(name, f"{name}@example.invalid", "pw")
        Profile.objects.create(user=users[name], role=role, **bound)
    home = _client(users["new-owner"]).get(reverse("portals:ent_home")).content.decode()
    assert "尚无已发布的积分" in home and 'id="chart-score"' not in home
    assert "暂无待办事项" in home and "暂无匹配的政策或产品" in home
    bank_home = _client(users["new-banker"]).get(reverse("portals:fin_home"))
    assert bank_home.status_code == 200
    text = bank_home.content.decode()
    assert "尚未收到政府发送的推荐名单" in text and 'id="chart-states"' not in text
    assert bank_home.context["default_rate"] is None and bank_home.context["pending"] == 0
