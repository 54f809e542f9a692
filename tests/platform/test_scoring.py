"""Schemes in the platform, scoring runs, traceability, comparison, pages and the task queue."""

from __future__ import annotations

import datetime as dt
import io
import os
import socket
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
from celery.contrib.testing.worker import start_worker
from django.test import Client
from django.urls import reverse

from innopoints.collection.demo import import_all, write_files
from innopoints.collection.importing import import_file
from innopoints.collection.models import Authorisation, DataSource, Enterprise, FactValue
from innopoints.engine import score
from innopoints.engine.scheme import SchemeError
from innopoints.registry.models import Region
from innopoints.scoring import execution, schemes
from innopoints.scoring.compare import compare
from innopoints.scoring.dispatch import dispatch
from innopoints.scoring.explain import explain
from innopoints.scoring.models import (
    Result,
    ResultBlock,
    Run,
    SchemeVersion,
    block_matrix,
    breakdown_width,
    prefetch_breakdowns,
    unpack_fact_ids,
)
from innopoints.scoring.tables import RankPaginator
from innopoints.site.celery import app
from tests.platform.celery_workers import fresh_pools
from tests.platform.conftest import csv_bytes

SICHUAN_FILE = Path(__file__).resolve().parents[2] / "src/innopoints/schemes/sichuan-2025.yaml"


@pytest.fixture
def province(db: Any, tmp_path: Path) -> None:
    """300 synthetic enterprises imported from the seven source files, tax mostly authorised."""
    import_all(write_files(tmp_path / "files", 300, seed=7), "2025")


def sichuan() -> SchemeVersion:
    return SchemeVersion.objects.get(scheme_id="sichuan-2025")


def run_now(**fields: Any) -> Run:
    run = Run.objects.create(
        period="2025", scheme_version=fields.pop("version", sichuan()), **fields
    )
    return execution.execute(run)


def test_builtin_schemes_are_versions(db: Any) -> None:
    ids = set(SchemeVersion.objects.values_list("scheme_id", flat=True))
    assert {"sichuan-2025", "example-city-1000", "example-core-18"} <= ids
    city = SchemeVersion.objects.get(scheme_id="example-city-1000").scheme()
    assert "vc_amount" not in [i.code for i in city.weighted] and city.scale == 1000


def test_editing_runs_the_checks_and_frozen_versions_fork(db: Any) -> None:
    text = SICHUAN_FILE.read_text(encoding="utf-8")
    with pytest.raises(SchemeError, match=r"weights sum to 0\.99"):
        schemes.save_version(
            text.replace(
                "weights: {startup: 0.08, growth: 0.08, mature: 0.08}",
                "weights: {startup: 0.07, growth: 0.08, mature: 0.08}",
            )
        )
    version = sichuan()
    version.frozen_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    version.save()
    row14 = "    source: {document: seed 004, annex: 附件1/附件2, row: 14}"
    changed = text.replace(f"    transform: log1p\n{row14}", f"    transform: none\n{row14}")
    assert changed != text
    forked = schemes.save_version(changed)
    assert forked.pk != version.pk and forked.version == "1.2" and forked.frozen_at is None
    version.refresh_from_db()
    assert version.source_yaml == text  # the frozen version is untouched
    lines = schemes.diff(version, forked)
    assert any(line.startswith("-") and "log1p" in line for line in lines)
    assert any(line.startswith("+") and "none" in line for line in lines)
    assert schemes.save_version(changed).pk == forked.pk  # same content, same version


def test_a_run_scores_and_records_everything(province: None) -> None:
    run = run_now()
    assert run.status == "done", run.error
    results = Result.objects.filter(run=run)
    assert results.count() == run.n_enterprises == 300
    assert run.scheme_version.frozen_at is not None
    assert run.engine_version and run.parameters["scheme"] == "sichuan-2025@1"
    assert set(run.report["agreement"]) == {"minmax", "rank"}
    assert run.n_ranked + run.n_vetoed == 300
    top = results.filter(vetoed=False).order_by("rank").first()
    assert top is not None and top.rank == 1 and top.tier == "A"
    assert set(top.breakdown_values["ind"]) == {i.code for i in sichuan().scheme().weighted}
    assert len(run.fact_ids()) > 300 * 20
    # unauthorised tax values are stored but not used
    unauthorised = Enterprise.objects.exclude(authorisations__source__code="tax").first()
    assert unauthorised is not None
    row = results.get(enterprise=unauthorised)
    assert row.breakdown_values["ind"]["rd_expense"][1] is None
    assert row.breakdown_values["ind"]["rd_expense"][5] == 0.0


