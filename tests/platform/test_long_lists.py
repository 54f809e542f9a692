"""Long lists on small data (issue 14 §6): lists and pools a page of 50 at a time with links
that keep their parameters once, every pool member in the export, bounded queries on the
admin lists of the big tables, the quality report computed once per state of the data, the
offering form without a select of every region. (Their speed on the 30,000-enterprise demo is
measured by benchmarks/pages.py, not here.)"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from innopoints.analysis import boards
from innopoints.analysis.models import Leaderboard, Pool, PoolMembership
from innopoints.applications.catalogue import load_offerings
from innopoints.applications.models import Offering, RunMatching
from innopoints.collection import quality
from innopoints.collection.models import Authorisation, Finding
from innopoints.scoring.models import Result, Run
from tests.platform.conftest import published_board, scored_province, shared


@pytest.fixture(scope="module")
def run_once(
    module_db: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Run:
    """400 enterprises scored, once for the module (conftest.module_db)."""
    with django_db_blocker.unblock():
        load_offerings()  # matched when the list is published: pushes and matches to list
        builder = get_user_model().objects.create_superuser("builder", "bu@example.invalid", "pw")
        return scored_province(tmp_path_factory.mktemp("files"), 400, 11, builder)


@pytest.fixture
def run(db: Any, run_once: Run) -> Run:
    cache.clear()  # the test database reuses numbers; the cache outlives it
    return shared(run_once)


@pytest.fixture
def client_in(admin_user: Any) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def require_postgres_for_threads() -> None:
    """Background threads beside the test: SQLite's in-memory test database (shared cache) locks
    whole tables and refuses at once, so these run on the PostgreSQL pass only."""
    if connection.vendor != "postgresql":
        pytest.skip("background threads share the database: PostgreSQL only (SQLite pass)")


def join_threads_started_since(before: set[int]) -> None:
    """No background thread of the test outlives it (the database is flushed after it)."""
    import threading  # noqa: PLC0415

    for thread in threading.enumerate():
        if thread.ident not in before and thread is not threading.current_thread():
            thread.join(timeout=60)


def collected_data_read(queries: CaptureQueriesContext) -> list[str]:
    """The queries that read facts, findings or the registry, beyond the newest ids the cache
    key asks for."""
    return [
        q["sql"]
        for q in queries.captured_queries
        if any(t in q["sql"] for t in ("collection_factvalue", "collection_finding", "registry_"))
        and "MAX(" not in q["sql"].upper()
    ]


def _table_rows(html: str, table_id: str) -> list[list[str]]:
    body = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body.split("<tbody>", 1)[1], flags=re.S)
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", r)]
        for r in rows
    ]


def _page_links(html: str) -> list[str]:
    return [link.replace("&amp;", "&") for link in re.findall(r'href="\?([^"]*)"', html)]


def test_a_list_is_paged_by_50_and_its_links_name_each_parameter_once(
    run: Run, client_in: Client, admin_user: Any
) -> None:
    board = published_board(run, admin_user, "全部企业", kind="overall")
    everyone = boards.entries(board)
    assert len(everyone) > 100
    url = reverse("analysis:board", args=[board.pk])
    first = client_in.get(url, {"min_coverage": "0"}).content.decode()
    second = client_in.get(url, {"min_coverage": "0", "page": "2"}).content.decode()
    assert [r[1] for r in _table_rows(first, "board")] == [e["name"] for e in everyone[:50]]
    assert [r[0] for r in _table_rows(second, "board")] == [
        str(e["position"]) for e in everyone[50:100]
    ]
    links = _page_links(second)
    assert "min_coverage=0&page=3" in links and "min_coverage=0&page=1" in links
    for link in links:
        # an export takes every page (no page=), a page or sort link names its page once
        assert link.count("page=") == (0 if "export=" in link else 1), link
        assert link.count("min_coverage=") == 1, link
    assert any("export=xlsx" in link for link in links)
    last = (len(everyone) + 49) // 50
    tail = client_in.get(url, {"page": "999"}).content.decode()  # past the end: the last page
    assert [r[0] for r in _table_rows(tail, "board")] == [
        str(e["position"]) for e in everyone[(last - 1) * 50 :]
    ]


def _largest_pool(run: Run) -> tuple[Pool, list[int]]:
    pools = {
        pool: list(
            PoolMembership.objects.filter(run=run, pool=pool).values_list(
                "enterprise_id", flat=True
            )
        )
        for pool in Pool.objects.all()
    }
    pool = max(pools, key=lambda p: len(pools[p]))
    assert len(pools[pool]) > 50, {p.code: len(m) for p, m in pools.items()}
    return pool, pools[pool]


def test_a_pool_lists_every_member_with_scores_by_page_and_exports_them_all(
    run: Run, client_in: Client, django_assert_max_num_queries: Any
) -> None:
    pool, member_ids = _largest_pool(run)
    results = {
        r.enterprise.credit_code: r
        for r in Result.objects.filter(run=run, enterprise_id__in=member_ids).select_related(
            "enterprise"
        )
    }
    ordered = sorted(
        results.values(),
        key=lambda r: (r.rank is None, r.rank or 0, -r.total, r.enterprise_id),
    )
    overview = client_in.get(reverse("analysis:pools", args=[run.pk])).content.decode()
    page_url = reverse("analysis:pool", args=[run.pk, pool.code])
    assert page_url in overview and f"{pool.name}：{len(member_ids)} 家" in overview
    with django_assert_max_num_queries(12):
        second = client_in.get(page_url, {"page": "2"}).content.decode()
    rows = _table_rows(second, "pool-members")
    assert [r[1] for r in rows] == [r.enterprise.name for r in ordered[50:100]]
    assert [r[4] for r in rows] == [f"{r.total:.2f}" for r in ordered[50:100]]

    response = client_in.get(reverse("analysis:pool-xlsx", args=[run.pk, pool.code]))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    exported = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(exported) == len(member_ids)
    assert {row[1] for row in exported} == set(results)
    for rank, code, name, _stage, _industry, total, _tier in exported:
        assert results[code].enterprise.name == name and results[code].rank == rank
        assert total == pytest.approx(round(results[code].total, 2))


@pytest.mark.parametrize(
    "admin_list",
    [
        "admin:collection_factvalue_changelist",
        "admin:analysis_poolmembership_changelist",
        "admin:applications_push_changelist",
        "admin:applications_match_changelist",
    ],
)
def test_admin_lists_of_big_tables_read_a_page_in_a_few_queries_without_counting_all(
    run: Run, client_in: Client, admin_user: Any, admin_list: str
) -> None:
    published_board(run, admin_user, "前 50%", kind="overall", share_from=0, share_to=50)
    with CaptureQueriesContext(connection) as queries:
        response = client_in.get(reverse(admin_list))
    assert response.status_code == 200
    changelist = response.context["cl"]
    total = changelist.model.objects.count()
    assert total > 20 and len(changelist.result_list) == min(total, 100)
    assert response.content.decode().count('name="_selected_action"') in {0, min(total, 100)}
    statements = [q["sql"] for q in queries.captured_queries]
    assert len(statements) <= 20, "\n".join(statements)
    table = re.search(r"admin:(\w+?)_(\w+?)_changelist", admin_list)
    assert table is not None
    db_table = f"{table.group(1)}_{table.group(2)}"
    counting = [s for s in statements if "COUNT(" in s.upper() and db_table in s]
    assert not [s for s in counting if "LIMIT" not in s.upper()], counting


def test_the_offering_form_searches_regions_instead_of_listing_them(
    run: Run, client_in: Client
) -> None:
    offering = Offering.objects.order_by("pk").first()
    assert offering is not None
    page = client_in.get(reverse("admin:applications_offering_change", args=[offering.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count("<option") < 100  # was every division twice (3,000+ each)
    assert 'name="region"' in html and "admin-autocomplete" in html
    found = client_in.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "applications",
            "model_name": "offering",
            "field_name": "region",
            "term": "成都",
        },
    ).json()
    assert any("成都" in item["text"] for item in found["results"])


def test_the_quality_report_is_computed_once_per_state_of_the_data(run: Run) -> None:
    before = quality.build("2025")
    with CaptureQueriesContext(connection) as queries:
        again = quality.build("2025")
    assert again == before
    # the counts came from the cache: only the newest ids were asked for (PostgreSQL reads the
    # facts by COPY, which is not captured: the findings' and enterprises' queries tell)
    assert not collected_data_read(queries), collected_data_read(queries)

    grant = Authorisation.objects.filter(source__isnull=False, revoked_at__isnull=True).first()
    assert grant is not None
    grant.revoked_at = timezone.now()
    grant.save()
    revoked = quality.build("2025")
    assert sum(i.authorised for i in revoked.indicators) < sum(
        i.authorised for i in before.indicators
    )

    finding = Finding.objects.filter(period="2025", status="open").first()
    assert finding is not None
    finding.status = "dismissed"
    finding.save()
    assert quality.build("2025").findings_open == before.findings_open - 1


def test_a_published_list_shows_how_far_the_runs_matching_has_got(
    run: Run, client_in: Client, admin_user: Any
) -> None:
    draft = Leaderboard.objects.create(run=run, title="前 20%", share_from=0, share_to=20)
    url = reverse("analysis:board", args=[draft.pk])
    assert 'id="matching-state"' not in client_in.get(url).content.decode()

    # the first published list of the run starts its matching (inline in the tests)
    published = client_in.post(reverse("analysis:board-publish", args=[draft.pk]), follow=True)
    job = RunMatching.objects.get(run=run)
    assert job.status == "done" and job.n_matches > 0
    html = published.content.decode()
    assert f"政策与金融产品匹配已完成：{job.n_matches} 条匹配，新推送 {job.n_pushed} 条" in html

    RunMatching.objects.filter(pk=job.pk).update(status="running")  # as while it runs
    html = client_in.get(url).content.decode()
    assert "正在后台为本次测算匹配政策与金融产品" in html
    assert reverse("ops:jobs") + "?kind=matching" in html


def test_a_committed_import_has_its_quality_report_computed_ahead(
    reference_data: None, settings: Any, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """With background jobs (the demo, production), the batch's commit starts a job that builds
    the period's report: the first visitor reads it from the cache."""
    import threading  # noqa: PLC0415

    from innopoints.collection.demo import import_all, write_files  # noqa: PLC0415

    require_postgres_for_threads()
    threads_before = {t.ident for t in threading.enumerate()}
    request.addfinalizer(lambda: join_threads_started_since(threads_before))
    cache.clear()
    settings.INNOPOINTS_JOBS_IN_BACKGROUND = True
    import_all(write_files(tmp_path / "files", 60, seed=3), "2025")
    for thread in threading.enumerate():
        if thread.name.startswith("quality-warm-"):
            thread.join()
    with CaptureQueriesContext(connection) as queries:
        report = quality.build("2025")
    assert report.n_enterprises == 60 and any(i.with_value for i in report.indicators)
    assert not collected_data_read(queries), collected_data_read(queries)


