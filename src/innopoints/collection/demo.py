"""Demo data through the real path: a synthetic province split into the files each government
source would send, imported with the same import code users run (findings included). One
source (人力资源社会保障厅) is pulled on a schedule from a small HTTP endpoint the demo starts
on localhost; another (经济和信息化厅) delivers through the data exchange API (api/demo.py)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import polars as pl
from django.db import connections

from innopoints.collection import pulls
from innopoints.collection.importing import ImportOutcome, import_file
from innopoints.collection.models import Authorisation, DataSource, SourceEndpoint
from innopoints.engine.fields import base_catalogue
from innopoints.engine.synth import synth_frame, to_file_frame
from innopoints.registry.models import Enterprise

# What each source's file carries (besides the credit code), in import order: the
# registration authority first, so that every other file finds its enterprises.
SOURCE_FILES: dict[str, tuple[str, ...]] = {
    "samr": (
        "name",
        "established",
        "region",
        "industry",
        "invention_apps",
        "pct_apps",
        "standards",
        "ip_items",
    ),
    "tax": (
        "name",
        "rd_expense",
        "rd_expense_prev",
        "revenue",
        "revenue_prev",
        "rd_deduction_tax",
        "net_profit",
        "equity_begin",
        "equity_end",
    ),
    "sti": (
        "name",
        "employees",
        "st_staff",
        "postgrad_staff",
        "invention_apps",
        "pct_apps",
        "tech_contract",
        "hitech_revenue",
        "platforms",
        "awards",
        "projects",
        "vc_amount",
        "strategic_industry",
        "qual_gazelle",
        "talents",
        "veto_blacklist",
    ),
    "hrss": ("graduates", "employees"),
    "miit": ("qual_little_giant", "qual_single_champion", "qual_innovation_demo"),
    "emergency": ("veto_safety",),
    "court": ("veto_blacklist",),
}
AUTHORISING_SHARE = 0.88


@dataclass(frozen=True)
class DemoFiles:
    directory: Path
    files: dict[str, Path]


def _with_faults(frame: pl.DataFrame, rng: np.random.Generator) -> dict[str, pl.DataFrame]:
    """Per-source copies with the faults real sources have: a few S&T staff counts above the
    head count, a few head counts that differ between sources, a few patent counts that the
    market regulator counts differently."""
    n = frame.height
    sti = frame.with_columns(
        pl.when(pl.Series(rng.random(n) < 0.004))
        .then(pl.col("employees") + 5)
        .otherwise(pl.col("st_staff"))
        .alias("st_staff")
    )
    differ = pl.Series(rng.random(n) < 0.02)
    hrss = frame.with_columns(
        pl.when(differ)
        .then((pl.col("employees") * 1.15).round(0).cast(pl.Int64))
        .otherwise(pl.col("employees"))
        .alias("employees")
    )
    samr = frame.with_columns(
        pl.when(pl.Series(rng.random(n) < 0.01))
        .then(pl.col("invention_apps") + 3)
        .otherwise(pl.col("invention_apps"))
        .alias("invention_apps")
    )
    return {
        "samr": samr,
        "tax": frame,
        "sti": sti,
        "hrss": hrss,
        "miit": frame,
        "emergency": frame,
        "court": frame,
    }


def write_files(
    directory: Path, n: int, seed: int = 2025, period_end: dt.date = dt.date(2025, 12, 31)
) -> DemoFiles:
    directory.mkdir(parents=True, exist_ok=True)
    frame = synth_frame(n, seed, period_end)
    variants = _with_faults(frame, np.random.default_rng(seed + 1))
    files = {}
    for code, columns in SOURCE_FILES.items():
        selected = variants[code].select("credit_code", *columns)
        path = directory / f"{code}_{period_end.year}.csv"
        to_file_frame(selected).write_csv(path)
        files[code] = path
    return DemoFiles(directory, files)


def authorise(share: float = AUTHORISING_SHARE, seed: int = 2025) -> int:
    """Most enterprises authorise the tax bureau to share their figures (附件1 经企业授权)."""
    tax = DataSource.objects.get(code="tax")
    ids = np.array(Enterprise.objects.order_by("id").values_list("id", flat=True))
    chosen = ids[np.random.default_rng(seed).random(ids.shape[0]) < share]
    existing = set(Authorisation.objects.filter(source=tax).values_list("enterprise_id", flat=True))
    grants = [
        Authorisation(enterprise_id=int(e), source=tax, valid_from=dt.date(2025, 1, 1), scope=[])
        for e in chosen
        if int(e) not in existing
    ]
    Authorisation.objects.bulk_create(grants, batch_size=5000)
    return len(grants)


def import_all(
    files: DemoFiles, period: str, user: object = None, report: Callable[[str], None] | None = None
) -> list[ImportOutcome]:
    outcomes = []
    for code, path in files.files.items():
        source = DataSource.objects.get(code=code)
        outcome = import_file(source, period, path.name, path.read_bytes(), user=user)
        outcomes.append(outcome)
        if report is not None:
            report(
                f"{source.name}: {outcome.n_rows} 行, {outcome.n_values} 个数值, "
                f"新企业 {outcome.n_new_enterprises}, 核验问题 {outcome.n_findings}, "
                f"{outcome.seconds:.1f} 秒"
            )
        if code == "samr":
            authorise()
    return outcomes


# ---------------------------------------------------------------- a source pulled on a schedule

# the human-resources department's own system, as the demo imagines it: JSON rows under its
# own column names, served by a small HTTP server the demo starts on localhost
PULLED_SOURCE = "hrss"
PULLED_COLUMNS = {"tyshxydm": "credit_code", "bysrs": "graduates", "zgrs": "employees"}
PULLED_CONTACT = "data@hrss.example.invalid"
# the source whose batch the demo delivers through the data exchange API (api/demo.py)
API_SOURCE = "miit"


def _pulled_rows(path: Path) -> bytes:
    """The pulled source's file as its system would answer: JSON under its own names."""
    catalogue_headers = {base_catalogue()[code].header: code for code in PULLED_COLUMNS.values()}
    own = {code: column for column, code in PULLED_COLUMNS.items()}
    frame = pl.read_csv(path, infer_schema_length=0)
    frame = frame.rename(
        {h: own[catalogue_headers[h]] for h in frame.columns if h in catalogue_headers}
    )
    return json.dumps(frame.to_dicts(), ensure_ascii=False).encode("utf-8")


