"""金融端's dashboard and lists against hand counts: applications by state, authorisations by
month, each received list's reach, the outcome curve by score band; the received list filtered,
sorted and exported as filtered (audited); the search box over lists and authorisations."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from innopoints.applications.models import Financing
from innopoints.audit.models import AuditEntry
from innopoints.collection.models import Authorisation
from innopoints.core.menu import menu
from innopoints.lending.models import Application
from innopoints.portals import bank_figures
from innopoints.registry.models import Enterprise, Institution
from innopoints.scoring.models import Result
from tests.platform.test_access import _client, world, world_once  # noqa: F401

BEIJING = dt.timezone(dt.timedelta(hours=8))


def test_outcome_curve_by_band_hand_computed() -> None:
    by_band = [
        {"band": 30, "n": 4, "defaults": 1, "default_rate": 25.0},
        {"band": 40, "n": 3, "defaults": 0, "default_rate": 0.0},
        {"band": 50, "n": 0, "defaults": 0, "default_rate": 0.0},  # nothing to show
        {"band": 60, "n": 3, "defaults": 2, "default_rate": 66.67},
    ]
    assert bank_figures.outcome_curve(by_band) == {
        "bands": ["30–40", "40–50", "60–70"],
        "performing": [75.0, 100.0, 33.3],
        "defaulted": [25.0, 0.0, 66.7],
        "n": [4, 3, 3],
    }
    assert bank_figures.outcome_curve([])["bands"] == []


def test_list_reach_counts_each_enterprise_once() -> None:
    lists = [("甲名单", [1, 2, 3, None, 3]), ("乙名单", [])]
    assert bank_figures.list_reach(lists, {2, 3, 9}) == [
        {"title": "甲名单", "n": 3, "authorised": 2},
        {"title": "乙名单", "n": 0, "authorised": 0},
    ]


def test_months_run_back_over_the_year_end() -> None:
    assert bank_figures._months(dt.date(2026, 2, 10), 4) == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
    ]


def test_slim_and_horizontal_bars() -> None:
    option = {
        "xAxis": {"type": "category"},
        "yAxis": {"type": "value"},
        "series": [{"type": "bar"}, {"type": "line"}],
    }
    bank_figures.horizontal(bank_figures.slim(option, 32))
    assert option["xAxis"] == {"type": "value"} and option["yAxis"] == {"type": "category"}
    assert option["series"] == [{"type": "bar", "barMaxWidth": 32}, {"type": "line"}]


@pytest.mark.django_db
def test_states_and_grants_by_month_hand_counted() -> None:
    admin = get_user_model().objects.create_user("clerk", "c@example.invalid", "pw")
    bank = Institution.objects.create(name="甲银行", kind="bank")
    other = Institution.objects.create(name="乙银行", kind="bank")
    firms = [
        Enterprise.objects.create(credit_code=f"91510100MA6{i:07d}", name=f"企业{i}")
        for i in range(6)
    ]

    def financing(firm: Enterprise, status: str, institution: Institution = bank) -> None:
        granted = status not in {"applied", "rejected"}
        Financing.objects.create(
            enterprise=firm,
            institution=institution,
            applied_on=dt.date(2026, 1, 2),
            status=status,
            amount=Decimal(100) if granted else None,
            decided_on=dt.date(2026, 1, 5) if granted else None,
            recorded_by=admin,
        )

    for firm, status in zip(
        firms, ["applied", "applied", "approved", "disbursed", "defaulted", "repaid"], strict=True
    ):
        financing(firm, status)
    financing(firms[0], "rejected", other)  # another institution's: not counted
    counts = bank_figures.status_counts(Financing.objects.filter(institution=bank))
    assert [(code, n) for code, _label, n in counts] == [
        ("applied", 2),
        ("approved", 1),
        ("rejected", 0),
        ("disbursed", 1),
        ("repaid", 1),
        ("overdue", 0),
        ("defaulted", 1),
    ]
    assert [label for _code, label, _n in counts][:2] == ["已申请", "已批准"]

    given = [
        (bank, dt.datetime(2025, 12, 31, 23, 30, tzinfo=BEIJING)),  # before the 3 months
        (bank, dt.datetime(2026, 1, 1, 0, 10, tzinfo=BEIJING)),  # 2025-12-31 in UTC: January
        (bank, dt.datetime(2026, 2, 10, 9, 0, tzinfo=BEIJING)),
        (bank, dt.datetime(2026, 2, 20, 9, 0, tzinfo=BEIJING)),  # revoked later: still given
        (bank, dt.datetime(2026, 3, 1, 9, 0, tzinfo=BEIJING)),
        (other, dt.datetime(2026, 3, 2, 9, 0, tzinfo=BEIJING)),  # another institution's
    ]
    for i, (institution, when) in enumerate(given):
        grant = Authorisation.objects.create(
            enterprise=firms[i], institution=institution, valid_from=dt.date(2025, 12, 1)
        )
        Authorisation.objects.filter(pk=grant.pk).update(created_at=when)
    Authorisation.objects.filter(enterprise=firms[3]).update(revoked_at=timezone.now())
    assert bank_figures.monthly_grants(bank, dt.date(2026, 3, 15), months=3) == [
        ("2026-01", 1),
        ("2026-02", 2),
        ("2026-03", 1),
    ]


def _listed(w: dict[str, Any]) -> list[Result]:
    """The published list's enterprises counted by hand: within each stage, those whose rank in
    the stage is in the top 20 % of the stage's ranked enterprises (the board's definition)."""
    ranked = list(Result.objects.filter(run=w["run"], vetoed=False).select_related("enterprise"))
    sizes: dict[str, int] = {}
    for r in ranked:
        sizes[r.stage] = sizes.get(r.stage, 0) + 1
    return [r for r in ranked if r.rank_stage * 100 / sizes[r.stage] <= 20]


def test_bank_home_figures_on_a_scored_province(world: dict[str, Any]) -> None:  # noqa: F811
    bank, admin = world["bank"], world["admin"]
    listed = sorted(_listed(world), key=lambda r: r.rank)
    on_list = {r.enterprise_id for r in listed}
    # two more enterprises of the list authorise the bank (mine has already, other revoked)
    for r in [r for r in listed if r.enterprise_id != world["mine"].pk][:2]:
        Authorisation.objects.create(
            enterprise=r.enterprise, institution=bank, valid_from=dt.date(2025, 1, 1)
        )
    # in force: mine and the two new grants (other was revoked); on the list: the two new ones,
    # and mine when it made the list
    authorised_on_list = 2 + (world["mine"].pk in on_list)
    # loans of two listed enterprises: one performing, one defaulted; three open applications
    good, bad = listed[0], listed[1]
    for result, status in [(good, "disbursed"), (bad, "defaulted")]:
        Financing.objects.create(
            enterprise=result.enterprise,
            institution=bank,
            applied_on=dt.date(2026, 1, 2),
            status=status,
            amount=Decimal(300),
            rate=Decimal("3.5"),
            decided_on=dt.date(2026, 1, 5),
            disbursed_on=dt.date(2026, 1, 8),
            recorded_by=admin,
        )
    # applications received (lending): three wait for the bank, one for the enterprise
    for result, status in [
        (listed[2], "submitted"),
        (listed[3], "reviewing"),
        (listed[4], "approved"),
        (listed[5], "more_info"),
    ]:
        Application.objects.create(
            enterprise=result.enterprise, institution=bank, status=status, created_by=admin
        )
    page = _client(world["banker"]).get(reverse("portals:fin_home"))
    assert page.status_code == 200
    ctx = page.context
    assert [d.reach for d in ctx["dispatches"]] == [
        {"title": "全省前 20%", "n": len(on_list), "authorised": authorised_on_list}
    ]
    assert ctx["pending"] == 3
    assert ctx["authorised_count"] == 3  # mine and the two new grants; other was revoked
    assert ctx["o"].n == 2 and ctx["o"].defaults == 1 and ctx["default_rate"] == 50.0
    assert ctx["f"].disbursed == 600.0
    states = ctx["states_chart"]["series"][0]["data"]
    # 已提交, 已受理, 待补充材料, 审批中, 已批准, then none in the seven later states
    assert states == [1, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
    bands = {int(good.total // 10) * 10: [0, 0], int(bad.total // 10) * 10: [0, 0]}
    bands[int(good.total // 10) * 10][0] += 1
    bands[int(bad.total // 10) * 10][1] += 1
    curve = ctx["curve"]
    assert curve["bands"] == [f"{b}–{b + 10}" for b in sorted(bands)]
    assert curve["defaulted"] == [
        round(100 * bands[b][1] / sum(bands[b]), 1) for b in sorted(bands)
    ]
    html = page.content.decode()
    for chart in ("chart-lists", "chart-states", "chart-grants", "chart-curve"):
        assert f'id="{chart}"' in html
    assert reverse("portals:fin_list", args=[world["dispatch"].pk]) in html


def _csv(response: Any) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_received_list_filters_sorts_and_exports_what_is_filtered(
    world: dict[str, Any],  # noqa: F811
) -> None:
    client = _client(world["banker"])
    url = reverse("portals:fin_list", args=[world["dispatch"].pk])
    listed = _listed(world)
    page = client.get(url)
    assert page.context["listing"].count == len(listed)
    assert len(page.context["listing"].table.page.object_list) == min(50, len(listed))
    assert world["mine"].credit_code not in page.content.decode()  # never a credit code
    tier = listed[0].tier
    in_tier = client.get(url, {"tier": tier})
    assert in_tier.context["listing"].count == sum(1 for r in listed if r.tier == tier)
    mine_listed = world["mine"].pk in {r.enterprise_id for r in listed}
    only_authorised = client.get(url, {"authorised": "true"})
    assert only_authorised.context["listing"].count == int(mine_listed)
    by_coverage = client.get(url, {"sort": "-coverage"})
    shown = [row.record["coverage_sort"] for row in by_coverage.context["listing"].table.page]
    assert shown == sorted(shown, reverse=True)
    before = AuditEntry.objects.filter(action="export", actor=world["banker"]).count()
    exported = _csv(client.get(url, {"tier": tier, "export": "csv"}))
    assert exported[0] == ["名次", "企业名称", "档次", "分数段", "数据覆盖率（%）"]
    assert len(exported) - 1 == in_tier.context["listing"].count
    assert {row[2] for row in exported[1:]} == {tier}
    assert AuditEntry.objects.filter(action="export", actor=world["banker"]).count() == before + 1
    legacy = client.get(
        reverse("portals:fin_list_xlsx", args=[world["dispatch"].pk]), {"tier": tier}
    )
    assert legacy.status_code == 200


def test_search_box_finds_listed_and_authorised_enterprises(
    world: dict[str, Any],  # noqa: F811
) -> None:
    assert menu.search("institution") == {
        "url": reverse("portals:fin_search"),
        "placeholder": "检索企业：名称、信用代码、法定代表人或拼音首字母",
        "label": "检索企业：名称、信用代码、法定代表人或拼音首字母",
    }
    bank = world["bank"]
    listed = sorted(_listed(world), key=lambda r: r.rank)
    stranger = next(r for r in listed if r.enterprise_id != world["mine"].pk)
    off_list = (
        Result.objects.filter(run=world["run"])
        .exclude(enterprise_id__in=[r.enterprise_id for r in listed])
        .select_related("enterprise")
        .first()
    )
    assert off_list is not None
    Authorisation.objects.create(
        enterprise=off_list.enterprise, institution=bank, valid_from=dt.date(2025, 1, 1)
    )
    client = _client(world["banker"])
    search = reverse("portals:fin_search")

    def rows(q: str, who: Any = client) -> list[dict[str, Any]]:
        return [row.record for row in who.get(search, {"q": q}).context["listing"].table.rows]

    # a listed enterprise that has not authorised the bank: its name, lists, tier, no file
    found = rows(stranger.enterprise.name)
    assert [(r["name"], r["lists"], r["tier"], r["authorised"]) for r in found] == [
        (stranger.enterprise.name, ["全省前 20%"], stranger.tier, False)
    ]
    page = client.get(search, {"q": stranger.enterprise.name}).content.decode()
    assert reverse("portals:fin_enterprise", args=[stranger.enterprise_id]) not in page
    # an authorised enterprise on no list, by its whole credit code
    found = rows(off_list.enterprise.credit_code)
    assert [(r["enterprise_id"], r["lists"], r["authorised"]) for r in found] == [
        (off_list.enterprise_id, [], True)
    ]
    # the beginning of a code finds it too, among the enterprises the bank may see only
    assert off_list.enterprise_id in [
        r["enterprise_id"] for r in rows(off_list.enterprise.credit_code[:-1])
    ]
    assert rows("") == []
    # the rival bank got the same list but no authorisation: it finds no one off its list
    assert rows(off_list.enterprise.credit_code, _client(world["rival"])) == []
