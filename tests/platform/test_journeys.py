"""Journeys that failed on their defaults (issue 14 §2, §5, §7): each test fails on the old
code. Browser behaviour (required fields, date inputs) is in test_browser_journeys.py."""

from __future__ import annotations

import datetime as dt
import math
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse

from innopoints.analysis.publication import official_run
from innopoints.applications.match_and_push import _match_and_push
from innopoints.applications.models import Dispatch, Push
from innopoints.collection.models import Authorisation
from innopoints.registry.models import Enterprise, Region
from innopoints.scoring.models import Result, Run, SchemeVersion
from tests.conftest import codes
from tests.platform.conftest import published_board, scored_run
from tests.platform.test_matching import _client, _publish, world, world_once  # noqa: F401

UTC = dt.UTC


def test_a_grant_starting_today_counts_at_two_in_the_morning_beijing_time(
    world: dict[str, Any],  # noqa: F811
) -> None:
    """02:00 on 4 December in Beijing is 18:00 on 3 December UTC: a grant that starts on the
    4th is in force for the nightly job; one that ended on the 3rd is not."""
    run, bank, loan = world["run"], world["bank"], world["loan"]
    eligible = (
        Result.objects.filter(run=run, vetoed=False, tier__in=["A", "B"])
        .exclude(enterprise=world["mine"])
        .order_by("rank")
    )
    starting, ended = eligible[0].enterprise, eligible[1].enterprise
    Authorisation.objects.create(
        enterprise=starting, institution=bank, valid_from=dt.date(2026, 12, 4)
    )
    Authorisation.objects.create(
        enterprise=ended,
        institution=bank,
        valid_from=dt.date(2026, 1, 1),
        valid_to=dt.date(2026, 12, 3),
    )
    with transaction.atomic():
        _match_and_push(run, now=dt.datetime(2026, 12, 3, 18, 0, tzinfo=UTC))
    told = set(
        Push.objects.filter(offering=loan, institution_notified=True).values_list(
            "enterprise_id", flat=True
        )
    )
    assert told == {world["mine"].pk, starting.pk}


def test_the_bank_list_marks_only_grants_in_force(world: dict[str, Any]) -> None:  # noqa: F811
    run, bank, admin = world["run"], world["bank"], world["admin"]
    board = _publish(run, admin)
    dispatch = Dispatch.objects.create(board=board, institution=bank, sent_by=admin)
    listed = [
        r.enterprise
        for r in Result.objects.filter(run=run, vetoed=False, rank__lte=20)
        .exclude(enterprise=world["mine"])
        .select_related("enterprise")
        .order_by("rank")[:2]
    ]
    Authorisation.objects.create(
        enterprise=listed[0],
        institution=bank,
        valid_from=dt.date(2024, 1, 1),
        valid_to=dt.date(2024, 12, 31),
    )
    Authorisation.objects.create(
        enterprise=listed[1], institution=bank, valid_from=dt.date(2024, 1, 1)
    )
    page = _client(world["banker"]).get(reverse("portals:fin_list", args=[dispatch.pk]))
    html = page.content.decode()
    expired = reverse("portals:fin_enterprise", args=[listed[0].pk])
    current = reverse("portals:fin_enterprise", args=[listed[1].pk])
    assert f'href="{current}"' in html
    assert f'href="{expired}"' not in html


# ---------------------------------------------------------------- one official run


class _ById(HTMLParser):
    """Collects the text and links inside the element with one id."""

    VOID = frozenset({"br", "img", "input", "meta", "link", "hr", "col", "source", "wbr"})

    def __init__(self, element_id: str) -> None:
        super().__init__()
        self.element_id, self.depth, self.text, self.links = element_id, 0, [], []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth == 0 and dict(attrs).get("id") == self.element_id:
            self.depth = 1
        elif self.depth and tag not in self.VOID:
            self.depth += 1
        if self.depth and tag == "a":
            self.links.append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag not in self.VOID:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.text.append(data)


def _element(response: Any, element_id: str) -> _ById:
    parser = _ById(element_id)
    parser.feed(response.content.decode())
    return parser


def _text(response: Any, element_id: str) -> str:
    """The text of the element with this id (tags stripped, spaces collapsed)."""
    return " ".join("".join(_element(response, element_id).text).split())