class _Handler(BaseHTTPRequestHandler):
    directory: Path
    period: str

    def do_GET(self) -> None:
        wanted = f"/{PULLED_SOURCE}/{self.period}.json"
        path = self.directory / f"{PULLED_SOURCE}_{self.period}.csv"
        if self.path.split("?")[0] != wanted or not path.exists():
            self.send_error(404)
            return
        body = _pulled_rows(path)
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def start_source_server(directory: Path, period: str) -> str:
    """Start the pulled source's HTTP endpoint on a free localhost port (a daemon thread, as
    long as the demo runs); its URL with ``{period}`` for the period pulled."""
    handler = type("DemoSourceHandler", (_Handler,), {"directory": directory, "period": period})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True, name="demo-source").start()
    return f"http://127.0.0.1:{server.server_address[1]}/{PULLED_SOURCE}/{{period}}.json"


def configure_pull(url: str, period: str) -> SourceEndpoint:
    """The pulled source's endpoint (its address changes with each demo start's free port)."""
    source = DataSource.objects.get(code=PULLED_SOURCE)
    if not source.contact_email:
        source.contact_email = PULLED_CONTACT
        source.save(update_fields=["contact_email"])
    endpoint, _created = SourceEndpoint.objects.update_or_create(
        source=source,
        defaults={
            "url": url,
            "format": "json",
            "mapping": PULLED_COLUMNS,
            "period": period,
            "enabled": True,
        },
    )
    return endpoint


def pull_in_background(every: float = 60.0) -> threading.Thread:
    """Without a broker (the embedded demo) the beat's pulls run in this process: the due
    endpoints every minute."""

    def loop() -> None:
        while True:
            time.sleep(every)
            try:
                pulls.pull_due()
            except Exception:  # the demo server goes on
                logging.getLogger(__name__).exception("demo pull failed")
            finally:
                connections.close_all()

    thread = threading.Thread(target=loop, daemon=True, name="demo-pulls")
    thread.start()
    return thread
