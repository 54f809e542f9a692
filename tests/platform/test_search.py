"""The search in every portal header (issue 18 §2): enterprises by a part of the name, the
credit code, the legal representative and the pinyin initials, within what the user may see;
the indexes behind it on both databases (FTS5 on SQLite, pg_trgm and the pieces index on
PostgreSQL); division names in filters.

The world: 成都华智科技有限公司 (武侯区, 张小伟), 成都蜀锦生物医药有限公司 (锦江区, 王芳),
自贡华智新材料有限公司 (自流井区, 李明), 绵阳长虹电器股份有限公司 (涪城区, 赵勇)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.urls import reverse

from innopoints.accounts.models import Profile, Role
from innopoints.analysis.board_filters import parse_filter
from innopoints.collection.importing import import_file
from innopoints.collection.models import Authorisation, DataSource
from innopoints.registry import search
from innopoints.registry.initials import initials
from innopoints.registry.models import Enterprise, Institution, Region
from innopoints.registry.regions import UnknownRegion, resolve_prefix
from innopoints.registry.search_index import FTS
from innopoints.site import names
from tests.conftest import codes
from tests.platform.conftest import csv_bytes

FIRMS = {  # name: (region, legal representative)
    "成都华智科技有限公司": ("510107", "张小伟"),
    "成都蜀锦生物医药有限公司": ("510104", "王芳"),
    "自贡华智新材料有限公司": ("510302", "李明"),
    "绵阳长虹电器股份有限公司": ("510703", "赵勇"),
}


@pytest.fixture
def firms(db: Any) -> dict[str, Enterprise]:
    made = {}
    for name, (region, representative) in FIRMS.items():
        made[name] = Enterprise.objects.create(
            credit_code=codes(1, region)[0],
            name=name,
            legal_representative=representative,
            region=Region.objects.get(code=region),
        )
    return made


def _found(text: str, within: Any = None) -> set[str]:
    enterprises = within if within is not None else Enterprise.objects.all()
    return set(
        Enterprise.objects.filter(pk__in=search.find(enterprises, text).ids).values_list(
            "name", flat=True
        )
    )


def _user(name: str, role: str, **profile: Any) -> Any:
    user = get_user_model().objects.create_user(name, f"{name}@example.invalid", "pw")
    Profile.objects.create(user=user, role=role, **profile)
    return user


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# ---------------------------------------------------------------- the matcher


def test_initials_of_names() -> None:
    assert initials("成都华智科技有限公司") == "CDHZKJYXGS"
    assert initials("TCL科技集团（四川）有限公司") == "TCLKJJTSCYXGS"
    assert initials("") == "" and initials(None) == ""


def test_initials_are_kept_on_save(firms: dict[str, Enterprise]) -> None:
    firm = firms["绵阳长虹电器股份有限公司"]
    assert Enterprise.objects.get(pk=firm.pk).initials == "MYCHDQGFYXGS"
    firm.name = "绵阳长虹新能源有限公司"
    firm.save(update_fields=["name"])
    assert Enterprise.objects.get(pk=firm.pk).initials == "MYCHXNYYXGS"
    # the index follows: the new name is found, the old one no more
    assert _found("新能源") == {"绵阳长虹新能源有限公司"}
    assert _found("电器股份") == set()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("华智", {"成都华智科技有限公司", "自贡华智新材料有限公司"}),  # two characters
        ("华智科技", {"成都华智科技有限公司"}),  # a trigram and more
        ("华 智 科 技", {"成都华智科技有限公司"}),  # spaces typed between
        ("智", {"成都华智科技有限公司", "自贡华智新材料有限公司"}),  # one character
        ("hzkj", {"成都华智科技有限公司"}),  # pinyin initials, any case
        ("ZGHZ", {"自贡华智新材料有限公司"}),
        ("HZ", {"成都华智科技有限公司", "自贡华智新材料有限公司"}),
        ("张小伟", {"成都华智科技有限公司"}),  # the legal representative
        ("李明", {"自贡华智新材料有限公司"}),
        ("火星", set()),
    ],
)
def test_find_by_name_initials_and_representative(
    firms: dict[str, Enterprise], text: str, expected: set[str]
) -> None:
    assert _found(text) == expected


def test_find_by_credit_code_whole_or_its_beginning(firms: dict[str, Enterprise]) -> None:
    firm = firms["自贡华智新材料有限公司"]
    assert _found(firm.credit_code) == {firm.name}
    assert _found(firm.credit_code.lower()) == {firm.name}
    assert firm.name in _found(firm.credit_code[:12])
    with pytest.raises(search.EmptyQuery):
        search.find(Enterprise.objects.all(), "  ")


def test_find_stays_within_the_queryset_and_caps(firms: dict[str, Enterprise]) -> None:
    chengdu = Enterprise.objects.filter(region__code__startswith="5101")
    assert _found("华智", chengdu) == {"成都华智科技有限公司"}
    assert _found("李明", chengdu) == set()
    found = search.find(Enterprise.objects.all(), "有限公司", cap=2)
    assert len(found.ids) == 2 and found.capped
    assert not search.find(Enterprise.objects.all(), "华智", cap=3).capped


def test_the_database_index_answers(firms: dict[str, Enterprise]) -> None:
    """SQLite: the FTS5 table holds every enterprise, kept by its triggers on insert, update
    and delete. PostgreSQL: both GIN indexes exist and the planner uses them."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s", ['"生物医药"'])
            assert [r[0] for r in cursor.fetchall()] == [firms["成都蜀锦生物医药有限公司"].pk]
            Enterprise.objects.filter(name__contains="蜀锦").delete()
            cursor.execute(f"SELECT count(*) FROM {FTS} WHERE {FTS} MATCH %s", ['"生物医药"'])
            assert cursor.fetchone()[0] == 0
            return
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'registry_enterprise' "
            "AND indexname LIKE 'registry_enterprise_search%%'"
        )
        assert {r[0] for r in cursor.fetchall()} == {
            "registry_enterprise_search_trgm",
            "registry_enterprise_search_bigrams",
        }
        cursor.execute("SET LOCAL enable_seqscan = off")  # four rows: force the index
        for text, index in (("华智科技", "trgm"), ("华智", "bigrams")):
            query = Enterprise.objects.filter(search.condition(text, "postgresql"))
            plan = query.order_by().values("pk").explain()
            assert f"registry_enterprise_search_{index}" in plan, plan