def _city_example_run(admin: Any) -> Run:
    """A Chengdu run on an example scheme, finished and published after the province's."""
    from innopoints.scoring import execution  # noqa: PLC0415

    run = Run.objects.create(
        period="2025",
        scheme_version=SchemeVersion.objects.filter(example=True).order_by("scheme_id").first(),
        region=Region.objects.get(code="510100"),
        started_by=admin,
    )
    execution.execute(run)
    assert run.status == "done", run.error
    published_board(run, admin, "成都示例榜", kind="overall", share_to=20)
    return run


def test_government_home_shows_the_official_published_run(
    world: dict[str, Any],  # noqa: F811
) -> None:
    province, admin = world["run"], world["admin"]
    _publish(province, admin)
    city = _city_example_run(admin)
    assert city.created_at > province.created_at
    assert official_run(world["sichuan"]) == province
    page = _client(world["sichuan"]).get(reverse("portals:gov_home"))
    assert f"#{province.pk}" in _text(page, "official-run")
    scored = Result.objects.filter(run=province).count()
    assert f"正式测算参评{scored:,}家" in _text(page, "fig-scored").replace(" ", "")
    # a city user reads the same official run, narrowed to Chengdu
    assert official_run(world["chengdu"]) == province
    page = _client(world["chengdu"]).get(reverse("portals:gov_home"))
    chengdu = Result.objects.filter(run=province, region_code__startswith="5101")
    assert f"#{province.pk}" in _text(page, "official-run")
    assert f"正式测算参评{chengdu.count():,}家" in _text(page, "fig-scored").replace(" ", "")


def test_no_official_run_before_a_province_list_is_published(
    world: dict[str, Any],  # noqa: F811
) -> None:
    _city_example_run(world["admin"])  # published, but a city's run on an example scheme
    assert official_run(world["sichuan"]) is None
    page = _client(world["sichuan"]).get(reverse("portals:gov_home"))
    assert "尚无正式发布的全省测算" in _text(page, "official-run")


def test_tier_stability_compares_consecutive_official_runs_only(
    world: dict[str, Any],  # noqa: F811
) -> None:
    from innopoints.applications.financing_figures import _stability  # noqa: PLC0415

    first, admin = world["run"], world["admin"]
    _publish(first, admin)
    _city_example_run(admin)  # between the two official runs: not compared
    second = scored_run(admin)
    _publish(second, admin, "第二期")
    assert [(s["before"], s["after"]) for s in _stability(None)] == [(first.pk, second.pk)]
    # the same data scored twice: the tiers did not move
    assert _stability(None)[0]["psi"] == pytest.approx(0.0, abs=1e-9)


# ---------------------------------------------------------------- actions a user may take


def test_send_to_institutions_is_offered_only_to_who_may_send(
    world: dict[str, Any],  # noqa: F811
) -> None:
    board = _publish(world["run"], world["admin"])  # a province-wide list
    send = reverse("portals:gov_send_list", args=[board.pk])
    for who, allowed in (("sichuan", True), ("chengdu", False)):
        client = _client(world[who])
        assert (client.get(send).status_code == 200) is allowed
        home = client.get(reverse("portals:gov_home"))
        assert (f'href="{send}"' in home.content.decode()) is allowed, who
        detail = client.get(reverse("analysis:board", args=[board.pk]))
        assert detail.status_code == 200
        assert (f'href="{send}"' in detail.content.decode()) is allowed, who
        boards = client.get(reverse("analysis:boards", args=[world["run"].pk]))
        assert ('id="id_title"' in boards.content.decode()) is allowed, who


def test_a_city_user_reads_a_province_run_for_its_own_division(
    world: dict[str, Any],  # noqa: F811
) -> None:
    run = world["run"]
    chengdu = Result.objects.filter(run=run, region_code__startswith="5101")
    n, vetoed = chengdu.count(), chengdu.filter(vetoed=True).count()
    assert 0 < n < run.n_enterprises
    page = _client(world["chengdu"]).get(reverse("scoring:run", args=[run.pk]))
    counts = _text(page, "run-counts")
    assert f"参评企业 {n} 家" in counts and f"清零 {vetoed} 家" in counts
    assert "成都市" in _text(page, "narrowed")
    tiers = _text(page, "run-tiers")
    for tier in ("A", "B", "C", "D"):
        expected = chengdu.filter(tier=tier).count()
        if expected:
            assert f"{tier} 档 {expected} 家" in tiers
    # the province's own user still reads the province
    page = _client(world["sichuan"]).get(reverse("scoring:run", args=[run.pk]))
    assert f"参评企业 {run.n_enterprises} 家" in _text(page, "run-counts")


