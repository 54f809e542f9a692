"""Fixtures for the platform (Django) tests: real database (PostgreSQL when it answers)."""

from __future__ import annotations

import copy
import csv
import importlib
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections, transaction
from django.utils import translation

from innopoints.analysis.models import Pool
from innopoints.analysis.pools import load_pools
from innopoints.collection.importing import ImportOutcome, import_file
from innopoints.collection.models import (
    DataSource,
    Enterprise,
    FactValue,
    Finding,
    ImportBatch,
    SourceField,
)
from innopoints.collection.reference_data import load_sources
from innopoints.registry.models import IndustryField, Region
from innopoints.registry.reference import load_reference
from innopoints.scoring.schemes import sync_builtin_schemes
from tests.conftest import codes


def csv_bytes(header: list[str], rows: list[list[Any]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def snapshot() -> tuple[int, int, int, int]:
    """Counts that must not move when a file is refused."""
    return (
        Enterprise.objects.count(),
        FactValue.objects.count(),
        ImportBatch.objects.count(),
        Finding.objects.count(),
    )


@pytest.fixture
def reference_data(transactional_db: Any) -> None:
    """For tests that commit (browser, task queue): a flush after each of them removes what the
    data migrations loaded, so load it again here with the same loaders (all idempotent).
    pytest-django runs these tests after all the others."""
    load_reference(Region, IndustryField)
    load_sources(DataSource, SourceField)
    sync_builtin_schemes()
    load_pools(Pool)
    # the targets seeded by their data migration (Sichuan 2027), with the migration's own loader
    from django.apps import apps as django_apps  # noqa: PLC0415

    importlib.import_module("innopoints.targets.migrations.0002_sichuan_2027").seed(
        django_apps, None
    )


# the module transactions open now (module_db): at most one per database alias
_MODULE_ATOMICS: list[tuple[str, Any]] = []


def _roll_back_module_transactions(django_db_blocker: Any) -> None:
    with django_db_blocker.unblock():
        while _MODULE_ATOMICS:
            alias, atomic = _MODULE_ATOMICS.pop()
            transaction.set_rollback(True, using=alias)
            atomic.__exit__(None, None, None)


@pytest.fixture(scope="module")
def module_db(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """One transaction around a module's tests, rolled back after the last: data built once in
    it (a module-scoped fixture, under ``shared()``) is read by every test of the module, each
    test's own transaction (pytest-django's ``db``) being a savepoint inside it that is rolled
    back after the test, so what a test writes never reaches the next. Only for tests that use
    ``db``: a test that commits (``transactional_db``, a live server) must build its own data,
    and a test of the module that does not ask for the data still sees it in the database.
    Marked as Django's TestCase marks its own, so a durable atomic block inside is allowed as
    in any TestCase. A test that commits rolls it back first (``_commits_outside``): pytest-django
    runs those after all the others, but a test worker may reach one before leaving the module."""
    with django_db_blocker.unblock():
        for alias in connections:
            atomic = transaction.atomic(using=alias)
            atomic._from_testcase = True  # type: ignore[attr-defined]
            atomic.__enter__()
            _MODULE_ATOMICS.append((alias, atomic))
    try:
        yield
    finally:
        _roll_back_module_transactions(django_db_blocker)


@pytest.fixture(autouse=True)
def _commits_outside(request: pytest.FixtureRequest, django_db_blocker: Any) -> None:
    """A test that commits never runs inside a module's transaction (see ``module_db``)."""
    if _MODULE_ATOMICS and {"transactional_db", "live_server"} & set(request.fixturenames):
        _roll_back_module_transactions(django_db_blocker)


def shared(data: Any) -> Any:
    """A test's own copy of module-built data: the model instances deep-copied (as Django's
    TestCase copies its setUpTestData per test), so a test changing one in memory changes
    nothing for the next. (The cache is left as the build left it: an import's progress lives
    there.)"""
    return copy.deepcopy(data)


@pytest.fixture(autouse=True)
def _site_language() -> Iterator[None]:
    """Each test starts in the site's language: a request through LocaleMiddleware leaves its
    language active in the thread, so an English page fetched by one test made the next test's
    ``str()`` of a model English while its browser page was Chinese."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def user(db: Any) -> Any:
    return get_user_model().objects.create_user("analyst", password="x", is_staff=True)


@pytest.fixture
def admin_user(db: Any) -> Any:
    return get_user_model().objects.create_superuser("boss", "b@example.invalid", "pw")


@pytest.fixture
def source(db: Any) -> Callable[[str], DataSource]:
    return lambda code: DataSource.objects.get(code=code)


@pytest.fixture
def credit_codes() -> list[str]:
    return codes(60, region="510107")


@pytest.fixture
def registered(
    db: Any, source: Callable[[str], DataSource], credit_codes: list[str], user: Any
) -> ImportOutcome:
    """60 enterprises registered by the market regulator, with a few patent counts."""
    header = [
        "统一社会信用代码",
        "企业名称",
        "成立日期",
        "行政区划代码",
        "所属领域",
        "与主营业务相关的发明专利申请量",
    ]
    rows = [
        [
            code,
            f"成都测试科技有限公司{i}",
            "2018-05-01",
            "510107" if i % 2 else "510104",
            "电子信息",
            i % 7,
        ]
        for i, code in enumerate(credit_codes)
    ]
    return import_file(source("samr"), "2025", "samr.csv", csv_bytes(header, rows), user=user)


def scored_province(files: Path, n: int, seed: int, admin: Any) -> Any:
    """A synthetic province imported through the real path and scored with sichuan-2025."""
    from innopoints.collection.demo import import_all, write_files  # noqa: PLC0415

    import_all(write_files(files, n, seed=seed), "2025")
    return scored_run(admin)


def scored_run(admin: Any) -> Any:
    """A finished sichuan-2025 run of the 2025 data in the database, started by ``admin``."""
    from innopoints.scoring import execution  # noqa: PLC0415
    from innopoints.scoring.models import Run, SchemeVersion  # noqa: PLC0415

    run = Run.objects.create(
        period="2025",
        scheme_version=SchemeVersion.objects.get(scheme_id="sichuan-2025"),
        started_by=admin,
    )
    execution.execute(run)
    assert run.status == "done", run.error
    return run


def published_board(run: Any, admin: Any, title: str, **definition: Any) -> Any:
    """A 积分榜 of the run, published by ``admin`` (which starts the run's matching)."""
    from django.utils import timezone  # noqa: PLC0415

    from innopoints.analysis.models import Leaderboard  # noqa: PLC0415

    board = Leaderboard.objects.create(run=run, title=title, **definition)
    board.status, board.published_at, board.published_by = "published", timezone.now(), admin
    board.save()
    return board