def test_rerunning_the_same_inputs_is_bit_identical(province: None) -> None:
    first, second = run_now(), run_now()
    assert first.input_digest == second.input_digest
    a, b = (
        list(
            Result.objects.filter(run=run)
            .order_by("enterprise_id")
            .values_list("enterprise_id", "total", "rank", "tier", "block", "slot", "categories")
        )
        for run in (first, second)
    )
    assert a == b
    blocks_a, blocks_b = (
        [
            (index, bytes(ids), bytes(values))
            for index, ids, values in ResultBlock.objects.filter(run=run)
            .order_by("index")
            .values_list("index", "enterprise_ids", "values")
        ]
        for run in (first, second)
    )
    assert blocks_a == blocks_b and blocks_a


def test_breakdowns_are_stored_in_blocks_in_rank_order(
    province: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(execution, "BLOCK_ROWS", 64)  # 300 enterprises: five blocks
    run = run_now()
    results = list(Result.objects.filter(run=run).order_by("block", "slot"))
    assert [(r.block, r.slot) for r in results] == [(i // 64, i % 64) for i in range(len(results))]
    assert ResultBlock.objects.filter(run=run).count() == -(-len(results) // 64) == 5
    ranks = [r.rank for r in results]
    ranked = [r for r in ranks if r is not None]
    assert ranked == sorted(ranked) and ranks[: len(ranked)] == ranked  # unranked last
    block = ResultBlock.objects.get(run=run, index=0)
    # the value ids kept with the blocks are the run's, each with its enterprise's block
    kept = [unpack_fact_ids(bytes(b.fact_ids)) for b in ResultBlock.objects.filter(run=run)]
    assert np.array_equal(np.sort(np.concatenate(kept)), run.fact_ids())
    in_block = {r.enterprise_id: r.block for r in results}
    for index, ids_of_block in zip(
        ResultBlock.objects.filter(run=run).values_list("index", flat=True), kept, strict=True
    ):
        owners = FactValue.objects.filter(pk__in=ids_of_block.tolist()).values_list(
            "enterprise_id", flat=True
        )
        assert {in_block[e] for e in owners} == {index}
    ids = np.frombuffer(bytes(block.enterprise_ids), dtype="<i8")
    assert ids.tolist() == [r.enterprise_id for r in results[:64]]
    layout = run.report["breakdown_layout"]
    width = breakdown_width(layout)
    # column by column: each part of each indicator for the block's 64 rows, then the next
    assert layout["block_order"] == "columns"
    columns = np.frombuffer(bytes(block.values), dtype="<f8").reshape(width, len(ids))
    last = results[len(ids) - 1]
    assert last.packed_breakdown() == columns[:, -1].tobytes()
    prefetched = Result.objects.get(pk=last.pk)
    prefetch_breakdowns([prefetched])
    assert prefetched.packed_breakdown() == columns[:, -1].tobytes()
    points = [v[5] for v in last.breakdown_values["ind"].values()]
    assert sum(p or 0.0 for p in points) + sum(
        p or 0.0 for p in last.breakdown_values["bonus"].values()
    ) == pytest.approx(last.base + last.bonus)


def test_a_failed_or_cancelled_run_leaves_no_results(
    province: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(execution, "score", broken)
    failed = run_now()
    assert failed.status == "failed" and "engine exploded" in failed.error
    assert not Result.objects.filter(run=failed).exists()
    monkeypatch.undo()
    cancelled = Run.objects.create(period="2025", scheme_version=sichuan(), cancel_requested=True)
    execution.execute(cancelled)
    assert cancelled.status == "cancelled"
    assert not Result.objects.filter(run=cancelled).exists()


def test_explanation_and_comparison(province: None, source: Callable[[str], DataSource]) -> None:
    first = run_now()
    target = Result.objects.filter(run=first, vetoed=False).order_by("-total")[10]
    enterprise = target.enterprise
    Authorisation.objects.get_or_create(
        enterprise=enterprise, source=source("tax"), defaults={"valid_from": dt.date(2025, 1, 1)}
    )
    import_file(
        source("sti"),
        "2025",
        "sti-late.csv",
        csv_bytes(
            ["统一社会信用代码", "近两年承担省级及以上科技项目数量"], [[enterprise.credit_code, 40]]
        ),
    )
    second = run_now()
    result = Result.objects.get(run=second, enterprise=enterprise)
    explained = explain(result)
    projects = next(line for line in explained.lines if line.code == "projects")
    assert projects.value == 40.0 and projects.points > 0
    assert [f.version for f in projects.facts] == [2] and projects.facts[0].source.code == "sti"
    assert explained.previous is not None and explained.previous.run_id == first.pk
    assert explained.changes[0][0] == "projects" and explained.changes[0][4] > 0
    assert 0 <= (explained.peers_stage or 0) <= 100
    comparison = compare(first, second)
    assert enterprise.pk in comparison.risers["enterprise_id"].to_list()
    assert comparison.new.height == 0 and comparison.dropped.height == 0


def test_region_scope(province: None) -> None:
    chengdu = Region.objects.get(code="510100")
    run = run_now(region=chengdu)
    codes = set(Result.objects.filter(run=run).values_list("region_code", flat=True))
    assert codes and all(code.startswith("5101") for code in codes)


def test_pages(province: None, admin_user: Any) -> None:
    client = Client()
    client.force_login(admin_user)
    response = client.post(
        reverse("scoring:runs"), {"period": "2025", "scheme_version": sichuan().pk}
    )
    assert response.status_code == 302
    run = Run.objects.get()
    assert run.status == "done" and run.started_by == admin_user
    page = client.get(response["Location"]).content.decode()
    assert "多种方法吻合度" in page and "秩相关系数" in page and "冻结参数" in page
    board = client.get(reverse("scoring:leaderboard", args=[run.pk]), {"stage": "growth"})
    assert board.status_code == 200 and "积分榜" in board.content.decode()
    export = client.get(reverse("scoring:leaderboard-xlsx", args=[run.pk]))
    rows = list(
        openpyxl.load_workbook(io.BytesIO(export.getvalue()), read_only=True).active.iter_rows(
            values_only=True
        )
    )  # type: ignore[union-attr]
    assert rows[0][0] == "排名" and rows[1][0] == 1 and len(rows) == 301
    result = Result.objects.filter(run=run).first()
    assert result is not None
    detail = client.get(reverse("scoring:explain", args=[run.pk, result.enterprise_id]))
    assert "数据来源（批次 · 版本）" in detail.content.decode()
    second = run_now()
    compared = client.get(reverse("scoring:compare"), {"before": run.pk, "after": second.pk})
    assert "档次变化" in compared.content.decode()
    expected = compare(run, second)
    assert len(compared.context["tiers"]) == expected.tier_changes.height > 0
    assert "新增企业 0 家，退出企业 0 家" in compared.content.decode()
    state = client.get(reverse("scoring:run-state", args=[run.pk])).json()
    assert state["status"] == "done"
    diff = client.get(reverse("admin:scoring_schemeversion_diff", args=[sichuan().pk]))
    assert diff.status_code == 200
    assert client.get(reverse("admin:scoring_result_changelist")).status_code == 200


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def test_runs_on_celery_with_redis(reference_data: None, settings: Any, tmp_path: Path) -> None:
    if not _redis_answers():
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but no Redis answers on 127.0.0.1:6379")
        pytest.skip("no Redis here")
    import_all(write_files(tmp_path / "files", 120, seed=3), "2025")
    url = "redis://127.0.0.1:6379/15"
    settings.CELERY_BROKER_URL = url
    app.conf.update(
        broker_url=url, result_backend=None, task_always_eager=False, task_default_queue="celery"
    )
    fresh_pools()  # no connection kept from another test's broker
    with start_worker(app, perform_ping_check=False, pool="solo", concurrency=1):
        run = Run.objects.create(period="2025", scheme_version=sichuan())
        dispatch(run)
        deadline = time.time() + 60
        while time.time() < deadline:
            run.refresh_from_db()
            if run.status in {"done", "failed", "cancelled"}:
                break
            time.sleep(0.2)
    assert run.status == "done", run.error
    assert run.task_id and Result.objects.filter(run=run).count() == 120


def test_admin_edits_a_scheme_through_the_checks(db: Any, admin_user: Any) -> None:
    client = Client()
    client.force_login(admin_user)
    version = sichuan()
    url = reverse("admin:scoring_schemeversion_change", args=[version.pk])
    text = version.source_yaml
    bad = client.post(url, {"source_yaml": text.replace("bonus_cap: null", "bonus_cap: -2")})
    assert "bonus_cap must not be negative" in bad.content.decode()
    version.frozen_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    version.save()
    good = client.post(url, {"source_yaml": text.replace("bonus_cap: null", "bonus_cap: 4")})
    assert good.status_code == 302
    assert SchemeVersion.objects.filter(scheme_id="sichuan-2025").count() == 2
    fork = SchemeVersion.objects.get(scheme_id="sichuan-2025", version="1.2")
    assert fork.scheme().bonus_cap == 4 and fork.created_by == admin_user
    version.refresh_from_db()
    assert version.scheme().bonus_cap is None


def test_self_assessment_against_a_stored_run(province: None) -> None:
    """The stored parameters reproduce every member's result without re-normalising."""
    from innopoints.engine import score_against  # noqa: PLC0415

    run = run_now()
    assert "ranked_totals" not in run.parameters  # kept compact, apart from the JSON
    frozen = run.frozen_parameters()
    assert frozen.n_ranked == run.n_ranked
    table, *_ = execution.engine_table(run, run.scheme_version.scheme())
    estimate = score_against(run.scheme_version.scheme(), frozen, table[:25])
    stored = dict(Result.objects.filter(run=run).values_list("enterprise_id", "total"))
    for enterprise_id, total in zip(table["enterprise_id"][:25], estimate.total, strict=True):
        assert total == stored[enterprise_id]


def _page_records(response: Any) -> list[Result]:
    """The results one leaderboard page lists (its table's rows, in order)."""
    return [row.record for row in response.context["listing"].table.page]


def test_leaderboard_pages_by_rank(province: None, admin_user: Any) -> None:
    run = run_now()
    client = Client()
    client.force_login(admin_user)
    first = client.get(reverse("scoring:leaderboard", args=[run.pk]))
    page = first.context["listing"].table.page
    assert page.number == 1
    assert isinstance(page.paginator, RankPaginator)  # the whole list: read by rank range
    ranks = [r.rank for r in _page_records(first)]
    assert ranks[0] == 1 and max(ranks) <= 50 and ranks == sorted(ranks)
    pages = page.paginator.num_pages
    seen = []
    for number in range(1, pages + 1):
        response = client.get(reverse("scoring:leaderboard", args=[run.pk]), {"page": number})
        seen += [r.enterprise_id for r in _page_records(response)]
    assert sorted(seen) == sorted(
        Result.objects.filter(run=run).values_list("enterprise_id", flat=True)
    )  # every result exactly once, the vetoed last
    last = client.get(reverse("scoring:leaderboard", args=[run.pk]), {"page": pages})
    assert all(r.rank is None for r in _page_records(last)) or run.n_vetoed == 0


def test_input_fact_ids_round_trip_in_every_stored_format() -> None:
    ids = np.array([907, 3, 15, 2**40, 16], dtype=np.int64)
    packed = Run.pack_fact_ids(ids)
    assert packed.startswith(b"D38")  # the widest gap needs 8 bytes
    gaps = np.frombuffer(zlib.decompress(packed[3:]), dtype="<u8")
    assert gaps.tolist() == [3, 12, 1, 891, 2**40 - 907]
    assert Run(input_fact_ids=packed).fact_ids().tolist() == [3, 15, 16, 907, 2**40]
    narrow = Run.pack_fact_ids(np.array([300, 7, 8], dtype=np.int64))
    assert narrow.startswith(b"D32")  # gaps 7, 1, 292: two bytes each
    assert np.frombuffer(zlib.decompress(narrow[3:]), dtype="<u2").tolist() == [7, 1, 292]
    assert Run(input_fact_ids=narrow).fact_ids().tolist() == [7, 8, 300]
    # how runs were stored before: int64 gaps, and before them the ids themselves
    delta = b"D1" + zlib.compress(np.array([3, 12, 1, 891, 2**40 - 907], dtype="<i8").tobytes())
    assert Run(input_fact_ids=delta).fact_ids().tolist() == [3, 15, 16, 907, 2**40]
    older = zlib.compress(np.sort(ids).tobytes(), 6)
    assert Run(input_fact_ids=older).fact_ids().tolist() == [3, 15, 16, 907, 2**40]
    assert Run(input_fact_ids=Run.pack_fact_ids(ids[:0])).fact_ids().tolist() == []


@pytest.mark.parametrize(
    ("ids", "width"),
    [([3, 15, 16, 258], b"1"), ([3, 15, 300], b"2"), ([7, 70_007], b"4"), ([1, 2**40], b"8")],
)
def test_block_ids_left_to_the_database_to_compress_go_as_their_narrowest_gaps(
    ids: list[int], width: bytes
) -> None:
    packed = Run.pack_ascending_ids(np.array(ids, dtype=np.int64), compress=False)
    assert packed[:3] == b"D2" + width
    gaps = np.diff(ids, prepend=0)
    assert len(packed) == 3 + len(ids) * int(width)
    assert np.frombuffer(packed[3:], dtype=f"<u{int(width)}").tolist() == gaps.tolist()
    assert unpack_fact_ids(packed).tolist() == ids
    assert unpack_fact_ids(Run.pack_ascending_ids(np.array([], dtype=np.int64), False)).size == 0


def test_a_run_without_any_weighted_indicator_fails_naming_them(
    db: Any, source: Callable[[str], DataSource], credit_codes: list[str], user: Any
) -> None:
    # registration facts only: every enterprise would score 0 and share rank 1
    header = ["统一社会信用代码", "企业名称", "成立日期", "行政区划代码", "所属领域"]
    rows = [
        [code, f"成都测试科技有限公司{i}", "2018-05-01", "510107", "电子信息"]
        for i, code in enumerate(credit_codes)
    ]
    import_file(source("samr"), "2025", "samr.csv", csv_bytes(header, rows), user=user)
    failed = run_now()
    assert failed.status == "failed"
    assert "none of the 18 weighted indicators of sichuan-2025" in failed.error
    assert "weighted indicator 研发费用 (rd_expense)" in failed.error
    assert "weighted indicator 获得风险投资金额 (vc_amount)" in failed.error
    assert "Traceback" not in failed.error
    assert not Result.objects.filter(run=failed).exists()


def test_a_partly_covered_run_reports_its_absent_indicators(registered: Any) -> None:
    run = run_now()
    assert run.status == "done", run.error
    (warning,) = run.report["warnings"]
    assert warning.startswith("17 of 18 weighted indicators have no value in any row")
    assert "研发费用 (rd_expense)" in warning
    assert "与主营业务相关的发明专利申请量" not in warning


def test_blocks_stored_row_by_row_before_are_read_as_they_were(province: None) -> None:
    run = run_now()
    layout = run.report["breakdown_layout"]
    results = list(Result.objects.filter(run=run).order_by("block", "slot"))
    expected = {r.pk: r.packed_breakdown() for r in results}
    # a run stored before the blocks went column by column: its rows one after another
    for block in ResultBlock.objects.filter(run=run):
        block.values = block_matrix(bytes(block.values), layout).tobytes()
        block.save(update_fields=["values"])
    run.report["breakdown_layout"] = {k: v for k, v in layout.items() if k != "block_order"}
    run.save(update_fields=["report"])
    for result in Result.objects.filter(run=run).select_related("run"):
        assert result.packed_breakdown() == expected[result.pk]
    again = list(Result.objects.filter(run=run).select_related("run"))
    prefetch_breakdowns(again)
    assert {r.pk: r.packed_breakdown() for r in again} == expected


def test_block_matrix_reads_either_order() -> None:
    layout = {"ind": ["a"], "parts": ["raw", "value", "origin", "t", "x", "pts"], "bonus": ["b"]}
    rows = np.arange(14.0).reshape(2, 7)  # two results, seven numbers each
    assert np.array_equal(block_matrix(rows.tobytes(), layout), rows)
    by_column = {**layout, "block_order": "columns"}
    assert np.array_equal(block_matrix(rows.T.copy().tobytes(), by_column), rows)


def test_category_points_are_summed_from_the_breakdown_as_the_run_summed_them(
    province: None,
) -> None:
    run = run_now()
    scheme = run.scheme_version.scheme()
    table, *_ = execution.engine_table(run, scheme)
    engine = execution.category_points(score(scheme, table, run.period))
    expected = dict(zip(table["enterprise_id"].to_list(), engine.rows(named=True), strict=True))
    results = list(Result.objects.filter(run=run).select_related("run"))
    assert len(results) == len(expected) > 0
    for result in results:
        assert result.categories is None  # not stored: summed from the breakdown when read
        assert result.category_points(scheme.weighted) == expected[result.enterprise_id]
    # a result stored before kept its category points, and they are read as kept
    kept = results[0]
    kept.categories = {"tech": 12.5}
    assert kept.category_points(scheme.weighted) == {"tech": 12.5}
