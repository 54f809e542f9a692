"""The search box at national scale (issue 18 §2): 1,000,000 enterprises with Chinese names,
legal representatives and pinyin initials COPYed into a fresh PostgreSQL database, the search
indexes built as the migration builds them (registry/search_index.py; dropped for the load and
built once after it, as a bulk loader would), then each kind of query timed the way the
government page runs it — the matcher (registry/search.py ``find``: at most 500 hits from the
index) and the first page of 20 rows ordered by name — for a provincial user (all 1,000,000)
and a city user (成都市, its code prefix), plus the whole page (``/analysis/enterprises/?q=…``,
Django's test client in the process: server time only) for the provincial user.

uv run python -m benchmarks.search [--enterprises 1000000] [--repeat 7] [--samples 5]
    [--database-url postgres://postgres@127.0.0.1:5432] [--reuse]

Prints, per query kind and user, the median and the range (min–max) of every timed search
(``--samples`` different queries of that kind, each ``--repeat`` times after one untimed warm
call); the last line is JSON for ``python -m benchmarks``. Target: ≤ 100 ms a search.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl

NAME = "innopoints_search"
# name parts: brand characters, industry words, company forms
BRAND = (
    "华智天蜀锦川力达恒瑞康博新创源信通航明德嘉盛宏泰安鑫卓越佳美长丰海科云峰金银中宇"
    "兴隆伟业光辉腾飞祥和正大同仁众诚远景弘毅鼎立晟睿凯旋英杰豪迈星辰阳光绿洲奥特普惠"
)
INDUSTRY = [
    "科技",
    "生物医药",
    "新材料",
    "电子科技",
    "智能装备",
    "信息技术",
    "新能源",
    "环保科技",
    "航空科技",
    "软件",
    "精密机械",
    "数据服务",
]
FORM = ["有限公司", "股份有限公司", "有限责任公司", "集团有限公司"]
SURNAME = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
GIVEN = "伟芳娜敏静强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰萍鹏辉红娟丽斌宇浩凯健俊帆帅旭宁琳"


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
        for chunk in frame.iter_slices(200_000):
            buffer = io.BytesIO()
            chunk.write_csv(buffer, include_header=False, null_value="")
            copy.write(buffer.getvalue())


def _pick(rng: np.random.Generator, items: list[str], n: int) -> pl.Series:
    return pl.Series(items).gather(rng.integers(0, len(items), n))


def _generate(n: int) -> dict[str, Any]:
    """The enterprises (names of a city's stem, two brand characters, an industry and a form:
    成都华智科技有限公司) and the users the timings sign in as."""
    from django.db import connection  # noqa: PLC0415

    from innopoints.engine.credit_code import generate  # noqa: PLC0415
    from innopoints.registry.initials import initials  # noqa: PLC0415
    from innopoints.registry.models import Region  # noqa: PLC0415
    from innopoints.registry.search_index import drop_index, ensure_index  # noqa: PLC0415

    rng = np.random.default_rng(18)
    counties = list(Region.objects.filter(level=3, code__startswith="51").select_related("parent"))
    county = rng.integers(0, len(counties), n)
    region = np.array([c.code for c in counties])[county]
    stems = [c.parent.name.removesuffix("市") if c.parent else "四川" for c in counties]
    stem = pl.Series(stems).gather(county)
    brand1, brand2 = _pick(rng, list(BRAND), n), _pick(rng, list(BRAND), n)
    industry, form = _pick(rng, INDUSTRY, n), _pick(rng, FORM, n)
    letters = {w: initials(w) for w in {*stems, *BRAND, *INDUSTRY, *FORM}}
    frame = pl.DataFrame(
        {"stem": stem, "b1": brand1, "b2": brand2, "industry": industry, "form": form}
    )
    name = frame.select(pl.concat_str(["stem", "b1", "b2", "industry", "form"])).to_series()
    initial = frame.select(
        pl.concat_str([pl.col(c).replace_strict(letters) for c in frame.columns])
    ).to_series()
    representative = (
        pl.DataFrame(
            {
                "surname": _pick(rng, list(SURNAME), n),
                "given": _pick(rng, list(GIVEN), n),
                # six in ten given names of two characters
                "second": np.where(rng.random(n) < 0.6, _pick(rng, list(GIVEN), n), ""),
            }
        )
        .select(pl.concat_str(["surname", "given", "second"]))
        .to_series()
    )
    enterprises = pl.DataFrame(
        {
            "credit_code": generate(rng, region),
            "name": name,
            "legal_representative": representative,
            "initials": initial,
            "region_id": region,
            "created_at": "2026-01-01 00:00:00+00",
        }
    )
    figures: dict[str, Any] = {}
    start = time.perf_counter()
    drop_index(connection)
    with connection.cursor() as wrapper:
        _copy(wrapper.cursor, "registry_enterprise", enterprises)
    figures["copy_s"] = round(time.perf_counter() - start, 1)
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
    ensure_index(connection)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE registry_enterprise")
    figures["index_s"] = round(time.perf_counter() - start, 1)
    _user("bench-sichuan", region="510000")
    _user("bench-chengdu", region="510100")
    return figures


def _user(name: str, region: str) -> Any:
    from django.contrib.auth import get_user_model  # noqa: PLC0415

    from innopoints.accounts.models import Profile, Role  # noqa: PLC0415

    user = get_user_model().objects.create_user(name, f"{name}@example.invalid", "pw")
    Profile.objects.create(user=user, role=Role.GOVERNMENT, region_id=region)
    return user


def _queries(samples: int) -> dict[str, list[str]]:
    """``samples`` queries of each kind, taken from enterprises of Chengdu (so that the city
    user finds them too) and from the whole province."""
    from innopoints.registry.models import Enterprise  # noqa: PLC0415

    rows = list(
        Enterprise.objects.filter(region__code__startswith="5101")
        .order_by("?")
        .values_list("name", "credit_code", "legal_representative", "initials")[:samples]
    )
    return {
        # a brand of two characters (华智), and brand + industry (华智科技, 4 characters)
        "name, 2 characters": [name[2:4] for name, *_ in rows],
        "name, 4 characters": [name[2:6] for name, *_ in rows],
        # the commonest words: the cap of 500 hits is reached at once
        "name, common word": ["科技", "有限公司", "成都", "新材料", "股份"][:samples],
        "credit code, whole": [code for _, code, *_ in rows],
        "credit code, first 10": [code[:10] for _, code, *_ in rows],
        "legal representative": [rep for *_, rep, _ in rows],
        "pinyin initials": [letters[2:6] for *_, letters in rows],
    }


def _time(call: Callable[[], object], repeat: int) -> list[float]:
    call()  # warm: plans and buffers
    walls = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        walls.append(time.perf_counter() - start)
    return walls


def _spread(walls: list[float]) -> str:
    ms = [w * 1000 for w in walls]
    return f"{statistics.median(ms):7.1f} ms ({min(ms):.1f}–{max(ms):.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.search")
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--samples", type=int, default=5)
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
    from django.core.management import call_command  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415
    from django.urls import reverse  # noqa: PLC0415

    from innopoints.accounts import scope  # noqa: PLC0415
    from innopoints.registry import search  # noqa: PLC0415
    from innopoints.registry.models import Enterprise  # noqa: PLC0415

    call_command("migrate", verbosity=0)
    figures: dict[str, Any] = {"enterprises": args.enterprises}
    if not args.reuse:
        start = time.perf_counter()
        figures |= _generate(args.enterprises)
        figures["generate_s"] = round(time.perf_counter() - start, 1)
        print(
            f"generated {args.enterprises:,} enterprises: {figures['generate_s']} s "
            f"(COPY {figures['copy_s']} s, indexes {figures['index_s']} s)"
        )
    users = {
        "province": get_user_model().objects.get(username="bench-sichuan"),
        "city": get_user_model().objects.get(username="bench-chengdu"),
    }
    client = Client()
    client.force_login(users["province"])
    page_url = reverse("analysis:enterprise-search")

    def searched(user: Any, text: str) -> Callable[[], object]:
        def call() -> object:
            enterprises = scope.governed_enterprises(user).select_related("region")
            found = search.find(enterprises, text)
            return list(enterprises.filter(pk__in=found.ids).order_by("name", "pk")[:20])

        return call

    def page(text: str) -> Callable[[], object]:
        def call() -> object:
            response = client.get(page_url, {"q": text})
            assert response.status_code in (200, 302), response.status_code
            return response

        return call

    print(
        f"\nSearch over {Enterprise.objects.count():,} enterprises: {args.samples} queries a "
        f"kind, each {args.repeat} times; median (min–max); hits: a province user's"
    )
    print(f"{'query':<24} {'province':>26} {'city (成都市)':>26} {'page':>26} {'hits':>12}")
    timings: dict[str, Any] = {}
    for kind, texts in _queries(args.samples).items():
        walls: dict[str, list[float]] = {"province": [], "city": [], "page": []}
        hits = []
        for text in texts:
            walls["province"] += _time(searched(users["province"], text), args.repeat)
            walls["city"] += _time(searched(users["city"], text), args.repeat)
            walls["page"] += _time(page(text), args.repeat)
            hits.append(len(search.find(scope.governed_enterprises(users["province"]), text).ids))
        timings[kind] = {"queries": texts, "hits": hits, **walls}
        shown = f"{min(hits)}–{max(hits)}"
        print(
            f"{kind:<24} {_spread(walls['province']):>26} {_spread(walls['city']):>26} "
            f"{_spread(walls['page']):>26} {shown:>12}"
        )
    figures["timings_s"] = timings
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