def test_after_a_change_the_quality_page_shows_the_earlier_figures_while_new_ones_are_computed(
    reference_data: None,
    settings: Any,
    tmp_path: Path,
    admin_user: Any,
    request: pytest.FixtureRequest,
) -> None:
    """A revoked authorisation changes the figures: the next visitor does not wait for the
    computation (3–10 s at 30,000 enterprises) but reads the earlier figures, dated, while the
    current ones are computed in the background; the visitor after that reads the current ones."""
    import threading  # noqa: PLC0415

    from innopoints.collection.demo import import_all, write_files  # noqa: PLC0415

    require_postgres_for_threads()
    threads_before = {t.ident for t in threading.enumerate()}
    request.addfinalizer(lambda: join_threads_started_since(threads_before))
    cache.clear()
    settings.INNOPOINTS_JOBS_IN_BACKGROUND = True
    import_all(write_files(tmp_path / "files", 60, seed=3), "2025")

    def join(prefix: str) -> None:
        for thread in threading.enumerate():
            if thread.name.startswith(prefix):
                thread.join()

    join("quality-warm-")
    client = Client()
    client.force_login(admin_user)
    url = reverse("collection:quality") + "?period=2025"
    first = client.get(url).content.decode()
    assert 'id="quality-updating"' not in first
    before = quality.build("2025")
    assert before.computed_at is None

    grant = Authorisation.objects.filter(source__isnull=False, revoked_at__isnull=True).first()
    assert grant is not None
    grant.revoked_at = timezone.now()
    grant.save()

    assert 'id="quality-updating"' in client.get(url).content.decode()
    earlier = quality.build("2025")
    assert earlier.computed_at is not None and earlier.indicators == before.indicators
    join("refresh-quality-counts")
    assert 'id="quality-updating"' not in client.get(url).content.decode()
    current = quality.build("2025")
    assert current.computed_at is None
    assert sum(i.authorised for i in current.indicators) < sum(
        i.authorised for i in before.indicators
    )