def test_the_registration_import_stores_representative_and_initials(db: Any) -> None:
    header = ["统一社会信用代码", "企业名称", "法定代表人", "成立日期", "行政区划代码"]
    rows = [
        [code, name, rep, "2019-03-01", "510107"]
        for code, (name, rep) in zip(
            codes(2, "510107"),
            [("成都华智科技有限公司", "张小伟"), ("成都天府软件有限公司", "刘洋")],
            strict=True,
        )
    ]
    samr = DataSource.objects.get(code="samr")
    import_file(samr, "2025", "samr.csv", csv_bytes(header, rows))
    stored = dict(Enterprise.objects.values_list("name", "initials"))
    assert stored == {"成都华智科技有限公司": "CDHZKJYXGS", "成都天府软件有限公司": "CDTFRJYXGS"}
    assert _found("刘洋") == {"成都天府软件有限公司"}
    assert _found("天府软件") == {"成都天府软件有限公司"}  # the bulk path is indexed too
    assert _found("TFRJ") == {"成都天府软件有限公司"}


# ---------------------------------------------------------------- scope


def _listed(client: Client, **query: str) -> list[str]:
    page = client.get(reverse("analysis:enterprise-search"), query)
    assert page.status_code == 200
    return sorted(row.record.name for row in page.context["listing"].table.paginated_rows)


def test_a_city_user_never_finds_enterprises_outside_its_division(
    firms: dict[str, Enterprise],
) -> None:
    chengdu = _client(_user("chengdu", Role.GOVERNMENT, region_id="510100"))
    sichuan = _client(_user("sichuan", Role.GOVERNMENT, region_id="510000"))
    assert _listed(chengdu, q="华智") == ["成都华智科技有限公司"]
    assert _listed(sichuan, q="华智") == ["成都华智科技有限公司", "自贡华智新材料有限公司"]
    for text in ("李明", "ZGHZ", "新材料", firms["自贡华智新材料有限公司"].credit_code[:12]):
        assert _listed(chengdu, q=text) == [], text
    # the suggestions obey the same scope
    html = chengdu.get(reverse("analysis:enterprise-search"), {"q": "华智", "suggest": "1"})
    assert "成都华智科技有限公司" in html.content.decode()
    assert "自贡" not in html.content.decode()


