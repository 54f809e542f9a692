"""Page timings over the demo database (issue 14 §6): each slow page, signed in as the demo
account that uses it, requested in-process with Django's test client (server time only: no
network, no browser), several times; first request, median and spread per page.

    uv run innopoints demo --no-serve          # once, into INNOPOINTS_DATA_DIR (e.g. /tmp/perfdemo)
    uv run python -m benchmarks.pages --data-dir /tmp/perfdemo [--repeat 5]

The demo's database is copied into a scratch directory first (publishing writes lists), so
the demo data directory is left as it was and every measurement starts from the same state.
The last line printed is the figures as JSON (benchmarks/__main__.py reads it)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _prepare(data_dir: Path, scratch: Path) -> None:
    """The scratch data directory: the demo's database, key and accounts (no cache)."""
    for name in ("innopoints.sqlite3", "secret_key", "demo-accounts.txt"):
        shutil.copy2(data_dir / name, scratch / name)
    os.environ["INNOPOINTS_DATA_DIR"] = str(scratch)
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("DATABASE_REPLICA_URL", None)
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ["INNOPOINTS_HTTPS"] = "0"
    os.environ["INNOPOINTS_ALLOWED_HOSTS"] = "testserver,localhost,127.0.0.1"
    os.environ["INNOPOINTS_STATIC_MANIFEST"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "innopoints.site.settings")
    import django  # noqa: PLC0415 - after the environment points at the scratch copy

    django.setup()
    from django.core.management import call_command  # noqa: PLC0415

    call_command("migrate", interactive=False, verbosity=0)  # a demo built by older code


def _accounts(scratch: Path) -> dict[str, str]:
    """Portal label → user name (demo-accounts.txt: label, name, password per line)."""
    lines = (scratch / "demo-accounts.txt").read_text(encoding="utf-8").splitlines()
    return {label: name for label, name, _secret in (line.split("\t") for line in lines)}


def _client(username: str, language: str = "zh-hans") -> Any:
    from django.conf import settings  # noqa: PLC0415
    from django.contrib.auth import get_user_model  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _fetch(client: Any, method: str, url: str) -> tuple[int, int]:
    response = client.post(url, follow=True) if method == "POST" else client.get(url)
    body = (
        b"".join(response.streaming_content)
        if getattr(response, "streaming", False)
        else response.content
    )
    return response.status_code, len(body)


def _wait_for_jobs() -> None:
    """Background jobs the last request started (matching after a publish) finish before the
    next measurement."""
    for thread in threading.enumerate():
        if (
            thread is not threading.current_thread()
            and thread.daemon
            and thread.name[:6]
            in {
                "match-",
            }
        ):
            thread.join()


def _measure(
    label: str, call: Callable[[], tuple[int, int]], repeat: int, before: Callable[[], None]
) -> dict[str, Any]:
    walls: list[float] = []
    status = size = 0
    for _ in range(repeat):
        before()
        start = time.perf_counter()
        status, size = call()
        walls.append(time.perf_counter() - start)
        _wait_for_jobs()
    return {
        "page": label,
        "status": status,
        "kb": round(size / 1024),
        "first_s": walls[0],
        "median_s": statistics.median(walls),
        "min_s": min(walls),
        "max_s": max(walls),
        "walls_s": walls,
    }


def _nothing() -> None:
    return None


