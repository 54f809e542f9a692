"""Supervision of divisions (issue 18 §4), hand-computed on a tiny world.

Sources: 四川省税务局 (tax) and 科技厅 (sti) only. Chengdu (510100): 锦江区 E1 (80 points, data
coverage 0.9), E2 (60, 0.6); 武侯区 E3 (40, 0.3), E4 (not scored). Zigong (510300): 自流井区
E5 (70, 0.8), E6 (not scored). One published run of 2025.

Deliveries of period 2025 (due 2026-06-30 by default; Zigong's tax data by 2026-04-30): the
tax file, imported 2026-05-01, carried E1 and E5; the sti file, imported 2026-07-15, carried
E3; an sti file of 2024 carried E5 (another period). So on 2026-12-01: Chengdu tax on time,
sti 15 days late (timeliness 1/2 = 50 %); Zigong tax 1 day late, sti missing (0/2 = 0 %).

Financing disbursed in 2025: E1 loan 500 万元, E2 investment 300 万元 (Chengdu 500 + 300 =
800); E5 loan 100 万元 repaid (Zigong 100); not counted: E3's loan of 2024-12-31 and E5's
rejected application."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.utils import timezone

from innopoints.accounts.models import Profile, Role
from innopoints.analysis.models import Leaderboard
from innopoints.applications.models import Financing
from innopoints.collection.models import DataSource, DeliveryAttempt, FactValue, ImportBatch
from innopoints.registry.models import Enterprise, Institution, Region
from innopoints.scoring.models import Result, Run, SchemeVersion
from innopoints.targets import deliveries, supervision
from innopoints.targets.models import DeliveryDeadline, Target, WorkSummary
from tests.conftest import codes

AFTER = dt.date(2026, 12, 1)  # every deadline of the world has passed
BEFORE = dt.date(2026, 6, 1)  # the default deadline has not


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def _user(name: str, role: str, **profile: Any) -> Any:
    user = get_user_model().objects.create_user(name, f"{name}@example.invalid", "pw")
    Profile.objects.create(user=user, role=role, **profile)
    return user


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(4, 0), tzinfo=dt.UTC)  # noon in Chengdu


def _batch(source: DataSource, period: str, day: dt.date, enterprises: list[Enterprise]) -> None:
    batch = ImportBatch.objects.create(
        source=source, period=period, file_name=f"{source.code}.csv", sha256=f"{source.code}{day}"
    )
    ImportBatch.objects.filter(pk=batch.pk).update(imported_at=_at(day))
    FactValue.objects.bulk_create(
        FactValue(
            enterprise=e, period=period, field_code="employees", value=1, source=source, batch=batch
        )
        for e in enterprises
    )


@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    admin = get_user_model().objects.create_superuser("root", "r@example.invalid", "pw")
    DataSource.objects.filter(manual=False).exclude(code__in=["tax", "sti"]).delete()
    tax, sti = DataSource.objects.get(code="tax"), DataSource.objects.get(code="sti")
    jj, wh, zlj = (Region.objects.get(code=c) for c in ("510104", "510107", "510302"))
    cc_jj, cc_wh, cc_zlj = codes(2, "510104"), codes(2, "510107"), codes(2, "510302")
    e = {
        1: Enterprise.objects.create(credit_code=cc_jj[0], name="一号科技", region=jj),
        2: Enterprise.objects.create(credit_code=cc_jj[1], name="二号科技", region=jj),
        3: Enterprise.objects.create(credit_code=cc_wh[0], name="三号科技", region=wh),
        4: Enterprise.objects.create(credit_code=cc_wh[1], name="四号科技", region=wh),
        5: Enterprise.objects.create(credit_code=cc_zlj[0], name="五号科技", region=zlj),
        6: Enterprise.objects.create(credit_code=cc_zlj[1], name="六号科技", region=zlj),
    }
    run = Run.objects.create(
        period="2025",
        scheme_version=SchemeVersion.objects.get(scheme_id="sichuan-2025"),
        status="done",
        started_by=admin,
        n_enterprises=4,
        finished_at=timezone.now(),
    )
    for rank, (k, total, coverage) in enumerate(
        [(1, 80.0, 0.9), (5, 70.0, 0.8), (2, 60.0, 0.6), (3, 40.0, 0.3)], 1
    ):
        Result.objects.create(
            run=run,
            enterprise=e[k],
            stage="growth",
            base=total,
            bonus=0.0,
            total=total,
            vetoed=False,
            rank=rank,
            tier="A",
            region_code=e[k].region_id,
            coverage=coverage,
        )
    Leaderboard.objects.bulk_create(
        [
            Leaderboard(
                run=run,
                title="全省榜",
                status="published",
                published_at=timezone.now(),
                published_by=admin,
            )
        ]
    )
    bank = Institution.objects.create(name="甲银行", kind="bank")

    def financing(k: int, kind: str, amount: str, status: str, on: dt.date) -> None:
        Financing.objects.create(
            enterprise=e[k],
            institution=bank,
            kind=kind,
            applied_on=on - dt.timedelta(days=20),
            amount_requested=Decimal(amount),
            status=status,
            amount=Decimal(amount),
            disbursed_on=on if status != "rejected" else None,
            decided_on=on,
            recorded_by=admin,
        )

    financing(1, "loan", "500", "disbursed", dt.date(2025, 3, 1))
    financing(2, "investment", "300", "disbursed", dt.date(2025, 5, 1))
    financing(3, "loan", "1000", "disbursed", dt.date(2024, 12, 31))
    financing(5, "loan", "100", "repaid", dt.date(2025, 7, 1))
    financing(5, "loan", "200", "rejected", dt.date(2025, 8, 1))
    zigong = Region.objects.get(code="510300")
    DeliveryDeadline.objects.create(
        source=tax, division=zigong, period="2025", due_on=dt.date(2026, 4, 30)
    )
    _batch(tax, "2025", dt.date(2026, 5, 1), [e[1], e[5]])
    _batch(sti, "2025", dt.date(2026, 7, 15), [e[3]])
    _batch(sti, "2024", dt.date(2025, 5, 1), [e[5]])
    Target.objects.create(
        division_id="510100",
        year=2025,
        enterprises_scored=6,
        loan_volume=Decimal(1),
        direct_financing=Decimal(1),
    )
    province = Region.objects.get(code="510000")
    return {
        "admin": admin,
        "e": e,
        "tax": tax,
        "sti": sti,
        "province": _user("sichuan", Role.GOVERNMENT, region=province),
        "chengdu": _user("chengdu", Role.GOVERNMENT, region=Region.objects.get(code="510100")),
        "zigong": _user("zigong", Role.GOVERNMENT, region=zigong),
        "jinjiang": _user("jinjiang", Role.GOVERNMENT, region=jj),
        "bank": _user("banker", Role.INSTITUTION, institution=bank),
    }


def _cities() -> list[Region]:
    return [Region.objects.get(code="510100"), Region.objects.get(code="510300")]


# --- deadlines and the delivery board ------------------------------------------------------


def test_the_default_deadline_is_30_june_of_the_next_year() -> None:
    assert deliveries.default_due("2025") == dt.date(2026, 6, 30)
    assert deliveries.default_due("2025H1") == dt.date(2026, 6, 30)
    assert deliveries.default_due("2024Q3") == dt.date(2025, 6, 30)


@pytest.mark.parametrize(
    ("due", "delivered", "today", "status"),
    [
        (dt.date(2026, 6, 30), dt.date(2026, 6, 30), AFTER, "received"),  # on the day: on time
        (dt.date(2026, 6, 30), dt.date(2026, 7, 1), AFTER, "late"),
        (dt.date(2026, 6, 30), None, dt.date(2026, 7, 1), "missing"),
        (dt.date(2026, 6, 30), None, dt.date(2026, 6, 30), "expected"),
    ],
)
def test_status_of_one_delivery(
    due: dt.date, delivered: dt.date | None, today: dt.date, status: str
) -> None:
    at = _at(delivered) if delivered else None
    assert deliveries.status_of(due, at, today) == status


def test_board_of_the_province_after_every_deadline(world: dict[str, Any]) -> None:
    board = deliveries.board(_cities(), "2025", AFTER)
    tax, sti = world["tax"].pk, world["sti"].pk
    cell = board.cells
    assert [s.code for s in board.sources] == ["sti", "tax"]
    assert cell[(tax, "510100")].status == "received"
    assert cell[(tax, "510100")].due_on == dt.date(2026, 6, 30)
    assert cell[(sti, "510100")].status == "late"
    assert cell[(sti, "510100")].days_late == 15
    assert cell[(tax, "510300")].status == "late"  # Zigong's own, earlier deadline
    assert cell[(tax, "510300")].due_on == dt.date(2026, 4, 30)
    assert cell[(tax, "510300")].days_late == 1
    assert cell[(sti, "510300")].status == "missing"  # its 2024 file is another period
    chengdu, zigong = _cities()
    assert board.timeliness(chengdu) == 50.0
    assert board.timeliness(zigong) == 0.0
    assert board.counts() == {
        "expected": 0,
        "received": 1,
        "late": 2,
        "missing": 1,
        "refused": 0,
    }
    # a batch of 科技厅 for 2025 refused whole (nothing stored): Zigong, which has nothing of
    # it, is refused, not missing; Chengdu keeps its late delivery; Zigong's timeliness counts
    # the refusal as due: 0 on time ÷ (1 late + 1 refused) = 0 %
    DeliveryAttempt.objects.create(
        source=world["sti"], period="2025", channel="api", outcome="refused"
    )
    again = deliveries.board(_cities(), "2025", AFTER)
    assert again.cells[(sti, "510300")].status == "refused"
    assert again.cells[(sti, "510100")].status == "late"
    assert again.counts()["refused"] == 1 and again.counts()["missing"] == 0
    assert again.timeliness(zigong) == 0.0 and again.timeliness(chengdu) == 50.0
    # not yet due, the refusal does not count: Zigong 0 on time ÷ 1 late (tax) = 0 %; a
    # refusal of another period changes nothing
    before = deliveries.board(_cities(), "2025", BEFORE)
    assert before.cells[(sti, "510300")].status == "refused"
    assert deliveries.board(_cities(), "2024", AFTER).counts()["refused"] == 0


def test_board_before_the_default_deadline(world: dict[str, Any]) -> None:
    board = deliveries.board(_cities(), "2025", BEFORE)
    assert board.cells[(world["sti"].pk, "510300")].status == "expected"
    _, zigong = _cities()
    assert board.timeliness(zigong) == 0.0  # only the tax delivery (late) is due
    assert deliveries.board([zigong], "2026", BEFORE).timeliness(zigong) is None


def test_a_county_inherits_its_city_deadline_and_sees_its_own_enterprises(
    world: dict[str, Any],
) -> None:
    counties = [Region.objects.get(code=c) for c in ("510104", "510107", "510302")]
    cells = deliveries.board(counties, "2025", AFTER).cells
    tax, sti = world["tax"].pk, world["sti"].pk
    assert cells[(tax, "510104")].status == "received"
    assert cells[(sti, "510104")].status == "missing"
    assert cells[(tax, "510107")].status == "missing"
    assert cells[(sti, "510107")].status == "late"
    assert cells[(tax, "510302")].due_on == dt.date(2026, 4, 30)
    assert cells[(tax, "510302")].status == "late"


def test_work_summaries_are_due_with_the_data(world: dict[str, Any]) -> None:
    chengdu = _cities()[0]
    WorkSummary.objects.create(division=chengdu, year=2025, text="x", uploaded_by=world["chengdu"])
    after = deliveries.summaries_due(_cities(), "2025", AFTER)
    assert after == {"510100": ("submitted", "待审阅"), "510300": ("missing", "未提交")}
    before = deliveries.summaries_due(_cities(), "2025", BEFORE)
    assert before["510300"] == ("expected", "待提交")


def test_batches_are_counted_once(world: dict[str, Any]) -> None:
    from innopoints.targets.models import BatchDivision  # noqa: PLC0415

    deliveries.board(_cities(), "2025", AFTER)
    n = BatchDivision.objects.count()
    assert n == 3  # tax: 510104, 510302; sti 2025: 510107; sti 2024: not yet asked
    deliveries.board(_cities(), "2025", AFTER)
    assert BatchDivision.objects.count() == n


# --- figures, ranking, trend ---------------------------------------------------------------


def test_figures_of_the_cities(world: dict[str, Any]) -> None:
    rows = {
        r.division.code: r for r in supervision.figures(world["province"], _cities(), 2025, AFTER)
    }
    cd, zg = rows["510100"], rows["510300"]
    assert (cd.registered, cd.scored, cd.coverage) == (4, 3, 75.0)
    assert cd.authorised == pytest.approx(60.0)  # (0.9 + 0.6 + 0.3) / 3
    assert (cd.mean_score, cd.median_score) == (60.0, 60.0)
    assert (cd.loans, cd.direct, cd.financing) == (Decimal(500), Decimal(300), Decimal(800))
    assert cd.timeliness == 50.0
    assert cd.target_share == 50.0  # 3 of the target's 6
    assert (zg.registered, zg.scored, zg.coverage) == (2, 1, 50.0)
    assert zg.authorised == pytest.approx(80.0)
    assert (zg.mean_score, zg.median_score) == (70.0, 70.0)
    assert (zg.loans, zg.direct) == (Decimal(100), Decimal(0))
    assert zg.timeliness == 0.0
    assert zg.target_share is None


def test_ranking_by_each_metric(world: dict[str, Any]) -> None:
    rows = supervision.figures(world["province"], _cities(), 2025, AFTER)

    def order(metric: str) -> list[tuple[int | None, str]]:
        return [(rank, r.division.code) for rank, r in supervision.ranked(rows, metric)]

    assert order("coverage") == [(1, "510100"), (2, "510300")]
    assert order("mean_score") == [(1, "510300"), (2, "510100")]
    assert order("authorised") == [(1, "510300"), (2, "510100")]
    assert order("financing") == [(1, "510100"), (2, "510300")]
    assert order("timeliness") == [(1, "510100"), (2, "510300")]


def test_equal_values_share_a_rank_and_missing_ones_come_last(world: dict[str, Any]) -> None:
    base = supervision.figures(world["province"], _cities(), 2025, AFTER)[0]
    values = {"510700": 50.0, "510100": 80.0, "510300": 50.0, "510400": None, "510500": 20.0}
    rows = [
        supervision.Figures(
            **{**base.__dict__, "division": Region.objects.get(code=c), "timeliness": v}
        )
        for c, v in values.items()
    ]
    ranked = [(rank, r.division.code) for rank, r in supervision.ranked(rows, "timeliness")]
    assert ranked == [
        (1, "510100"),
        (2, "510300"),
        (2, "510700"),
        (4, "510500"),
        (None, "510400"),
    ]


def test_a_year_without_a_run_has_no_scores(world: dict[str, Any]) -> None:
    rows = supervision.figures(world["province"], _cities(), 2024, AFTER)
    assert [(r.scored, r.coverage, r.mean_score) for r in rows] == [(None, None, None)] * 2
    assert rows[0].loans == Decimal(1000)  # E3's loan of 2024-12-31


def test_trend_over_years(world: dict[str, Any]) -> None:
    series = supervision.trend(world["province"], _cities(), [2024, 2025], "coverage", AFTER)
    assert series == {"510100": [None, 75.0], "510300": [None, 50.0]}


# --- scope and permissions -----------------------------------------------------------------


def test_who_supervises_whom(world: dict[str, Any]) -> None:
    def codes_of(user: Any) -> list[str]:
        return [d.code for d in deliveries.supervised_divisions(user)]

    cities = codes_of(world["province"])
    assert len(cities) == 21 and {"510100", "510300"} <= set(cities)
    assert all(c.startswith("51") and c.endswith("00") for c in cities)
    assert codes_of(world["admin"]) == cities
    counties = codes_of(world["chengdu"])
    assert "510104" in counties and "510107" in counties
    assert all(c.startswith("5101") and c != "510100" for c in counties)
    assert codes_of(world["jinjiang"]) == ["510104"]
    assert codes_of(world["bank"]) == []


def test_permissions(world: dict[str, Any]) -> None:
    province, chengdu, zigong, jinjiang = (
        world[k] for k in ("province", "chengdu", "zigong", "jinjiang")
    )
    cd, bj = Region.objects.get(code="510100"), Region.objects.get(code="110000")
    assert province.has_perm("targets.set_deadline", cd)
    assert not province.has_perm("targets.set_deadline", bj)
    assert not chengdu.has_perm("targets.set_deadline", cd)
    assert chengdu.has_perm("targets.upload_summary", cd)
    assert not chengdu.has_perm("targets.upload_summary", Region.objects.get(code="510300"))
    assert not province.has_perm("targets.upload_summary", Region.objects.get(code="510000"))
    mine = WorkSummary(division=cd, year=2025, text="x")
    county = WorkSummary(division_id="510104", year=2025, text="x")
    assert province.has_perm("targets.review_summary", mine)
    assert not chengdu.has_perm("targets.review_summary", mine)
    assert chengdu.has_perm("targets.review_summary", county)
    assert not jinjiang.has_perm("targets.review_summary", county)
    assert not zigong.has_perm("targets.view_summary", mine)
    assert chengdu.has_perm("targets.view_summary", county)
    assert not world["bank"].has_perm("targets.view_supervision")


# --- pages, per role -----------------------------------------------------------------------


def test_province_pages(world: dict[str, Any]) -> None:
    client = _client(world["province"])
    html = client.get("/targets/supervision/?year=2025&metric=coverage").content.decode()
    assert "成都市" in html and "自贡市" in html and "75.0" in html
    assert "510100" not in html
    board = client.get("/targets/supervision/deliveries/?period=2025").content.decode()
    assert "四川省税务局" in board and "科技厅" in board
    assert "逾期报送" in board and "按时报送" in board
    unsent = board.count('data-summary="missing"') + board.count('data-summary="expected"')
    assert unsent == 21  # no city has sent its summary (missing or not yet due, by the date)
    assert "510300" not in board
    assert client.get("/targets/supervision/deadlines/").status_code == 200


def test_province_sets_a_deadline_for_every_source(world: dict[str, Any]) -> None:
    client = _client(world["province"])
    response = client.post(
        "/targets/supervision/deadlines/",
        {"source": "", "division": "510300", "period": "2025", "due_on": "2026-07-31"},
    )
    assert response.status_code == 302
    assert sorted(
        DeliveryDeadline.objects.filter(division_id="510300").values_list("source__code", "due_on")
    ) == [("sti", dt.date(2026, 7, 31)), ("tax", dt.date(2026, 7, 31))]
    cells = deliveries.board(_cities(), "2025", AFTER).cells
    assert cells[(world["tax"].pk, "510300")].status == "received"
    refused = client.post(
        "/targets/supervision/deadlines/",
        {"source": "", "division": "110000", "period": "2025", "due_on": "2026-07-31"},
    )
    assert refused.status_code == 200  # not a choice
    assert not DeliveryDeadline.objects.filter(division_id="110000").exists()


def test_city_pages_show_its_counties(world: dict[str, Any]) -> None:
    client = _client(world["chengdu"])
    html = client.get("/targets/supervision/?year=2025").content.decode()
    assert "锦江区" in html and "武侯区" in html and "自贡市" not in html
    board = client.get("/targets/supervision/deliveries/?period=2025").content.decode()
    assert "锦江区" in board and "自流井区" not in board
    assert client.get("/targets/supervision/deadlines/").status_code == 403


def test_county_sees_itself(world: dict[str, Any]) -> None:
    client = _client(world["jinjiang"])
    html = client.get("/targets/supervision/?year=2025").content.decode()
    assert "锦江区" in html and "武侯区" not in html
    assert "100.0" in html  # E1 and E2 both scored


def test_institution_may_not(world: dict[str, Any]) -> None:
    client = _client(world["bank"])
    for path in ("/targets/supervision/", "/targets/supervision/deliveries/"):
        assert client.get(path).status_code == 403


def test_exports_name_divisions_and_sources(world: dict[str, Any]) -> None:
    client = _client(world["province"])
    response = client.get("/targets/supervision/?year=2025&export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:5] == (1, "成都市", 4, 3, 75.0)
    response = client.get("/targets/supervision/deliveries/?period=2025&export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    lines = {(r[0], r[1]): r[5] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert lines[("成都市", "科技厅")] == "逾期报送"
    assert lines[("自贡市", "科技厅")] == "逾期未报"


def _upload(client: Client, content: bytes = b"summary", name: str = "总结.pdf") -> Any:
    return client.post(
        "/targets/supervision/summaries/",
        {"year": "2025", "text": "本年度工作", "file": SimpleUploadedFile(name, content)},
    )


def test_a_city_uploads_a_summary_and_the_province_acknowledges_it(
    world: dict[str, Any],
) -> None:
    assert _upload(_client(world["chengdu"])).status_code == 302
    summary = WorkSummary.objects.get()
    assert (summary.division_id, summary.year, summary.status) == ("510100", 2025, "submitted")
    province = _client(world["province"])
    assert "成都市" in province.get("/targets/supervision/summaries/").content.decode()
    file = province.get(f"/targets/supervision/summaries/{summary.pk}/file/")
    assert file.content == b"summary" and "attachment" in file["Content-Disposition"]
    returned = province.post(
        f"/targets/supervision/summaries/{summary.pk}/", {"decision": "returned", "note": ""}
    )
    assert returned.status_code == 200  # a return needs a note
    done = province.post(
        f"/targets/supervision/summaries/{summary.pk}/",
        {"decision": "acknowledged", "note": "已阅"},
    )
    assert done.status_code == 302
    summary.refresh_from_db()
    assert (summary.status, summary.reviewed_by) == ("acknowledged", world["province"])
    zigong = _client(world["zigong"])
    assert zigong.get(f"/targets/supervision/summaries/{summary.pk}/").status_code == 403
    assert "成都市" not in zigong.get("/targets/supervision/summaries/").content.decode()
    chengdu = _client(world["chengdu"])
    own = chengdu.post(f"/targets/supervision/summaries/{summary.pk}/", {"decision": "returned"})
    assert own.status_code == 403  # a division does not review itself


@override_settings(INNOPOINTS_MAX_SUMMARY_BYTES=10)
def test_a_summary_over_the_limit_or_of_another_kind_is_refused(world: dict[str, Any]) -> None:
    client = _client(world["jinjiang"])
    assert _upload(client, b"x" * 11).status_code == 200
    assert _upload(client, b"x", "run.exe").status_code == 200
    assert not WorkSummary.objects.exists()
    assert _upload(client, b"x" * 10).status_code == 302
    assert WorkSummary.objects.get().division_id == "510104"
    assert _upload(_client(world["province"])).status_code == 403  # the province does not


def test_english_pages(world: dict[str, Any]) -> None:
    client = _client(world["province"])
    html = client.get("/en/targets/supervision/deliveries/?period=2025").content.decode()
    assert "Chengdu" in html and "Late" in html
