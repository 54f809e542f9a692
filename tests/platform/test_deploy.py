"""Production configuration and observability: health endpoints, request ids and JSON logs,
the read-replica router, the deploy checks (in-process and as the ``innopoints check-deploy``
command), the periodic jobs, the job status page and the timings on the statistics page."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from innopoints.accounts.models import Profile, Role
from innopoints.analysis.models import DossierBatch, Leaderboard
from innopoints.applications.models import Message, RunMatching
from innopoints.collection.models import Authorisation, DataSource, ImportJob
from innopoints.core import requestid, routers
from innopoints.ops import checks, logs, periodic, probes
from innopoints.ops.schedule import beat_schedule
from innopoints.registry.models import Enterprise, Institution, Region
from innopoints.scoring import execution
from innopoints.scoring.models import RobustnessAnalysis, Run, SchemeVersion
from innopoints.site import names
from tests.conftest import codes
from tests.platform.static_root import collected_static

ROOT = Path(__file__).resolve().parents[2]
UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1


# ---------------------------------------------------------------- health endpoints


def test_healthz_answers_without_sign_in_host_check_or_https(
    db: Any, settings: Any, client: Client
) -> None:
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["innopoints.example.gov"]
    # a load balancer probes the node by its address over plain HTTP
    response = client.get("/healthz", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response["Cache-Control"] == "no-store"
    # every other path still gets the host check and the redirect
    assert client.get("/", HTTP_HOST="10.0.0.7:8000").status_code == 400
    assert client.post("/healthz").status_code == 405


def test_readyz_is_200_when_database_migrations_and_broker_answer(
    db: Any, settings: Any, client: Client
) -> None:
    settings.CELERY_BROKER_URL = ""
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"ok": True, "detail": connection.vendor}
    assert body["checks"]["migrations"] == {"ok": True, "detail": "all applied"}
    assert body["checks"]["broker"]["ok"] is True


def test_readyz_is_503_when_the_broker_is_down_and_names_no_host(
    db: Any, settings: Any, client: Client
) -> None:
    settings.CELERY_BROKER_URL = UNREACHABLE_BROKER
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True
    assert "127.0.0.1" not in response.content.decode()


def test_readyz_is_503_with_unapplied_migrations(
    db: Any, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Pending:
        app_label, name = "scoring", "0099_future"

    class Executor:
        def __init__(self, connection: Any) -> None:
            self.loader = type("Loader", (), {"graph": type("G", (), {"leaf_nodes": list})()})()

        def migration_plan(self, targets: Any) -> list[tuple[Any, bool]]:
            return [(Pending, False)]

    monkeypatch.setattr(probes, "MigrationExecutor", Executor)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == {"ok": False, "detail": "1 unapplied"}
    assert probes.migrations() == (False, "1 unapplied: scoring.0099_future")


# ---------------------------------------------------------------- request ids and JSON logs


def test_every_response_carries_a_request_id(db: Any, client: Client) -> None:
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/accounts/login/")["X-Request-ID"]
    assert len(first) == 32 and len(second) == 32 and first != second
    # the load balancer's id is kept when it is a plain token, replaced when it is not
    kept = client.get("/accounts/login/", HTTP_X_REQUEST_ID="lb-4f2a9c1e77")["X-Request-ID"]
    assert kept == "lb-4f2a9c1e77"
    forged = client.get("/accounts/login/", HTTP_X_REQUEST_ID='x"\n{"level":"INFO"}')
    assert forged["X-Request-ID"] != 'x"\n{"level":"INFO"}' and len(forged["X-Request-ID"]) == 32


def _format(message: str, **extra: Any) -> dict[str, Any]:
    record = logging.LogRecord("innopoints.test", logging.WARNING, __file__, 1, message, (), None)
    for key, value in extra.items():
        setattr(record, key, value)
    logs.RequestIdFilter().filter(record)
    return dict(json.loads(logs.JsonFormatter().format(record)))


def test_log_lines_are_json_with_the_request_id() -> None:
    outside = _format("起步")
    assert outside["request_id"] == "-"
    assert outside["level"] == "WARNING" and outside["logger"] == "innopoints.test"
    assert outside["message"] == "起步"  # Chinese kept readable, not \\u escapes
    token = requestid.current.set("abc123def456")
    try:
        inside = _format("导入完成", rows=300)
    finally:
        requestid.current.reset(token)
    assert inside["request_id"] == "abc123def456" and inside["rows"] == 300
    assert "导入完成" in logs.JsonFormatter().format(
        logging.LogRecord("x", logging.INFO, __file__, 1, "导入完成", (), None)
    )


def test_the_settings_log_through_the_json_formatter() -> None:
    handler = settings.LOGGING["handlers"]["console"]
    assert handler["filters"] == ["request_id", "client_errors"]
    assert settings.LOGGING["formatters"]["json"]["()"] == "innopoints.ops.logs.JsonFormatter"


# ---------------------------------------------------------------- read replica


def test_reports_read_the_replica_only_when_configured(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    router = routers.ReplicaRouter()
    with routers.reports():
        assert router.db_for_read(Run) == "default"  # no replica configured
    monkeypatch.setattr(routers, "replica_configured", lambda: True)
    assert router.db_for_read(Run) == "default"  # outside reports(): the primary
    with routers.reports():
        assert router.db_for_read(Run) == "replica"
        assert router.db_for_write(Run) == "default"  # writes never go to the replica
    assert router.db_for_read(Run) == "default"
    assert router.allow_migrate("replica", "scoring") is False
    assert router.allow_migrate("default", "scoring") is True


# ---------------------------------------------------------------- deploy checks, in-process


def test_secret_key_check(settings: Any) -> None:
    for weak in ("change-me", "django-insecure-" + "x" * 60, "a" * 80, secrets.token_hex(10)):
        settings.SECRET_KEY = weak
        assert not checks.secret_key().ok, weak
    settings.SECRET_KEY = secrets.token_urlsafe(60)
    assert checks.secret_key().ok


def test_broker_check(settings: Any) -> None:
    settings.CELERY_BROKER_URL = UNREACHABLE_BROKER
    result = checks.broker()
    assert not result.ok and result.line().startswith("FAIL  broker reachable — ")
    settings.CELERY_BROKER_URL = ""
    assert checks.broker().ok


def test_font_check(settings: Any) -> None:
    settings.INNOPOINTS_PDF_FONT = "No Such Font CJK ZZ"
    assert not checks.fonts().ok
    settings.INNOPOINTS_PDF_FONT = "Noto Sans CJK SC"  # ./run installs fonts-noto-cjk
    assert checks.fonts().ok


def test_data_dir_check(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = tmp_path / "data" / "media"
    assert checks.data_dir().ok
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    settings.DATA_DIR = blocked
    result = checks.data_dir()
    assert not result.ok and str(blocked) in result.detail


def test_static_check(settings: Any, tmp_path: Path) -> None:
    settings.STATIC_MANIFEST = False
    assert not checks.static_files().ok  # production serves collected files
    settings.STATIC_MANIFEST = True
    settings.STATIC_ROOT = tmp_path
    assert "no manifest" in checks.static_files().detail
    (tmp_path / "staticfiles.json").write_text(
        json.dumps({"paths": {"site/portal.css": "site/portal.1.css"}})
    )
    result = checks.static_files()
    assert not result.ok and "vendor/echarts/echarts.min.js" in result.detail
    paths = {name: name for name in checks.REQUIRED_STATIC}
    (tmp_path / "staticfiles.json").write_text(json.dumps({"paths": paths}))
    assert checks.static_files().ok


def test_database_and_migration_checks(db: Any) -> None:
    assert checks.database().ok and checks.migrations().ok
    assert checks.replica().ok  # none configured


def test_django_deploy_check_fails_on_insecure_settings(settings: Any) -> None:
    settings.SECURE_HSTS_SECONDS = 0
    settings.SESSION_COOKIE_SECURE = False
    result = checks.django_deploy()
    assert not result.ok
    assert "security.W004" in result.detail and "security.W012" in result.detail


# ---------------------------------------------------------------- `innopoints check-deploy`


def _production_env(tmp_path: Path, database_url: str, **overrides: str) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "VIRTUAL_ENV", "PYTHONPATH")
    env = {key: os.environ[key] for key in keep if key in os.environ}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "innopoints.site.settings",
            "DATABASE_URL": database_url,
            "INNOPOINTS_DATA_DIR": str(tmp_path / "data"),
            "INNOPOINTS_STATIC_ROOT": str(tmp_path / "static"),
            "INNOPOINTS_SECRET_KEY": secrets.token_urlsafe(60),
            "INNOPOINTS_ALLOWED_HOSTS": "innopoints.example.gov",
            "CELERY_BROKER_URL": "redis://127.0.0.1:6379/15",
        }
    )
    env.update(overrides)
    return env


def _innopoints(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "innopoints.cli", *args]
    return subprocess.run(
        command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.fixture
def migrated_url(db: Any, tmp_path: Path) -> str:
    """A migrated database another process can open: the test database on PostgreSQL (its
    tables are committed), a freshly migrated file on SQLite."""
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
    url = f"sqlite:///{tmp_path / 'deploy.sqlite3'}"
    done = _innopoints(_production_env(tmp_path, url), "manage", "migrate", "-v0")
    assert done.returncode == 0, done.stderr
    return url


@pytest.mark.slow
def test_check_deploy_passes_with_a_production_configuration(
    migrated_url: str, tmp_path: Path
) -> None:
    # production's `innopoints manage collectstatic` (static_root.py: run again whenever a
    # static file or the collecting code changed, else its root from the last run)
    static = collected_static()
    env = _production_env(tmp_path, migrated_url, INNOPOINTS_STATIC_ROOT=str(static))
    # the charts' library is served from the app, hashed and compressed (no CDN)
    manifest = json.loads((static / "staticfiles.json").read_text())
    hashed = manifest["paths"]["vendor/echarts/echarts.min.js"]
    assert (static / f"{hashed}.gz").exists() and (static / f"{hashed}.br").exists()
    done = _innopoints(env, "check-deploy")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith(("PASS", "FAIL"))]
    assert len(lines) == len(checks.ALL) and all(line.startswith("PASS") for line in lines)
    assert f"all {len(checks.ALL)} checks passed" in done.stdout


@pytest.mark.slow
def test_check_deploy_fails_and_names_what_is_wrong(migrated_url: str, tmp_path: Path) -> None:
    env = _production_env(
        tmp_path,
        migrated_url,
        INNOPOINTS_SECRET_KEY="change-me",
        CELERY_BROKER_URL=UNREACHABLE_BROKER,
    )
    done = _innopoints(env, "check-deploy")
    assert done.returncode == 1
    failed = {line.split(" — ")[0] for line in done.stdout.splitlines() if line.startswith("FAIL")}
    assert failed == {
        "FAIL  django check --deploy",  # security.W009: the weak key
        "FAIL  broker reachable",
        "FAIL  static files collected",  # collectstatic has not run
        "FAIL  secret key",
    }
    assert "PASS  database reachable" in done.stdout
    assert "checks failed" in done.stderr


# ---------------------------------------------------------------- periodic jobs


def test_beat_schedules_the_nightly_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INNOPOINTS_NIGHTLY_HOUR", "3")
    schedule = beat_schedule()
    assert {entry["task"] for entry in schedule.values()} == {
        "innopoints.ops.nightly_matching",
        "innopoints.ops.expire_authorisations",
        "innopoints.jobs.redispatch",
        "innopoints.lending.remind_overdue",
        "innopoints.collection.remind_overdue_disputes",
        "innopoints.collection.pull_due_sources",
        "innopoints.ops.flag_late_deliveries",
    }
    assert schedule["nightly-matching"]["schedule"].hour == {3}
    assert schedule["source-pulls"]["schedule"] == 300.0
    assert schedule["redispatch-waiting-jobs"]["schedule"] == 60.0
    monkeypatch.setenv("INNOPOINTS_NIGHTLY_HOUR", "25")
    with pytest.raises(ValueError, match="0–23"):
        beat_schedule()
    from innopoints.site.celery import app  # noqa: PLC0415

    app.loader.import_default_modules()
    assert "innopoints.ops.nightly_matching" in app.tasks
    assert "innopoints.jobs.redispatch" in app.tasks
    assert "innopoints.collection.pull_due_sources" in app.tasks
    assert "innopoints.ops.flag_late_deliveries" in app.tasks


def _done_run(n: int = 0) -> Run:
    return Run.objects.create(
        period="2025",
        scheme_version=SchemeVersion.objects.get(scheme_id="sichuan-2025"),
        status="done",
        finished_at=timezone.now() + dt.timedelta(minutes=n),
    )


def test_nightly_matching_matches_the_latest_published_run_once(db: Any) -> None:
    assert periodic.nightly_matching() is None  # nothing published
    older, latest = _done_run(0), _done_run(1)
    for run in (older, latest):
        Leaderboard.objects.bulk_create(  # bulk: no publication signal starts the matching
            [Leaderboard(run=run, title=f"榜 {run.pk}", status="published")]
        )
    assert periodic.nightly_matching() == latest.pk
    job = RunMatching.objects.get(run=latest)
    assert job.status == "done" and job.n_matches == 0  # no results, no offerings
    assert not RunMatching.objects.filter(run=older).exists()
    assert periodic.nightly_matching() is None  # already matched


def test_expired_authorisations_are_notified_once(db: Any) -> None:
    region = Region.objects.get(code="510107")
    enterprise = Enterprise.objects.create(
        credit_code=codes(1)[0], name="成都到期科技有限公司", region=region
    )
    bank = Institution.objects.create(name="测试银行成都分行", kind="bank")
    today = timezone.localdate()
    expired = Authorisation.objects.create(
        enterprise=enterprise,
        institution=bank,
        valid_from=today - dt.timedelta(days=400),
        valid_to=today - dt.timedelta(days=1),
    )
    ends_today = Authorisation.objects.create(
        enterprise=enterprise, institution=bank, valid_from=today, valid_to=today
    )
    revoked = Authorisation.objects.create(
        enterprise=enterprise,
        source=DataSource.objects.get(code="tax"),
        valid_from=today - dt.timedelta(days=9),
        valid_to=today - dt.timedelta(days=2),
        revoked_at=timezone.now(),
    )
    assert periodic.expire_authorisations() == 1
    expired.refresh_from_db()
    assert expired.expiry_notified_at is not None
    assert not expired.active_on(today)
    for other in (ends_today, revoked):
        other.refresh_from_db()
        assert other.expiry_notified_at is None
    notices = Message.objects.filter(kind="authorisation_expired")
    assert notices.filter(enterprise=enterprise).count() == 1
    assert notices.filter(institution=bank).count() == 1
    day = (today - dt.timedelta(days=1)).isoformat()
    assert day in notices.get(institution=bank).subject
    assert periodic.expire_authorisations() == 0  # once
    assert notices.count() == 2


# ---------------------------------------------------------------- job status and timings


@pytest.fixture
def province_run(db: Any, tmp_path: Path) -> Run:
    from innopoints.collection.demo import import_all, write_files  # noqa: PLC0415

    import_all(write_files(tmp_path / "files", 120, seed=11), "2025")
    run = Run.objects.create(
        period="2025", scheme_version=SchemeVersion.objects.get(scheme_id="sichuan-2025")
    )
    return execution.execute(run)


def test_job_status_page_lists_runs_imports_and_matchings(
    province_run: Run, admin_user: Any, client: Client
) -> None:
    failed = Run.objects.create(
        period="2024",
        scheme_version=province_run.scheme_version,
        status="failed",
        error="Traceback ...\nRuntimeError: engine exploded",
        started_by=admin_user,
    )
    RunMatching.objects.create(run=province_run, status="done", seconds=1.5)
    RobustnessAnalysis.objects.create(
        run=province_run, status="failed", error="ValueError: too few enterprises"
    )
    DossierBatch.objects.create(
        directory="/tmp/x",
        status="running",
        n_enterprises=30,
        files_done=12,
        created_by=admin_user,
    )
    ImportJob.objects.create(
        token="t1",
        source=DataSource.objects.get(code="tax"),
        period="2025",
        file_name="tax-bad.csv",
        path="/tmp/t1",
        status="failed",
        user=admin_user,
        state={"problems": ["row 2: bad credit code"]},
    )
    client.force_login(admin_user)
    response = client.get(reverse("ops:jobs"))
    assert response.status_code == 200
    page = response.content.decode()
    rows = re.findall(r'<tr class="job-(\w+) status-(\w+)[ "]', page)  # the table's rows
    assert rows.count(("import", "done")) == 7  # the seven source files
    assert rows.count(("run", "done")) == 1
    assert ("run", "failed") in rows
    assert "RuntimeError: engine exploded" in page and "boss" in page
    assert ("matching", "done") in rows
    assert ("robustness", "failed") in rows and "too few enterprises" in page
    assert ("dossiers", "running") in rows and "12 / 30" in page
    assert ("import", "failed") in rows and "row 2: bad credit code" in page
    only_runs = client.get(reverse("ops:jobs") + "?kind=run").content.decode()
    assert "job-import" not in only_runs and f"#{failed.pk} " in only_runs


def test_job_status_page_needs_a_government_user(
    db: Any, client: Client, django_user_model: Any
) -> None:
    assert client.get(reverse("ops:jobs")).status_code == 302  # sign in first
    region = Region.objects.get(code="510107")
    company = Enterprise.objects.create(credit_code=codes(1)[0], name="甲", region=region)
    user = django_user_model.objects.create_user("ent", password="x")
    Profile.objects.create(user=user, role=Role.ENTERPRISE, enterprise=company)
    client.force_login(user)
    assert client.get(reverse("ops:jobs")).status_code == 403


def test_statistics_page_shows_run_and_import_timings(
    province_run: Run, admin_user: Any, client: Client
) -> None:
    client.force_login(admin_user)
    page = client.get(reverse("analysis:statistics", args=[province_run.pk])).content.decode()
    timings = province_run.report["timings_s"]
    assert 'id="run-timings"' in page and 'id="job-timings"' in page
    assert f"{timings['total']:.3f}" in page
    assert page.count("数据导入") >= 7
    # the steps in the order they happen, the total last
    table = page[page.index('id="run-timings"') : page.index('id="job-timings"')]
    steps = ["读取数据", "准备指标", "标准化", "排名与分档", "整理结果", "保存结果", "合计"]
    at = [table.index(f">{step}<") for step in steps]
    assert at == sorted(at)


def test_timings_are_listed_in_the_order_of_the_steps() -> None:
    timings = {"total": 9.0, "store_copy": 3.0, "gather": 1.0, "zeta": 0.5, "alpha": 0.1}
    assert [code for code, _ in names.in_step_order(timings)] == [
        "gather",
        "store_copy",
        "alpha",  # steps not named: before the total, by code
        "zeta",
        "total",
    ]


def test_the_frame_watches_only_the_users_own_jobs_under_way_or_just_ended(
    db: Any, client: Client, django_user_model: Any
) -> None:
    """ops:jobs_watch feeds the frame's toasts: a job of mine under way or ended within half an
    hour; never another user's, never an old one."""
    me = django_user_model.objects.create_user("analyst", password="x")
    Profile.objects.create(user=me, role=Role.GOVERNMENT, region=Region.objects.get(code="510000"))
    other = django_user_model.objects.create_user("other", password="x")
    version = SchemeVersion.objects.get(scheme_id="sichuan-2025")
    now = timezone.now()
    running = Run.objects.create(
        period="2025", scheme_version=version, status="running", started_by=me, started_at=now
    )
    just_done = Run.objects.create(
        period="2024",
        scheme_version=version,
        status="done",
        started_by=me,
        started_at=now - dt.timedelta(minutes=5),
        finished_at=now - dt.timedelta(minutes=1),
    )
    Run.objects.create(  # ended long ago
        period="2023",
        scheme_version=version,
        status="done",
        started_by=me,
        started_at=now - dt.timedelta(hours=3),
        finished_at=now - dt.timedelta(hours=2),
    )
    Run.objects.create(period="2022", scheme_version=version, status="running", started_by=other)
    client.force_login(me)
    jobs = client.get(reverse("ops:jobs_watch")).json()["jobs"]
    assert sorted((job["status"], job["active"]) for job in jobs) == [
        ("done", False),
        ("running", True),
    ]
    assert {job["url"] for job in jobs} == {
        reverse("scoring:run", args=[running.pk]),
        reverse("scoring:run", args=[just_done.pk]),
    }
    page = client.get(reverse("portals:gov_home")).content.decode()
    assert f'data-jobs-url="{reverse("ops:jobs_watch")}"' in page
