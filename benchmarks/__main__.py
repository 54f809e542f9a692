"""Run every benchmark and print its figures (see README, Performance).

uv run python -m benchmarks [--sizes 30000,100000] [--large] [--threads 1,2] [--repeat 5]
    [--cli-rows 100000]
    [--only pages --demo-dir /tmp/perfdemo] [--only exports --demo-dir /tmp/perfdemo]
    [--only funnel --database-url postgres://postgres@127.0.0.1:5432]
    [--only search --database-url postgres://postgres@127.0.0.1:5432] [--only startup]
    [--only exchange] (a 30,000-row batch through the data-exchange API, --import-rows)
    [--only growth] (engine and PostgreSQL platform run at 100k, 300k and, with --large, 1M;
    fitted exponent, memory per enterprise: benchmarks.growth, databases kept for reuse)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "out"


def engine(n: int, repeat: int, warm: bool, threads: int | None = None) -> dict[str, object]:
    """One fresh process; ``threads`` pins the engine's pool and polars' (numpy sorts and
    selections are single-threaded whatever the setting)."""
    env = dict(os.environ)
    if threads is not None:
        env |= {"INNOPOINTS_ENGINE_THREADS": str(threads), "POLARS_MAX_THREADS": str(threads)}
    line = (
        subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.engine_child",
                str(n),
                str(repeat),
                "warm" if warm else "cold",
            ],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    return dict(json.loads(line))


def cli_end_to_end(rows: int, repeat: int) -> dict[str, object]:
    exe = shutil.which("innopoints") or "innopoints"
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "province.csv"
        subprocess.run(
            [exe, "synth", "--n", str(rows), "--seed", "5", "--out", str(source)],
            check=True,
            capture_output=True,
        )
        walls = []
        for k in range(repeat):
            out = Path(tmp) / f"scores{k}.csv"
            start = time.perf_counter()
            subprocess.run(
                [
                    exe,
                    "score",
                    str(source),
                    "--scheme",
                    "sichuan-2025",
                    "--period",
                    "2025",
                    "--out",
                    str(out),
                    "--report",
                    str(Path(tmp) / "r.json"),
                    "--quiet",
                ],
                check=True,
            )
            walls.append(time.perf_counter() - start)
        size_mb = source.stat().st_size / 2**20
    return {
        "rows": rows,
        "file_mb": round(size_mb, 1),
        "walls_s": walls,
        "median_s": statistics.median(walls),
    }


def _databases(tmp: str, name: str) -> dict[str, str]:
    targets = {"sqlite": f"sqlite:///{tmp}/{name}.sqlite3"}
    postgres = _fresh_postgres(f"innopoints_{name}")
    if postgres:
        targets["postgresql"] = postgres
    return targets


def _child(module: str, rows: int, url: str, tmp: str) -> dict[str, Any]:
    env = {**os.environ, "DATABASE_URL": url, "INNOPOINTS_DATA_DIR": tmp}
    out = subprocess.run(
        [sys.executable, "-m", module, str(rows)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def runs(rows: int) -> list[dict[str, Any]]:
    """A Sichuan run over a province read from the database, results stored."""
    with tempfile.TemporaryDirectory() as tmp:
        return [
            _child("benchmarks.run_child", rows, url, tmp)
            for url in _databases(tmp, "runbench").values()
        ]


def imports(rows: int) -> list[dict[str, object]]:
    """A 30,000-row registration file, then a tax file with 8 indicators, each validated and
    verified, on a fresh SQLite database and (when it answers) a fresh PostgreSQL database."""
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        targets = {"sqlite": f"sqlite:///{tmp}/bench.sqlite3"}
        postgres = _fresh_postgres()
        if postgres:
            targets["postgresql"] = postgres
        for url in targets.values():
            env = {**os.environ, "DATABASE_URL": url, "INNOPOINTS_DATA_DIR": tmp}
            line = (
                subprocess.run(
                    [sys.executable, "-m", "benchmarks.import_child", str(rows)],
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                )
                .stdout.strip()
                .splitlines()[-1]
            )
            results.append(json.loads(line))
    return results


def _fresh_postgres(name: str = "innopoints_bench") -> str | None:
    try:
        import psycopg  # noqa: PLC0415 - only when PostgreSQL is measured

        with psycopg.connect(
            "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True, connect_timeout=2
        ) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name}")
    except Exception:
        return None
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def spread(values: list[float]) -> str:
    """Median and range of a set of timings: ``1.850 s (1.620–2.460)``."""
    return f"{statistics.median(values):.3f}s ({min(values):.3f}–{max(values):.3f})"


def _print_engine(
    sizes: list[int], repeat: int, processes: int, threads: list[int], results: dict[str, Any]
) -> None:
    print(
        "\nEngine: Sichuan scheme, full breakdown and agreement report, in memory; "
        f"{processes} fresh processes per size, warm: {repeat} runs each, median (min–max)"
    )
    print(
        f"{'enterprises':>12} {'warm, all runs':>26} {'cold 1st run':>26} "
        f"{'peak RSS':>9} {'input RSS':>10} {'breakdown table':>16}"
    )
    results["engine"] = []
    for n in sizes:
        warms: list[dict[str, Any]] = [engine(n, repeat, warm=True) for _ in range(processes)]
        colds: list[dict[str, Any]] = [engine(n, 1, warm=False) for _ in range(processes)]
        entry: dict[str, Any] = {"n": n, "warm": warms, "cold": colds, "threads": {}}
        results["engine"].append(entry)
        walls = [w for run in warms for w in run["walls_s"]]
        cold_walls = [w for run in colds for w in run["walls_s"]]
        peak = statistics.median(run["peak_rss_mb"] for run in warms)
        base = statistics.median(run["input_rss_mb"] for run in warms)
        table = statistics.median(run["breakdown_table_s"] for run in warms)
        print(
            f"{n:>12,} {spread(walls):>26} {spread(cold_walls):>26} {peak:>7.0f}MB "
            f"{base:>8.0f}MB {table:>15.3f}s"
        )
        for label, measured in (("warm", warms), ("cold", colds)):
            print(f"{'':>12} stages ({label}): {_stages(measured)}")
        for count in threads:
            pinned = [engine(n, repeat, warm=True, threads=count) for _ in range(processes)]
            entry["threads"][count] = pinned
            pinned_walls = [w for run in pinned for w in run["walls_s"]]
            label = f"{count} thread{'s' if count > 1 else ''}"
            print(f"{'':>12} {label} (warm): {spread(pinned_walls)}; stages: {_stages(pinned)}")


def _stages(measured: list[dict[str, Any]]) -> str:
    """Each stage's median (min–max) over every run of the processes given. The ranks by group
    and the agreement report run side by side, so ``rank`` and ``agreement`` overlap."""
    return ", ".join(
        f"{k} {spread([t for run in measured for t in run['stages_s'][k]])}"
        for k in measured[0]["stages_s"]
    )


def _print_cli(rows: int, results: dict[str, Any]) -> None:
    print(
        f"\nCommand line end to end: innopoints score on a {rows:,}-row CSV "
        "(read, check, score, write CSV and report)"
    )
    cli: dict[str, Any] = cli_end_to_end(rows, 3)
    results["cli"] = cli
    walls = ", ".join(f"{w:.2f}s" for w in cli["walls_s"])
    print(f"  {cli['file_mb']} MB input; runs {walls}; median {cli['median_s']:.2f}s")


def _print_imports(rows: int, results: dict[str, Any]) -> None:
    print(
        f"\nImport (validate, store every value, verify) of {rows:,}-row source files "
        "into a fresh database"
    )
    measured: list[dict[str, Any]] = imports(rows)
    results["import"] = measured
    for entry in measured:
        for code in ("samr", "tax"):
            item = entry[code]
            print(
                f"  {entry['vendor']:<10} {code:<5} {item['rows']:>7,} rows × "
                f"{item['indicators']} indicators = {item['values']:>7,} values, "
                f"{item['findings']} findings: {item['seconds']:.2f}s"
            )


def _print_matching(results: dict[str, Any]) -> None:
    """Policy matching: 1,000,000 enterprises × 100 offerings (benchmarks/matching.py)."""
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.matching"], check=True, capture_output=True, text=True
    ).stdout.strip()
    lines = out.splitlines()
    print("\n" + "\n".join(lines[:-1]))
    results["matching"] = json.loads(lines[-1])


def _print_robustness(results: dict[str, Any]) -> None:
    """1,000 uncertainty replications over 30,000 enterprises (benchmarks/robustness.py)."""
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.robustness"], check=True, capture_output=True, text=True
    ).stdout.strip()
    lines = out.splitlines()
    print("\n" + "\n".join(lines[:-1]))
    results["robustness"] = json.loads(lines[-1])


def _print_coinr(results: dict[str, Any]) -> None:
    """COINr's treat + normalise + aggregate against innopoints (benchmarks/coinr_speed.py)."""
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.coinr_speed"], check=True, capture_output=True, text=True
    ).stdout.strip()
    lines = out.splitlines()
    print("\n" + "\n".join(lines[:-1]))
    results["coinr"] = json.loads(lines[-1])