# ---------------------------------------------------------------- ids in query strings


def test_ids_in_query_strings_that_are_not_ids_answer_404(
    world: dict[str, Any],  # noqa: F811
) -> None:
    client = _client(world["sichuan"])
    run = world["run"].pk
    for before in ("abc", "", "1.5", "-3", "²", "99999999999999999999999"):
        answer = client.get(reverse("scoring:compare"), {"before": before, "after": run})
        assert answer.status_code == 404, before
    assert client.get(reverse("scoring:compare")).status_code == 404
    admin = _client(world["admin"])
    version = SchemeVersion.objects.get(scheme_id="sichuan-2025")
    diff = reverse("admin:scoring_schemeversion_diff", args=[version.pk])
    assert admin.get(diff, {"other": "abc"}).status_code == 200
    findings = client.get(reverse("collection:findings"), {"batch": "abc"})
    assert findings.status_code == 200


def test_leaderboard_page_links_carry_page_once(world: dict[str, Any]) -> None:  # noqa: F811
    client = _client(world["sichuan"])
    url = reverse("scoring:leaderboard", args=[world["run"].pk])
    for query in ({"page": "2"}, {"page": "2", "tier": "D"}):
        page = client.get(url, query).content.decode()
        links = re.findall(r'href="\?([^"]*)"', page)
        assert links, query
        for link in links:  # an export takes every page, a page or sort link names one
            assert link.count("page=") == (0 if "export=" in link else 1), link
        if "tier" in query:
            assert all("tier=D" in link for link in links)


# ---------------------------------------------------------------- statistics of a division


def test_input_completeness_is_shown_for_a_city_user(world: dict[str, Any]) -> None:  # noqa: F811
    """Over Chengdu's enterprises of the province's run, each indicator's completeness is the
    one a run over Chengdu alone reports (the same values, missing or not)."""
    from innopoints.scoring import execution  # noqa: PLC0415

    province, admin = world["run"], world["admin"]
    city = Run.objects.create(
        period="2025",
        scheme_version=province.scheme_version,
        region=Region.objects.get(code="510100"),
        started_by=admin,
    )
    execution.execute(city)
    assert city.status == "done", city.error
    n = city.n_enterprises
    assert n == Result.objects.filter(run=province, region_code__startswith="5101").count()
    expected = {
        code: round(100 * (1 - missing / n), 1) for code, missing in city.report["missing"].items()
    }
    assert any(share < 100 for share in expected.values())
    page = _client(world["chengdu"]).get(reverse("analysis:statistics", args=[province.pk]))
    shown = dict(page.context["s"].completeness)
    assert shown == expected
    # a province user reads the run's own report
    page = _client(world["sichuan"]).get(reverse("analysis:statistics", args=[province.pk]))
    assert dict(page.context["s"].completeness) == {
        code: round(100 * (1 - m / province.n_enterprises), 1)
        for code, m in province.report["missing"].items()
    }


# ---------------------------------------------------------------- 企业端


