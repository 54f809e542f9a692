"""Government's read-only list of the applications in its division (a province all under its
code, a city its own prefix; names, never codes; filters; the export as filtered), and every
filter bar's empty choice reading 全部 / All, never django-filter's "---------"."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from innopoints.accounts.models import Role
from innopoints.audit.models import AuditEntry
from innopoints.core.menu import menu
from innopoints.lending.models import Application
from innopoints.registry.models import Enterprise, Region
from tests.conftest import codes
from tests.platform.test_lending import _apply, _user, w  # noqa: F401

S = Application.Status


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def apps(w: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    """Three applications: 成都 (the division from the enterprise), 绵阳 (recorded on the
    application) and one outside the province."""
    chengdu = _apply(w)  # 甲科技 in 510107, no run: no division recorded
    mianyang_firm = Enterprise.objects.create(
        credit_code=codes(1, "510703")[0],
        name="绵阳企业",
        region=Region.objects.get(code="510703"),
    )
    mianyang = Application.objects.create(
        enterprise=mianyang_firm,
        institution=w["rival"],
        status=S.APPROVED,
        amount_requested=Decimal("80.50"),
        tier="B",
        stage="growth",
        region_code="510703",
        created_by=w["owner"],
    )
    outside = Application.objects.create(
        enterprise=w["other"],
        institution=w["bank"],
        status=S.REJECTED,
        region_code="110101",
        created_by=w["owner"],
    )
    return {"chengdu": chengdu, "mianyang": mianyang, "outside": outside}


def _csv(response: Any) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def _shown(response: Any) -> set[int]:
    return {row.record.pk for row in response.context["listing"].table.rows}


def test_government_lists_the_applications_of_its_division(
    w: dict[str, Any],  # noqa: F811
    apps: dict[str, Any],
) -> None:
    url = reverse("lending:gov_list")
    province = _client(w["gov"])  # 510000
    page = province.get(url)
    assert page.status_code == 200
    assert _shown(page) == {apps["chengdu"].pk, apps["mianyang"].pk}
    city = _user("chengdu", Role.GOVERNMENT, region=Region.objects.get(code="510100"))
    assert _shown(_client(city).get(url)) == {apps["chengdu"].pk}
    # filters: state, institution, region (a city and what lies under it)
    assert _shown(province.get(url, {"status": S.APPROVED})) == {apps["mianyang"].pk}
    assert _shown(province.get(url, {"institution": w["bank"].pk})) == {apps["chengdu"].pk}
    assert _shown(province.get(url, {"region": "510700"})) == {apps["mianyang"].pk}
    assert _shown(province.get(url, {"region": "510100"})) == {apps["chengdu"].pk}
    # names, never codes: state, stage, region; amounts in 万元
    body = page.content.decode()
    table = body.split('id="gov-applications"')[1]
    for shown in ("已批准", "已提交", "成长期", "涪城区", "80.50", "申请金额（万元）"):
        assert shown in body, shown
    for code in ("growth", "approved", "510703", "submitted"):
        assert code not in table, code
    # read-only: no form or action in the table, and the bank's pages stay closed
    assert "<form" not in table and "<button" not in table
    assert (
        _client(w["gov"]).get(reverse("lending:bank_detail", args=[apps["chengdu"].pk])).status_code
        == 403
    )
    # the export: exactly the filtered rows, names not codes, and audited
    before = AuditEntry.objects.filter(action="export", actor=w["gov"]).count()
    rows = _csv(province.get(url, {"status": S.APPROVED, "export": "csv"}))
    assert rows[0] == [
        "企业名称",
        "金融机构",
        "产品",
        "申请金额（万元）",
        "状态",
        "申请时档次",
        "申请时成长阶段",
        "地区",
        "提交日期",
    ]
    assert len(rows) == 2
    assert rows[1][:7] == ["绵阳企业", "另一家银行", "", "80.50", "已批准", "B", "成长期"]
    assert rows[1][7] == "涪城区"
    assert AuditEntry.objects.filter(action="export", actor=w["gov"]).count() == before + 1
    xlsx = province.get(url, {"export": "xlsx"})
    assert xlsx.status_code == 200


def test_only_government_reads_it_and_the_menu_groups_it(w: dict[str, Any]) -> None:  # noqa: F811
    url = reverse("lending:gov_list")
    assert _client(w["banker"]).get(url).status_code == 403
    assert _client(w["owner"]).get(url).status_code == 403
    assert "lending:gov_list" in [e.url_name for e in menu.entries(Role.GOVERNMENT)]
    groups = [g for g in menu._groups.values() if g.role == Role.GOVERNMENT]
    finance = next(g for g in groups if str(g.label) == "融资与风险补偿")
    assert "lending:gov_list" in finance.url_names


def _plain_urls(namespace: str) -> list[str]:
    """The namespace's pages that take no argument (lists among them)."""
    pending = list(get_resolver().url_patterns)
    while pending:
        resolver = pending.pop()
        if isinstance(resolver, URLResolver):
            if resolver.namespace == namespace:
                break
            pending.extend(resolver.url_patterns)
    else:
        raise AssertionError(namespace)
    return [
        reverse(f"{namespace}:{p.name}")
        for p in resolver.url_patterns
        if isinstance(p, URLPattern) and p.name and not p.pattern.converters
    ]


@pytest.mark.parametrize("namespace", ["lending", "programmes", "applications", "targets"])
def test_no_filter_bar_shows_dashes(
    w: dict[str, Any],  # noqa: F811
    apps: dict[str, Any],
    namespace: str,
) -> None:
    users = [w["gov"], w["banker"], w["owner"]]
    drawn = 0
    for url in _plain_urls(namespace):
        for user in users:
            page = _client(user).get(url)
            if page.status_code != 200 or "html" not in page.get("Content-Type", ""):
                continue
            body = page.content.decode()
            if 'class="filter-bar"' not in body:
                continue  # not a list page (an edit form's required choice is another matter)
            drawn += 1
            bar = body.split('class="filter-bar"')[1].split("</form>")[0]
            assert "---------" not in bar, (url, user.username)
    assert drawn or namespace != "lending"


def test_the_empty_choice_reads_all(w: dict[str, Any], apps: dict[str, Any]) -> None:  # noqa: F811
    page = _client(w["banker"]).get(reverse("lending:bank_list"))
    assert '<option value="" selected>全部</option>' in page.content.decode()
    english = _client(w["gov"]).get("/en" + reverse("lending:gov_list"))
    assert english.status_code == 200
    assert '<option value="" selected>All</option>' in english.content.decode()