def pages(
    scratch: Path, repeat: int, wanted: Callable[[str], bool] = lambda _label: True
) -> list[dict[str, Any]]:
    from django.urls import NoReverseMatch, reverse  # noqa: PLC0415

    from innopoints.analysis.models import Leaderboard, Pool  # noqa: PLC0415
    from innopoints.applications.models import Match, Offering, RunMatching  # noqa: PLC0415
    from innopoints.scoring.models import Run  # noqa: PLC0415

    accounts = _accounts(scratch)
    province = accounts["government (Sichuan)"]
    run = Run.objects.filter(status="done").order_by("pk").first()
    assert run is not None, "the demo data directory has no finished run"
    board = Leaderboard.objects.filter(run=run, status="published").order_by("pk").first()
    assert board is not None, "the demo data directory has no published list"
    offering = Offering.objects.order_by("pk").first()
    pool = Pool.objects.order_by("pk").first()
    gov_zh, gov_en, admin = _client(province), _client(province, "en"), _client("admin")
    board_url = reverse("analysis:board", args=[board.pk])
    plan: list[tuple[str, Any, str, str]] = [
        ("quality report (zh)", gov_zh, "GET", reverse("collection:quality")),
        ("quality report (en)", gov_en, "GET", reverse("collection:quality")),
        ("list page 1 (6,000-row list)", gov_zh, "GET", board_url),
        ("list page 40", gov_zh, "GET", f"{board_url}?page=40"),
        ("pools page", gov_zh, "GET", reverse("analysis:pools", args=[run.pk])),
        ("admin: fact values", admin, "GET", reverse("admin:collection_factvalue_changelist")),
        (
            "admin: pool memberships",
            admin,
            "GET",
            reverse("admin:analysis_poolmembership_changelist"),
        ),
        ("admin: pushes", admin, "GET", reverse("admin:applications_push_changelist")),
        ("admin: matches", admin, "GET", reverse("admin:applications_match_changelist")),
    ]
    if pool is not None:
        try:
            members = reverse("analysis:pool", args=[run.pk, pool.code])
            plan.append(("pool members page 2", gov_zh, "GET", f"{members}?page=2"))
        except NoReverseMatch:
            pass  # before the pool pages existed
    if offering is not None:
        plan.append(
            (
                "admin: offering edit page",
                admin,
                "GET",
                reverse("admin:applications_offering_change", args=[offering.pk]),
            )
        )
    measured = []
    for label, client, method, url in plan:
        if wanted(label):
            call = lambda c=client, m=method, u=url: _fetch(c, m, u)  # noqa: E731
            measured.append(_measure(label, call, repeat, _nothing))
            report(measured[-1:], header=False)

    def draft() -> str:
        fresh = Leaderboard.objects.create(
            run=run, title="benchmark", kind="overall", share_from=0, share_to=20
        )
        return reverse("analysis:board-publish", args=[fresh.pk])

    pending: list[str] = []

    def new_list() -> None:
        pending.append(draft())

    def new_list_unmatched_run() -> None:
        Match.objects.filter(run=run).delete()
        RunMatching.objects.filter(run=run).delete()
        pending.append(draft())

    for label, before in (
        ("publish a list (then its page)", new_list),
        ("publish the run's first list (matching starts)", new_list_unmatched_run),
    ):
        if wanted(label):
            publish = lambda: _fetch(gov_zh, "POST", pending.pop())  # noqa: E731
            measured.append(_measure(label, publish, repeat, before))
            report(measured[-1:], header=False)
    return measured


def report(measured: list[dict[str, Any]], out: Any = sys.stdout, header: bool = True) -> None:
    if header:
        print(
            f"{'page':<48} {'status':>6} {'KB':>6} {'first':>8} {'median':>8} {'min–max':>15}",
            file=out,
        )
    for m in measured:
        print(
            f"{m['page']:<48} {m['status']:>6} {m['kb']:>6} {m['first_s'] * 1000:>6.0f}ms "
            f"{m['median_s'] * 1000:>6.0f}ms {m['min_s'] * 1000:>6.0f}–{m['max_s'] * 1000:.0f}ms",
            file=out,
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pages")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(os.environ.get("INNOPOINTS_DATA_DIR", "var")),
        help="the data directory of `innopoints demo --no-serve` (30,000 enterprises)",
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--page", action="append", help="only pages whose name contains this (repeatable)"
    )
    args = parser.parse_args()
    data_dir = args.data_dir.resolve()
    if not (data_dir / "demo-accounts.txt").exists():
        sys.exit(f"{data_dir} holds no demo: run `innopoints demo --no-serve` with that data dir")
    with tempfile.TemporaryDirectory(prefix="innopoints-pages-") as tmp:
        _prepare(data_dir, Path(tmp))
        print(
            f"Pages over the demo database ({data_dir}, SQLite, in-process test client), "
            f"{args.repeat} requests each"
        )
        report([])
        measured = pages(
            Path(tmp),
            args.repeat,
            lambda label: not args.page or any(p in label for p in args.page),
        )
        print("\nsummary")
        report(measured)
        print(json.dumps(measured))


if __name__ == "__main__":
    main()
