"""The financing funnel at national scale (issue 17 §6): 1,000,000 enterprises with a published
run's results and their policy matches (COPY straight into a fresh PostgreSQL database), the
run's match rollup built once as the matching job builds it (``targets/rollup.py``), and
200,000 applications in every state; then each funnel grouping (bank, product, division, tier,
stage) timed for a provincial user, a city user and one bank — the figures alone, and the whole
page (``/targets/funnel/?by=…``, Django's test client in the process: server time only).

uv run python -m benchmarks.funnel [--enterprises 1000000] [--applications 200000]
    [--offerings 100] [--repeat 7] [--database-url postgres://postgres@127.0.0.1:5432]
    [--reuse]

Prints the generation, the rollup build and, per grouping and user, the median and the range
(min–max) of the timed repeats (the first page request, which also counts the run's scored
enterprises once for the target card, is reported apart); the last line is JSON for
``python -m benchmarks``. Target: ≤ 500 ms a page.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import time
from typing import Any

import numpy as np
import polars as pl

NAME = "innopoints_funnel"
STAGES = ["seed", "startup", "growth", "mature"]
TIERS = ["A", "B", "C", "D"]
# the application states and their shares (the funnel narrows)
STATES = {
    "submitted": 0.10,
    "accepted": 0.06,
    "more_info": 0.04,
    "reviewing": 0.08,
    "approved": 0.07,
    "rejected": 0.15,
    "disbursed": 0.20,
    "settled": 0.17,
    "overdue": 0.04,
    "defaulted": 0.03,
    "compensated": 0.02,
    "withdrawn": 0.04,
}


def _database(base: str, reuse: bool) -> str:
    base = base.rstrip("/")
    if not reuse:
        import psycopg  # noqa: PLC0415 - only for this benchmark

        admin = base.replace("postgres://", "postgresql://", 1) + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {NAME}")
            conn.execute(f"CREATE DATABASE {NAME}")
    return f"{base}/{NAME}"


def _copy(cursor: Any, table: str, frame: pl.DataFrame) -> None:
    columns = ", ".join(frame.columns)
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)") as copy:
        for chunk in frame.iter_slices(500_000):
            buffer = io.BytesIO()
            chunk.write_csv(buffer, include_header=False, null_value="")
            copy.write(buffer.getvalue())


def _generate(n: int, n_applications: int, n_offerings: int) -> dict[str, Any]:
    """Enterprises, one published run's results, its matches and the applications; returns the
    run and the users the timings sign in as."""
    import datetime as dt  # noqa: PLC0415

    from django.contrib.auth import get_user_model  # noqa: PLC0415
    from django.db import connection  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    from innopoints.accounts.models import Role  # noqa: PLC0415
    from innopoints.analysis.models import Leaderboard  # noqa: PLC0415
    from innopoints.applications.models import Offering  # noqa: PLC0415
    from innopoints.registry.models import Institution, Region  # noqa: PLC0415
    from innopoints.scoring.models import Run, SchemeVersion  # noqa: PLC0415

    rng = np.random.default_rng(17)
    figures: dict[str, Any] = {}
    start = time.perf_counter()
    admin = get_user_model().objects.create_superuser("bench", "b@example.invalid", "pw")
    counties = np.array(
        list(Region.objects.filter(level=3, code__startswith="51").values_list("code", flat=True))
    )
    banks = [Institution.objects.create(name=f"银行{i:02d}", kind="bank") for i in range(20)]
    province = Region.objects.get(code="510000")
    offerings = []
    for i in range(n_offerings):
        bank = banks[i % len(banks)] if i % 10 else None  # one in ten: a government policy
        offerings.append(
            Offering.objects.create(
                code=f"bench-{i}",
                name=f"产品{i:03d}",
                kind="loan" if bank else "award",
                institution=bank,
                issuer_name="" if bank else "四川省科学技术厅",
                issuer_region=None if bank else province,
                valid_from=dt.date(2025, 1, 1),
                eligibility=[],
            )
        )
    run = Run.objects.create(
        period="2025",
        scheme_version=SchemeVersion.objects.get(scheme_id="sichuan-2025", version="1"),
        status="done",
        started_by=admin,
        n_enterprises=n,
        finished_at=timezone.now(),
    )
    Leaderboard.objects.bulk_create(  # published without starting the matching job
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
    region = counties[rng.integers(0, counties.size, n)]
    stage = np.array(STAGES)[rng.integers(0, 4, n)]
    vetoed = rng.random(n) < 0.03
    tier = np.where(vetoed, "", np.array(TIERS)[rng.integers(0, 4, n)])
    now = "2026-01-01 00:00:00+00"
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor
        _copy(
            cursor,
            "registry_enterprise",
            pl.DataFrame(
                {
                    "credit_code": [f"9151{i:014d}" for i in range(n)],
                    "name": [f"企业{i}" for i in range(n)],
                    "region_id": region,
                    "created_at": now,
                }
            ),
        )
        ids = np.array(
            [
                row[0]
                for row in connection.cursor()
                .execute("SELECT id FROM registry_enterprise ORDER BY credit_code")
                .fetchall()
            ],
            dtype=np.int64,
        )
        total = rng.normal(60, 12, n).clip(0, 100)
        _copy(
            cursor,
            "scoring_result",
            pl.DataFrame(
                {
                    "run_id": run.pk,
                    "enterprise_id": ids,
                    "stage": stage,
                    "base": total,
                    "bonus": 0.0,
                    "total": total,
                    "vetoed": vetoed,
                    "veto_reasons": "",
                    "tier": tier,
                    "industry": "",
                    "region_code": region,
                    "block": 0,
                    "slot": 0,
                    "categories": "{}",
                }
            ),
        )
        # each enterprise eligible for 0–10 offerings (5 on average): ~5 M matches
        per = rng.integers(0, 11, n)
        who = np.repeat(np.arange(n), per)
        offering_ids = np.array([o.pk for o in offerings])
        what = offering_ids[rng.integers(0, n_offerings, who.size)]
        matches = (
            pl.DataFrame({"enterprise_id": ids[who], "offering_id": what})
            .unique()
            .with_columns(run_id=pl.lit(run.pk), reasons=pl.lit("[]"), created_at=pl.lit(now))
        )
        _copy(cursor, "applications_match", matches)
        figures["matches"] = matches.height
        # applications: from matched (enterprise, bank offering) pairs, in every state
        loans = matches.filter(
            pl.col("offering_id").is_in([o.pk for o in offerings if o.institution_id])
        )
        picked = loans.sample(
            n_applications, seed=3, with_replacement=n_applications > loans.height
        )
        institution = {o.pk: o.institution_id for o in offerings}
        position = pl.DataFrame({"enterprise_id": ids, "row": np.arange(n)})
        picked = picked.join(position, on="enterprise_id", how="left")
        rows = picked["row"].to_numpy()
        states = rng.choice(list(STATES), n_applications, p=list(STATES.values()))
        _copy(
            cursor,
            "lending_application",
            pl.DataFrame(
                {
                    "enterprise_id": picked["enterprise_id"],
                    "institution_id": picked["offering_id"].replace_strict(institution),
                    "offering_id": picked["offering_id"],
                    "run_id": run.pk,
                    "reference": "",
                    "status": states,
                    "tier": tier[rows],
                    "stage": stage[rows],
                    "region_code": region[rows],
                    "reason": "",
                    "created_by_id": admin.pk,
                    "created_at": now,
                    "updated_at": now,
                }
            ),
        )
        cursor.execute("ANALYZE")
    figures["generate_s"] = round(time.perf_counter() - start, 1)
    chengdu = Region.objects.get(code="510100")
    users = {
        "province": _user("bench-sichuan", Role.GOVERNMENT, region=province),
        "city": _user("bench-chengdu", Role.GOVERNMENT, region=chengdu),
        "bank": _user("bench-bank", Role.INSTITUTION, institution=banks[1]),
    }
    return {"run": run, "users": users, "figures": figures}


def _user(name: str, role: str, **profile: Any) -> Any:
    from django.contrib.auth import get_user_model  # noqa: PLC0415

    from innopoints.accounts.models import Profile  # noqa: PLC0415

    user = get_user_model().objects.create_user(name, f"{name}@example.invalid", "pw")
    Profile.objects.create(user=user, role=role, **profile)
    return user


def _spread(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return f"{statistics.median(ms):.0f} ms ({min(ms):.0f}–{max(ms):.0f})"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.funnel")
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--applications", type=int, default=200_000)
    parser.add_argument("--offerings", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--reuse", action="store_true", help="time again on the last database")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = _database(args.database_url, args.reuse)
    os.environ.pop("DATABASE_REPLICA_URL", None)
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ["INNOPOINTS_HTTPS"] = "0"
    os.environ["INNOPOINTS_ALLOWED_HOSTS"] = "testserver,localhost,127.0.0.1"
    os.environ["INNOPOINTS_STATIC_MANIFEST"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "innopoints.site.settings")
    import django  # noqa: PLC0415

    django.setup()
    from django.contrib.auth import get_user_model  # noqa: PLC0415
    from django.core.cache import cache  # noqa: PLC0415
    from django.core.management import call_command  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415

    from innopoints.scoring.models import Run  # noqa: PLC0415
    from innopoints.targets import funnel  # noqa: PLC0415
    from innopoints.targets.models import MatchRollup  # noqa: PLC0415
    from innopoints.targets.rollup import build_rollup  # noqa: PLC0415

    call_command("migrate", verbosity=0)
    figures: dict[str, Any] = {
        "enterprises": args.enterprises,
        "applications": args.applications,
        "offerings": args.offerings,
    }
    if args.reuse:
        run = Run.objects.order_by("-pk").first()
        assert run is not None, "no database to reuse: run without --reuse first"
        names = {"province": "bench-sichuan", "city": "bench-chengdu", "bank": "bench-bank"}
        users = {k: get_user_model().objects.get(username=v) for k, v in names.items()}
    else:
        made = _generate(args.enterprises, args.applications, args.offerings)
        run, users = made["run"], made["users"]
        figures |= made["figures"]
        print(
            f"generated {args.enterprises:,} enterprises, their results and "
            f"{figures['matches']:,} matches, {args.applications:,} applications: "
            f"{figures['generate_s']} s"
        )
    start = time.perf_counter()
    figures["rollup_rows"] = build_rollup(run)
    figures["rollup_s"] = round(time.perf_counter() - start, 2)
    print(
        f"match rollup of the run (once, when matching finishes): {figures['rollup_rows']:,} "
        f"rows in {figures['rollup_s']} s"
    )
    assert MatchRollup.objects.filter(run=run).exists()
    timings: dict[str, dict[str, Any]] = {}
    print(
        f"\nfunnel, {args.repeat} repeats each: median (min–max); figures = the grouped counts "
        "alone; page = the whole request (first request apart)"
    )
    print(f"{'grouping':<10} {'user':<9} {'figures':>22} {'page':>22} {'first page':>11}")
    for who, user in users.items():
        viewer = funnel.viewer_of(user)
        assert viewer is not None
        client = Client()
        client.force_login(user)
        cache.clear()
        for by in funnel.BY:
            walls = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                rows, _total = funnel.funnel(run, by, viewer)
                walls.append(time.perf_counter() - t)
            pages = []
            for _ in range(args.repeat + 1):
                t = time.perf_counter()
                response = client.get("/targets/funnel/", {"by": by})
                pages.append(time.perf_counter() - t)
                assert response.status_code == 200, response.status_code
            first, pages = pages[0], pages[1:]
            timings[f"{by}/{who}"] = {
                "rows": len(rows),
                "figures_s": walls,
                "page_s": pages,
                "first_page_s": first,
            }
            print(
                f"{by:<10} {who:<9} {_spread(walls):>22} {_spread(pages):>22} "
                f"{first * 1000:>8.0f} ms"
            )
    figures["timings"] = timings
    worst = max(statistics.median(t["page_s"]) for t in timings.values())
    figures["worst_page_median_ms"] = round(worst * 1000, 1)
    print(f"\nslowest page median: {worst * 1000:.0f} ms (target ≤ 500 ms)")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