def _print_pages(demo_dir: str | None, repeat: int, results: dict[str, Any]) -> None:
    """The slow pages of issue 14 §6 over the 30,000-enterprise demo (benchmarks/pages.py);
    without --demo-dir, `innopoints demo --no-serve` first builds one in a scratch directory."""
    with tempfile.TemporaryDirectory() as tmp:
        if demo_dir is None:
            demo_dir = tmp
            exe = shutil.which("innopoints") or "innopoints"
            env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
            subprocess.run(
                [exe, "demo", "--no-serve"],
                env={**env, "INNOPOINTS_DATA_DIR": tmp},
                check=True,
                capture_output=True,
            )
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.pages",
                "--data-dir",
                demo_dir,
                "--repeat",
                str(repeat),
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    lines = out.splitlines()
    summary = lines.index("summary") if "summary" in lines else 0
    print("\n" + "\n".join([lines[0], *lines[summary + 1 : -1]]))
    results["pages"] = json.loads(lines[-1])


def _print_exports(demo_dir: str | None, repeat: int, results: dict[str, Any]) -> None:
    """The leaderboard, list and bank-list .xlsx of the 30,000-enterprise demo, downloaded in
    full (benchmarks/exports.py); needs --demo-dir (the pages benchmark builds one if not)."""
    if demo_dir is None:
        print("\nexports: skipped, give --demo-dir (an `innopoints demo --no-serve` directory)")
        return
    command = ["-m", "benchmarks.exports", "--data-dir", demo_dir, "--repeat", str(repeat)]
    out = subprocess.run(
        [sys.executable, *command],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    lines = out.splitlines()
    print("\n" + "\n".join(lines[:-1]))
    results["exports"] = json.loads(lines[-1])


def _print_funnel(database_url: str, repeat: int, results: dict[str, Any]) -> None:
    """The financing funnel over 1,000,000 enterprises' matches and 200,000 applications in a
    fresh PostgreSQL database (benchmarks/funnel.py); skipped when PostgreSQL does not answer."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.funnel",
            "--database-url",
            database_url,
            "--repeat",
            str(repeat),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        print(f"\nfunnel: skipped or failed ({done.stderr.strip().splitlines()[-1:]})")
        return
    lines = done.stdout.strip().splitlines()
    print("\nFinancing funnel\n" + "\n".join(lines[:-1]))
    results["funnel"] = json.loads(lines[-1])


def _print_search(database_url: str, repeat: int, results: dict[str, Any]) -> None:
    """The search box over 1,000,000 enterprises in a fresh PostgreSQL database
    (benchmarks/search.py): name parts, credit codes, legal representatives, pinyin initials;
    skipped when PostgreSQL does not answer."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.search",
            "--database-url",
            database_url,
            "--repeat",
            str(repeat),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        print(f"\nsearch: skipped or failed ({done.stderr.strip().splitlines()[-1:]})")
        return
    lines = done.stdout.strip().splitlines()
    print("\nEnterprise search\n" + "\n".join(lines[:-1]))
    results["search"] = json.loads(lines[-1])


def _print_exchange(rows: int, results: dict[str, Any]) -> None:
    print(
        f"\nData exchange: a {rows:,}-row tax batch POSTed to /api/v1/exchange/batches "
        "(as JSON, as CSV; and the same rows imported as a file, in the same process)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        found = [
            _child("benchmarks.exchange_child", rows, url, tmp)
            for url in _databases(tmp, "exchangebench").values()
        ]
    results["exchange"] = found
    for entry in found:
        print(
            f"  {entry['vendor']:<10} "
            + "; ".join(
                f"{kind} {entry[kind]['body_mb']} MB: {entry[kind]['seconds']:.2f}s "
                f"({entry[kind]['values']:,} values)"
                for kind in ("json", "csv", "file")
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--sizes", default="30000,100000", help="engine: enterprises per run")
    parser.add_argument(
        "--large",
        action="store_true",
        help="engine: also 1,000,000 and 3,000,000 enterprises (several minutes, ~6 GB)",
    )
    parser.add_argument(
        "--threads",
        default="1,2",
        help="engine: thread counts to pin for the scaling figures ('' for none)",
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--processes", type=int, default=3, help="engine: fresh processes per size")
    parser.add_argument("--cli-rows", type=int, default=100_000)
    parser.add_argument("--import-rows", type=int, default=30_000)
    parser.add_argument("--run-rows", type=int, default=30_000)
    parser.add_argument(
        "--only",
        choices=[
            "engine",
            "cli",
            "import",
            "run",
            "matching",
            "robustness",
            "coinr",
            "pages",
            "exports",
            "funnel",
            "startup",
            "search",
            "exchange",
            "growth",
        ],
        action="append",
    )
    parser.add_argument(
        "--database-url",
        default="postgres://postgres@127.0.0.1:5432",
        help="funnel, search: the PostgreSQL server (a fresh database is made on it)",
    )
    parser.add_argument(
        "--demo-dir",
        help="pages: the data directory of an `innopoints demo --no-serve` (else one is built)",
    )
    args = parser.parse_args()
    everything = [
        "engine",
        "cli",
        "import",
        "run",
        "matching",
        "robustness",
        "coinr",
        "pages",
        "exports",
        "funnel",
        "startup",
        "search",
    ]
    chosen = set(args.only or everything)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"innopoints benchmarks on {machine}")
    results: dict[str, Any] = {"machine": machine}
    if "engine" in chosen:
        sizes = [int(s) for s in args.sizes.split(",") if s]
        if args.large:
            sizes += [n for n in (1_000_000, 3_000_000) if n not in sizes]
        threads = [int(t) for t in args.threads.split(",") if t]
        _print_engine(sizes, args.repeat, args.processes, threads, results)
    if "cli" in chosen:
        _print_cli(args.cli_rows, results)
    if "import" in chosen:
        _print_imports(args.import_rows, results)
    if "run" in chosen:
        print(
            f"\nScoring run over {args.run_rows:,} enterprises read from the database, "
            "results stored (two runs each)"
        )
        measured = runs(args.run_rows)
        results["run"] = measured
        for entry in measured:
            walls = ", ".join(f"{r['seconds']:.2f}s" for r in entry["runs"])
            print(
                f"  {entry['vendor']:<10} {walls}; stages of the last: "
                + ", ".join(f"{k} {v}s" for k, v in entry["runs"][-1]["stages"].items())
            )
    if "matching" in chosen:
        _print_matching(results)
    if "robustness" in chosen:
        _print_robustness(results)
    if "coinr" in chosen:
        _print_coinr(results)
    if "pages" in chosen:
        _print_pages(args.demo_dir, args.repeat, results)
    if "exports" in chosen:
        _print_exports(args.demo_dir, args.repeat, results)
    if "funnel" in chosen:
        _print_funnel(args.database_url, max(args.repeat, 5), results)
    if "startup" in chosen:
        from benchmarks.startup import print_startup  # noqa: PLC0415

        print_startup(args.repeat, results)
    if "search" in chosen:
        _print_search(args.database_url, max(args.repeat, 5), results)
    if "growth" in chosen:
        sizes = "100000,300000" + (",1000000" if args.large else "")
        growth = [sys.executable, "-m", "benchmarks.growth", "--engine", sizes, "--run", sizes]
        subprocess.run([*growth, "--repeat", str(min(args.repeat, 3))], check=True)
    if "exchange" in chosen:
        _print_exchange(args.import_rows, results)
    OUT.mkdir(exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"\nfigures saved to {OUT / 'results.json'}")


if __name__ == "__main__":
    main()