def test_an_institution_finds_only_the_enterprises_that_authorised_it(
    firms: dict[str, Enterprise],
) -> None:
    bank = Institution.objects.create(name="成都银行", kind="bank")
    Authorisation.objects.create(
        enterprise=firms["自贡华智新材料有限公司"], institution=bank, valid_from=dt.date(2025, 1, 1)
    )
    banker = _client(_user("banker", Role.INSTITUTION, institution=bank))
    page = banker.get(reverse("portals:fin_search"), {"q": "华智"})
    rows = [row.record for row in page.context["listing"].table.rows]
    assert [(r["name"], r["region"], r["authorised"]) for r in rows] == [
        ("自贡华智新材料有限公司", "自流井区", True)
    ]
    assert banker.get(reverse("portals:fin_search"), {"q": "张小伟"}).context["listing"].count == 0


# ---------------------------------------------------------------- division names


def test_division_names_resolve_to_codes(db: Any) -> None:
    assert resolve_prefix("成都") == "5101"
    assert resolve_prefix("成都市") == "5101"
    assert resolve_prefix("武侯区") == "510107"
    assert resolve_prefix("四川") == "51"
    assert resolve_prefix("510100") == "5101"
    assert names.region_prefix("5101") == "5101"
    with pytest.raises(UnknownRegion, match="没有名为“火星市”的行政区划"):
        resolve_prefix("火星市")
    with pytest.raises(UnknownRegion, match="可指多个"):
        resolve_prefix("朝阳区")  # in Beijing and in Changchun
    assert resolve_prefix("朝阳区", within="11") == "110105"
    assert parse_filter("地区=成都；档次=A")["region"] == ["5101"]
    with pytest.raises(ValueError, match="火星"):
        parse_filter("地区=火星")


def test_region_filters_take_names_and_refuse_unknown_ones(
    firms: dict[str, Enterprise],
) -> None:
    sichuan = _client(_user("sichuan", Role.GOVERNMENT, region_id="510000"))
    both = ["成都华智科技有限公司", "成都蜀锦生物医药有限公司"]
    assert _listed(sichuan, q="有限公司", region="成都") == both
    assert _listed(sichuan, q="有限公司", region="成都市") == both
    assert _listed(sichuan, q="有限公司", region="510100") == both
    assert _listed(sichuan, q="有限公司", region="武侯区") == ["成都华智科技有限公司"]
    page = sichuan.get(reverse("analysis:enterprise-search"), {"q": "华智", "region": "火星市"})
    assert "没有名为“火星市”的行政区划" in page.content.decode()
    assert page.context["listing"].count == 0


# ---------------------------------------------------------------- the header box


@pytest.mark.parametrize(
    ("role", "url_name"),
    [
        (Role.GOVERNMENT, "analysis:enterprise-search"),
        (Role.INSTITUTION, "portals:fin_search"),
        (Role.ENTERPRISE, "portals:ent_search"),
    ],
)
def test_every_portal_header_has_the_search_box(
    firms: dict[str, Enterprise], role: str, url_name: str
) -> None:
    profile: dict[str, Any] = {
        Role.GOVERNMENT: {"region_id": "510100"},
        Role.INSTITUTION: {"institution": Institution.objects.create(name="行", kind="bank")},
        Role.ENTERPRISE: {"enterprise": firms["成都华智科技有限公司"]},
    }[role]
    client = _client(_user(f"u-{role}", role, **profile))
    html = client.get(reverse(url_name)).content.decode()
    url = reverse(url_name)
    # a plain GET form (works without JavaScript) with htmx suggestions on top
    assert f'role="search" method="get" action="{url}"' in html
    assert 'id="site-search-q" name="q"' in html and f'hx-get="{url}"' in html


def test_the_enterprise_box_finds_its_own_pages(firms: dict[str, Enterprise]) -> None:
    client = _client(_user("firm", Role.ENTERPRISE, enterprise=firms["成都华智科技有限公司"]))
    page = client.get(reverse("portals:ent_search"), {"q": "授权"})
    assert [p.url for p in page.context["pages"]] == [reverse("portals:ent_authorisations")]
    by_initials = client.get(reverse("portals:ent_search"), {"q": "sqgl"}).context["pages"]
    assert [p.label for p in by_initials] == ["授权管理"]
    english = client.get("/en" + reverse("portals:ent_search"), {"q": "authoris"})
    assert reverse("portals:ent_authorisations") in english.content.decode()
    hint = client.get(reverse("portals:ent_search"), {"q": "授权", "suggest": "1"})
    assert reverse("portals:ent_authorisations") in hint.content.decode()