def test_share_of_others_scored_strictly_lower_hand_computed(db: Any) -> None:
    """Totals 10, 20, 20, 30 and one vetoed: the 30 is above all 3 others (100.0), each 20
    above 1 of 3 (33.3), the 10 above none (0.0), the vetoed has no share; in 10, 20, 30, 40
    the 30 is above 2 of 3 (66.6, rounded down); an enterprise alone has no share."""
    from innopoints.scoring.explain import _share_below, share_of_others_below  # noqa: PLC0415

    run = Run.objects.create(
        period="2025",
        scheme_version=SchemeVersion.objects.get(scheme_id="sichuan-2025"),
        status="done",
        finished_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    enterprises = [
        Enterprise.objects.create(credit_code=code, name=f"企业{i}")
        for i, code in enumerate(codes(5))
    ]
    results = [
        Result.objects.create(
            run=run,
            enterprise=e,
            stage="growth",
            base=total,
            bonus=0,
            total=total,
            vetoed=vetoed,
        )
        for e, total, vetoed in zip(
            enterprises, [10, 20, 20, 30, 0], [False, False, False, False, True], strict=True
        )
    ]
    shares = [_share_below(run, r) for r in results]
    assert shares == [0.0, 33.3, 33.3, 100.0, None]
    # 自评: an estimate placed among the others (its own official total left out)
    assert share_of_others_below(results[1], 25.0) == 66.6  # above 10 and the other 20
    assert share_of_others_below(results[1], 35.0) == 100.0
    assert share_of_others_below(results[3], 5.0) == 0.0
    assert share_of_others_below(results[4], 15.0) == 25.0  # vetoed: 1 of the 4 ranked
    other = Run.objects.create(
        period="2024", scheme_version=run.scheme_version, status="done", finished_at=run.finished_at
    )
    later = [
        Result.objects.create(
            run=other, enterprise=e, stage="growth", base=t, bonus=0, total=t, vetoed=False
        )
        for e, t in zip(enterprises, [10, 20, 30, 40], strict=False)
    ]
    assert _share_below(other, later[2]) == 66.6  # 2 of 3 others: 66.66…, never 66.7
    lone = Run.objects.create(
        period="2023", scheme_version=run.scheme_version, status="done", finished_at=run.finished_at
    )
    alone = Result.objects.create(
        run=lone, enterprise=enterprises[0], stage="growth", base=5, bonus=0, total=5, vetoed=False
    )
    assert _share_below(lone, alone) is None


def test_enterprise_home_history_shows_each_period_once(world: dict[str, Any]) -> None:  # noqa: F811
    admin, mine = world["admin"], world["mine"]
    _publish(world["run"], admin)
    again = scored_run(admin)  # the same period scored and published again
    _publish(again, admin, "2025 重新发布")
    _city_example_run(admin)  # an example scheme's list: not the enterprise's score
    page = _client(world["owner"]).get(reverse("portals:ent_home"))
    history = page.context["history"]
    assert [(h.run_id, h.run.period) for h in history] == [(again.pk, "2025")]
    assert page.context["result"].run_id == again.pk
    mine_result = Result.objects.get(run=again, enterprise=mine)
    others = Result.objects.filter(run=again, vetoed=False).exclude(enterprise=mine)
    below = others.filter(total__lt=mine_result.total).count()
    expected = math.floor(1000 * below / others.count()) / 10
    assert page.context["e"].peers_all == expected
    assert f"{expected:.1f}%" in _text(page, "peers-all")


def test_inbox_messages_link_to_the_pages_they_talk_about(world: dict[str, Any]) -> None:  # noqa: F811
    from innopoints.applications.models import Message  # noqa: PLC0415

    _publish(world["run"], world["admin"])
    Message.objects.create(enterprise=world["mine"], kind="financing", subject="融资记录")
    page = _client(world["owner"]).get(reverse("portals:ent_inbox"))
    inbox = _element(page, "inbox")
    loan = reverse("portals:ent_offering", args=[world["loan"].pk])
    assert loan in inbox.links
    assert reverse("portals:ent_home") in inbox.links
    offer = _client(world["owner"]).get(loan)
    assert offer.status_code == 200 and "积分贷" in offer.content.decode()


def test_self_assessment_refuses_what_an_import_refuses(world: dict[str, Any]) -> None:  # noqa: F811
    _publish(world["run"], world["admin"])
    client = _client(world["owner"])
    form = client.get(reverse("portals:ent_assess")).context["form"]
    assert {"employees", "st_staff"} <= set(form.fields)
    data = {name: form[name].value() or "" for name in form.fields}
    page = client.post(reverse("portals:ent_assess"), {**data, "employees": "-5"})
    errors = page.context["form"].errors
    assert errors["employees"] == ["“-5”是负数：此项不能为负"]  # the import's reason, in Chinese
    assert page.context["outcome"] is None and b"estimate-total" not in page.content
    page = client.post(
        reverse("portals:ent_assess"), {**data, "employees": "10", "st_staff": "999"}
    )
    assert page.context["form"].errors["st_staff"] == ["科技人员数大于从业人员期末人数"]
    assert page.context["outcome"] is None
    page = client.post(reverse("portals:ent_assess"), {**data, "employees": "10.5"})
    assert "“10.5”" in " ".join(page.context["form"].errors["employees"])  # counts are whole
    page = client.post(reverse("portals:ent_assess"), {**data, "employees": "100", "st_staff": "9"})
    assert page.context["outcome"] is not None and b"estimate-total" in page.content


# ---------------------------------------------------------------- after an import


def test_a_finished_import_leads_to_its_findings_and_a_run(
    world: dict[str, Any],  # noqa: F811
    settings: Any,
) -> None:
    from innopoints.collection import background_imports  # noqa: PLC0415
    from innopoints.collection.models import DataSource, ImportBatch  # noqa: PLC0415
    from tests.platform.conftest import csv_bytes  # noqa: PLC0415

    settings.INNOPOINTS_JOBS_IN_BACKGROUND = False
    chengdu = world["chengdu"]
    local = Result.objects.filter(run=world["run"], region_code__startswith="5101")[:3]
    rows = [[r.enterprise.credit_code, 50, 5_000] for r in local]  # 科技人员 > 从业人员: findings
    content = csv_bytes(["统一社会信用代码", "从业人员期末人数", "科技人员数"], rows)
    token = background_imports.start(
        DataSource.objects.get(code="sti"), "2025", "sti.csv", content, chengdu, "5101"
    )
    assert background_imports.state(token)["state"] == "done", background_imports.state(token)
    batch = ImportBatch.objects.get(pk=background_imports.state(token)["batch"])
    client = _client(chengdu)
    page = client.get(reverse("portals:gov_import_progress", args=[token]))
    links = _element(page, "import-next").links
    findings = f"{reverse('collection:findings')}?batch={batch.pk}"
    assert findings in links and f"{reverse('scoring:runs')}?period=2025" in links
    listed = client.get(findings)
    assert listed.status_code == 200
    rows = listed.context["listing"].table.paginated_rows
    assert {row.record.batch_id for row in rows} == {batch.pk}
    form = client.get(f"{reverse('scoring:runs')}?period=2025").context["form"]
    assert form["period"].value() == "2025"


def test_grants_to_sources_in_force_read_by_the_one_rule(db: Any) -> None:
    """The facts' authorisation table (COPY on PostgreSQL) keeps exactly the grants
    ``active_on`` keeps: begun, not ended, not revoked; one row per field in scope."""
    from django.utils import timezone  # noqa: PLC0415

    from innopoints.collection.facts import active_authorisations  # noqa: PLC0415
    from innopoints.collection.models import DataSource  # noqa: PLC0415

    tax = DataSource.objects.get(code="tax")
    day = dt.date(2026, 12, 4)
    made = {}
    for i, (code, grant) in enumerate(
        zip(
            codes(5),
            [
                {"valid_from": day},  # starts today: in force
                {"valid_from": dt.date(2026, 1, 1), "scope": ["rd_expense", "revenue"]},
                {"valid_from": dt.date(2026, 1, 1), "valid_to": dt.date(2026, 12, 3)},  # ended
                {"valid_from": dt.date(2026, 12, 5)},  # not yet
                {"valid_from": dt.date(2026, 1, 1), "revoked_at": timezone.now()},
            ],
            strict=True,
        )
    ):
        enterprise = Enterprise.objects.create(credit_code=code, name=f"授权企业{i}")
        Authorisation.objects.create(enterprise=enterprise, source=tax, **grant)
        made[i] = enterprise.pk
    # the module's shared data (conftest.module_db) has grants of its own: only these five
    rows = {r for r in active_authorisations(day).iter_rows() if r[0] in made.values()}
    assert rows == {
        (made[0], tax.pk, None),
        (made[1], tax.pk, "rd_expense"),
        (made[1], tax.pk, "revenue"),
    }
    assert {e for e, _s, _f in rows} == set(
        Authorisation.objects.active_on(day)
        .filter(enterprise_id__in=made.values())
        .values_list("enterprise_id", flat=True)
    )
