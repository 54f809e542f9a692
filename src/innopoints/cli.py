"""The ``innopoints`` command line: score files without any database (docs/METHOD.md §10)."""

from __future__ import annotations

import functools
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from innopoints import __version__

if TYPE_CHECKING:
    from rich.console import Console

    from innopoints.engine import InputError
    from innopoints.engine.scheme import Scheme

# ``innopoints --help`` and the Django commands must not pay for numpy, polars and the engine:
# each command imports what it needs when it runs (docs/scale.md, start-up).
NORMALISATIONS_HELP = "scheme,wminmax,minmax,rank,goalpost"  # engine.uncertainty.NORMALISATIONS


@functools.cache
def _console(stderr: bool) -> Console:
    from rich.console import Console  # noqa: PLC0415 - on demand (start-up)

    return Console(stderr=stderr, soft_wrap=True)


class _LazyConsole:
    """``err.print``/``out.print`` as before; rich loads when something is printed."""

    def __init__(self, stderr: bool) -> None:
        self._stderr = stderr

    def print(self, *objects: Any, **options: Any) -> None:
        _console(self._stderr).print(*objects, **options)


err = _LazyConsole(stderr=True)
out = _LazyConsole(stderr=False)

EXIT_BAD_INPUT = 2


def _load(scheme_ref: str) -> Scheme:
    from innopoints.engine import load_scheme  # noqa: PLC0415

    path = Path(scheme_ref)
    return load_scheme(path if path.suffix in {".yaml", ".yml"} else scheme_ref)


def _fail(message: str) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False, markup=True)
    sys.exit(EXIT_BAD_INPUT)


def _report_input_error(exc: InputError) -> None:
    """Every problem, one plain line each, then a count per column and reason."""
    for problem in exc.problems:
        click.echo(f"{exc.source}: {problem.describe()}", err=True)
    if len(exc.problems) > 10:
        counts = Counter((p.column or "(file)") for p in exc.problems)
        summary = "; ".join(f"{column}: {n}" for column, n in counts.most_common())
        click.echo(f"{exc.source}: problems by column — {summary}", err=True)
    _fail(f"{exc.source}: {len(exc.problems)} problem(s) found; nothing was written.")


@contextmanager
def _user_errors() -> Iterator[None]:
    """Bad input, a bad scheme or an unreadable file ends the command with exit code 2 and
    a message; nothing half-written is left behind (writes are atomic)."""
    from innopoints.engine import InputError, SchemeError  # noqa: PLC0415

    try:
        yield
    except SchemeError as exc:
        _fail(str(exc))
    except InputError as exc:
        _report_input_error(exc)
    except (ValueError, OSError) as exc:
        _fail(str(exc))


def _write_json(data: dict[str, Any], path: Path) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    temporary.replace(path)


class _Steps:
    """A progress bar over the named steps of a command, on stderr."""

    def __init__(self, steps: list[str], quiet: bool) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn  # noqa: PLC0415

        self.steps = steps
        self.progress = Progress(
            TextColumn("{task.description:<28}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=_console(True),
            disable=quiet,
            transient=True,
        )
        self.task = self.progress.add_task("", total=len(steps))

    def __enter__(self) -> _Steps:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(None, None, None)

    def step(self, name: str) -> None:
        done = self.steps.index(name) if name in self.steps else 0
        self.progress.update(self.task, completed=done, description=name)


@click.group()
@click.version_option(__version__, prog_name="innopoints")
def main() -> None:
    """innopoints — 企业创新积分 scoring and platform tools."""


@main.command("score")
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "--scheme",
    "scheme_ref",
    default="sichuan-2025",
    show_default=True,
    help="Built-in scheme id or a scheme YAML file.",
)
@click.option("--period", required=True, help="Evaluated period: 2025, 2025H1 or a date.")
@click.option(
    "--out",
    "out_path",
    required=True,
    type=click.Path(path_type=Path),
    help="Results file (.csv, or .xlsx by its suffix).",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(path_type=Path),
    help="Run report as JSON (agreement, parameters, counts).",
)
@click.option(
    "--breakdown",
    "breakdown_path",
    type=click.Path(path_type=Path),
    help="Full per-indicator breakdown (docs/METHOD.md §9), CSV or XLSX.",
)
@click.option(
    "--params",
    "params_path",
    type=click.Path(path_type=Path),
    help="Save the run's frozen parameters (JSON) for later self-assessments.",
)
@click.option("--quiet", is_flag=True, help="No progress bar or summary.")
def score_command(
    input_path: Path,
    scheme_ref: str,
    period: str,
    out_path: Path,
    report_path: Path | None,
    breakdown_path: Path | None,
    params_path: Path | None,
    quiet: bool,
) -> None:
    """Score INPUT (one row per enterprise) and write one result row per input row."""
    from innopoints.engine import read_table, score  # noqa: PLC0415
    from innopoints.engine.writer import write_table  # noqa: PLC0415

    started = time.perf_counter()
    steps = ["read and check", "prepare", "normalise", "aggregate", "rank", "agreement", "write"]
    with _user_errors():
        scheme = _load(scheme_ref)
        with _Steps(steps, quiet) as progress:
            progress.step("read and check")
            table = read_table(input_path, scheme.catalogue)
            result = score(scheme, table, period, source=input_path.name, progress=progress.step)
            progress.step("write")
            write_table(result.summary_frame(), out_path)
            if breakdown_path is not None:
                write_table(result.breakdown_frame(), breakdown_path)
            if params_path is not None:
                _write_json(result.parameters.to_dict(), params_path)
            if report_path is not None:
                report = result.report()
                report["input"] = str(input_path)
                _write_json(report, report_path)
    if not quiet:
        _print_summary(result, time.perf_counter() - started, out_path)


def _print_summary(result: Any, seconds: float, out_path: Path) -> None:
    from rich.markup import escape  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    table = Table(title=f"{result.scheme.name.zh} · {result.period}", show_header=True)
    for column in ("enterprises", "ranked", "vetoed", "median total", "top total"):
        table.add_column(column, justify="right")
    ranked = result.total[result.rank > 0]
    table.add_row(
        str(result.n),
        str(result.n_ranked),
        str(result.n_vetoed),
        f"{float(sorted(ranked)[len(ranked) // 2]):.2f}" if len(ranked) else "-",
        f"{float(ranked.max()):.2f}" if len(ranked) else "-",
    )
    err.print(table)
    if result.agreement is not None:
        for method in result.agreement.methods:
            rho = "n/a" if method.spearman is None else f"{method.spearman:.4f}"
            overlap = "n/a" if method.top_overlap is None else f"{method.top_overlap:.1%}"
            err.print(
                f"agreement with {method.method}: Spearman ρ {rho}, top-10 % overlap {overlap}",
                highlight=False,
            )
        if result.agreement.low_agreement:
            err.print(
                f"[yellow]low agreement: the smallest ρ is below {result.agreement.min_spearman}[/]"
            )
    for warning in result.warnings:
        err.print(f"[yellow]warning: {escape(warning)}[/]")
    err.print(f"wrote {out_path} in {seconds:.2f} s", highlight=False)


@main.command("assess")
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "--params",
    "params_path",
    required=True,
    type=click.Path(path_type=Path),
    help="Frozen parameters of a finished run (from `score --params`).",
)
@click.option("--scheme", "scheme_ref", default="sichuan-2025", show_default=True)
@click.option("--out", "out_path", required=True, type=click.Path(path_type=Path))
@click.option("--breakdown", "breakdown_path", type=click.Path(path_type=Path))
def assess_command(
    input_path: Path,
    params_path: Path,
    scheme_ref: str,
    out_path: Path,
    breakdown_path: Path | None,
) -> None:
    """Estimate scores against a finished run's frozen parameters (自评): nothing is
    re-normalised; rank and tier place each total in the run's distribution."""
    from innopoints.engine import read_table  # noqa: PLC0415
    from innopoints.engine.params import FrozenParameters  # noqa: PLC0415
    from innopoints.engine.run import score_against  # noqa: PLC0415
    from innopoints.engine.writer import write_table  # noqa: PLC0415

    with _user_errors():
        scheme = _load(scheme_ref)
        frozen = FrozenParameters.from_json(params_path.read_text(encoding="utf-8"))
        table = read_table(input_path, scheme.catalogue)
        result = score_against(scheme, frozen, table, source=input_path.name)
        frame = result.summary_frame()
        write_table(frame.insert_column(1, _percentile_series(result)), out_path)
        if breakdown_path is not None:
            write_table(result.breakdown_frame(), breakdown_path)
    err.print(f"estimates (not a run) for {result.n} enterprise(s) written to {out_path}")


def _percentile_series(result: Any) -> Any:
    import polars as pl  # noqa: PLC0415 - on demand (start-up)

    return pl.Series("percentile", result.percentile())


@main.command("robustness")
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option("--scheme", "scheme_ref", default="sichuan-2025", show_default=True)
@click.option("--period", required=True, help="Evaluated period: 2025, 2025H1 or a date.")
@click.option(
    "--replications",
    type=click.IntRange(4, 1_000_000),
    default=1000,
    show_default=True,
    help="Independent Monte Carlo replications behind the rank statistics.",
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--out",
    "out_path",
    required=True,
    type=click.Path(path_type=Path),
    help="Per enterprise: rank, tier, median rank, 5–95 % band, tier kept (.csv or .xlsx).",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(path_type=Path),
    help="Analysis report as JSON (factors, sensitivity indices, summaries).",
)
@click.option(
    "--weight-noise", type=click.FloatRange(0, 1, max_open=True), default=0.25, show_default=True
)
@click.option(
    "--normalisations",
    default=None,
    help="Comma-separated normalisation alternatives, the nominal (scheme) first "
    f"[default: {NORMALISATIONS_HELP}; scheme only for a scheme with a coinr: block, "
    "where only the weights vary]; COINr's coinr:zscore, coinr:prank, coinr:fracmax, "
    "coinr:dist2max, coinr:borda may be added.",
)
@click.option(
    "--sensitivity/--no-sensitivity",
    default=True,
    show_default=True,
    help="Saltelli design and sensitivity indices (N(d + 2) runs for 2N replications).",
)
@click.option("--quiet", is_flag=True, help="No progress bar or summary.")
def robustness_command(
    input_path: Path,
    scheme_ref: str,
    period: str,
    replications: int,
    seed: int,
    out_path: Path,
    report_path: Path | None,
    weight_noise: float,
    normalisations: str | None,
    sensitivity: bool,
    quiet: bool,
) -> None:
    """Uncertainty and sensitivity analysis of scoring INPUT: Monte Carlo over the weights
    (±25 %), normalisation, winsorising bounds, transform and reference group (only the
    weights for a scheme with a coinr: block, scored with its own methods)."""
    from innopoints.engine import read_table  # noqa: PLC0415
    from innopoints.engine.uncertainty import Factors, analyse  # noqa: PLC0415
    from innopoints.engine.writer import write_table  # noqa: PLC0415

    started = time.perf_counter()
    with _user_errors():
        scheme = _load(scheme_ref)
        chosen: dict[str, Any] = {"weight_noise": weight_noise}
        if normalisations is not None:
            chosen["normalisations"] = tuple(
                n.strip() for n in normalisations.split(",") if n.strip()
            )
        factors = Factors.for_scheme(scheme, **chosen)
        with _Share(quiet) as bar:
            bar.update("read and check", 0.0)
            table = read_table(input_path, scheme.catalogue)
            result = analyse(
                scheme,
                table,
                period,
                replications=replications,
                seed=seed,
                factors=factors,
                sensitivity=sensitivity,
                source=input_path.name,
                progress=bar.update,
            )
            bar.update("write", 1.0)
            write_table(result.frame(), out_path)
            if report_path is not None:
                report = result.report()
                report["input"] = str(input_path)
                _write_json(report, report_path)
    if not quiet:
        _print_robustness(result, time.perf_counter() - started, out_path)


class _Share:
    """A progress bar over a share of the work done, on stderr."""

    def __init__(self, quiet: bool) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn  # noqa: PLC0415

        self.progress = Progress(
            TextColumn("{task.description:<28}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f} %"),
            TimeElapsedColumn(),
            console=_console(True),
            disable=quiet,
            transient=True,
        )
        self.task = self.progress.add_task("", total=1.0)

    def __enter__(self) -> _Share:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(None, None, None)

    def update(self, name: str, share: float) -> None:
        self.progress.update(self.task, completed=share, description=name)


def _print_robustness(result: Any, seconds: float, out_path: Path) -> None:
    from rich.table import Table  # noqa: PLC0415

    report = result.report()
    band, kept = report["rank_band"], report["tier_kept"]
    err.print(
        f"{report['replications']} replications ({report['runs']} runs) over "
        f"{report['n_ranked']} ranked enterprises; varying: {', '.join(report['varying'])}",
        highlight=False,
    )
    if band["median"] is not None:
        err.print(
            f"5–95 % rank band: median {band['median']:.1f}, 90th percentile {band['p90']:.1f}; "
            f"tier kept on average {kept['mean']:.1%}, below half for {kept['below_half']}",
            highlight=False,
        )
    if report["sensitivity"]:
        table = Table(title="sensitivity of the mean absolute rank shift", show_header=True)
        for column in ("factor", "first order", "total"):
            table.add_column(column, justify="right")
        for row in report["sensitivity"]["mean_abs_rank_shift"]:
            table.add_row(row["factor"], f"{row['first_order']:.3f}", f"{row['total']:.3f}")
        err.print(table)
    for note in report["notes"]:
        err.print(f"note: {note}", highlight=False)
    err.print(f"wrote {out_path} in {seconds:.2f} s", highlight=False)


@main.command("synth")
@click.option("--n", "n", type=click.IntRange(1, 5_000_000), required=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", "out_path", required=True, type=click.Path(path_type=Path))
@click.option(
    "--headers",
    type=click.Choice(["zh", "code"]),
    default="zh",
    show_default=True,
    help="Chinese column headers or field codes.",
)
def synth_command(n: int, seed: int, out_path: Path, headers: str) -> None:
    """Write N realistic synthetic enterprises (CSV, or XLSX by suffix) for demos and tests."""
    from innopoints.engine.synth import write_synth  # noqa: PLC0415

    write_synth(str(out_path), n, seed, headers)
    err.print(f"wrote {n} synthetic enterprises to {out_path}")


@main.group("scheme")
def scheme_group() -> None:
    """Show or check indicator schemes."""


@scheme_group.command("list")
def scheme_list() -> None:
    """List the built-in schemes."""
    from innopoints.engine import load_scheme  # noqa: PLC0415
    from innopoints.engine.scheme import builtin_ids  # noqa: PLC0415

    for scheme_id in builtin_ids():
        scheme = load_scheme(scheme_id)
        marker = " (example)" if scheme.example else ""
        out.print(f"{scheme.key:<28} {scheme.name.zh}{marker}", highlight=False)


@scheme_group.command("check")
@click.argument("ref")
def scheme_check(ref: str) -> None:
    """Check a scheme file (or built-in id) and name every problem."""
    with _user_errors():
        scheme = _load(ref)
    out.print(
        f"{ref}: OK — {scheme.key}, {len(scheme.weighted)} weighted, "
        f"{len(scheme.bonus)} bonus, {len(scheme.vetoes)} veto indicators"
        + (f", {len(scheme.deductions)} deductions" if scheme.deductions else ""),
        highlight=False,
    )


@scheme_group.command("show")
@click.argument("ref")
def scheme_show(ref: str) -> None:
    """Print a scheme: stages, indicators with their weights, bonus rules and vetoes."""
    with _user_errors():
        scheme = _load(ref)
    title = f"{scheme.key} — {scheme.name.zh} / {scheme.name.en}"
    if scheme.example:
        title += "  [EXAMPLE, not an official scheme]"
    out.print(title, highlight=False)
    out.print(
        f"source: {scheme.source.document}; scale {scheme.scale:g}"
        f"{'' if scheme.bonus_cap is None else f' + bonus cap {scheme.bonus_cap:g}'}; "
        f"stages by {scheme.stage_rule.basis}; reference group {scheme.reference_group}"
        + (f"; extends {', '.join(scheme.lineage)}" if scheme.lineage else ""),
        highlight=False,
    )
    if scheme.deductions:
        cap = "none" if scheme.deduction_cap is None else f"{scheme.deduction_cap:g}"
        floor = "none" if scheme.deduction_floor is None else f"{scheme.deduction_floor:g}"
        out.print(f"deductions: cap {cap}, total floor {floor}", highlight=False)
    if scheme.missing.method != "zero":
        out.print(
            f"missing data: {scheme.missing.method} from coverage {scheme.missing.min_coverage:g}",
            highlight=False,
        )
    stages = scheme.stage_rule.codes
    click.echo(
        "  ".join(
            [
                "row",
                f"{'code':<22}",
                f"{'kind':<8}",
                f"{'method':<9}",
                f"{'T':<6}",
                *[f"{s:>10}" for s in stages],
                "指标",
            ]
        )
    )
    for ind in scheme.indicators:
        if ind.kind == "weighted":
            cells = [f"{(ind.weights or {}).get(s, 0):>10g}" for s in stages]
            method, transform = ind.method, ind.transform
        elif ind.kind == "bonus":
            cap = "" if ind.cap is None else f"≤{ind.cap:g}"
            cells = [f"{f'+{ind.points_per_item:g}/项{cap}':>10}" for _ in stages]
            method, transform = "bonus", ""
        elif ind.kind == "deduction":
            cap = "" if ind.cap is None else f"≤{ind.cap:g}"
            cells = [f"{f'−{ind.points_per_item:g}/项{cap}':>10}" for _ in stages]
            method, transform = "deduct", ""
        else:
            cells = [f"{'清零':>9}" for _ in stages]
            method, transform = "veto", ""
        row = "" if ind.source is None or ind.source.row is None else str(ind.source.row)
        click.echo(
            "  ".join(
                [
                    f"{row:>3}",
                    f"{ind.code:<22}",
                    f"{ind.kind:<8}",
                    f"{method:<9}",
                    f"{transform:<6}",
                    *cells,
                    ind.name.zh,
                ]
            )
        )
    tiers = ", ".join(
        f"{t.code}≤{t.max_share:g}"
        if t.max_share is not None
        else (f"{t.code}≥{t.min_score:g}" if t.min_score is not None else t.code)
        for t in scheme.tiers.levels
    )
    out.print(f"tiers by {scheme.tiers.basis}: {tiers}", highlight=False)


@main.command("score-demo")
@click.option("--n", "n", type=int, default=30_000, show_default=True)
@click.option(
    "--dir", "directory", type=click.Path(path_type=Path), default=Path("demo"), show_default=True
)
@click.pass_context
def score_demo_command(ctx: click.Context, n: int, directory: Path) -> None:
    """Generate a synthetic province and score it as a file, without the platform."""
    directory.mkdir(parents=True, exist_ok=True)
    source = directory / "enterprises.csv"
    ctx.invoke(synth_command, n=n, seed=2025, out_path=source, headers="zh")
    ctx.invoke(
        score_command,
        input_path=source,
        scheme_ref="sichuan-2025",
        period="2025",
        out_path=directory / "scores.csv",
        report_path=directory / "report.json",
        breakdown_path=directory / "breakdown.csv",
        params_path=directory / "params.json",
        quiet=False,
    )
    err.print(
        f"demo files are in {directory}/: enterprises.csv (input), scores.csv, "
        "breakdown.csv, report.json, params.json"
    )


def _django() -> None:
    """Set Django up on first use, so the scoring commands never load the web framework."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "innopoints.site.settings")
    import django  # noqa: PLC0415 - the scoring commands must not load the web framework

    django.setup()


@main.command("demo")
@click.option(
    "--n",
    "n",
    type=int,
    default=30_000,
    show_default=True,
    help="Synthetic enterprises to generate.",
)
@click.option(
    "--serve/--no-serve",
    default=True,
    show_default=True,
    help="Serve the site on localhost afterwards.",
)
@click.option(
    "--port", type=int, default=8000, show_default=True, help="Port on 127.0.0.1 to serve on."
)
@click.option(
    "--sso/--no-sso",
    default=True,
    show_default=True,
    help="Start a test OpenID Connect provider on 127.0.0.1 and let the demo accounts sign in "
    "through it as well (docs/sso.md); skipped when INNOPOINTS_OIDC_ISSUER is set.",
)
def demo_command(n: int, serve: bool, port: int, sso: bool) -> None:
    """The platform demo: create the database, generate a synthetic Sichuan, split it into the
    files each government source sends, import them through the real import path (findings
    included), then serve the site on localhost (with single sign-on through a test identity
    provider)."""
    # the demo's development server serves static files from the apps (no collectstatic)
    os.environ.setdefault("INNOPOINTS_STATIC_MANIFEST", "0")
    # and speaks plain HTTP on localhost: no redirect to HTTPS, no HSTS, no TLS-only cookies
    # (set before the settings load; production keeps INNOPOINTS_HTTPS=1 by default)
    os.environ["INNOPOINTS_HTTPS"] = "0"
    provider = None
    if serve and sso and not os.environ.get("INNOPOINTS_OIDC_ISSUER"):
        from innopoints.ops.demo_sso import start_provider  # noqa: PLC0415 - the demo only

        provider = start_provider(port)  # sets INNOPOINTS_OIDC_* before the settings load
    _django()
    from innopoints.api.demo import deliver_by_api  # noqa: PLC0415 - needs Django set up first
    from innopoints.ops.demo import run_demo  # noqa: PLC0415

    run_demo(
        n=n,
        serve=serve,
        port=port,
        say=lambda text: err.print(text, highlight=False),
        sso=provider,
        deliver_by_api=deliver_by_api,
    )


@main.command("manage", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def manage_command(ctx: click.Context) -> None:
    """Django's management commands, e.g. `innopoints manage migrate` or
    `innopoints manage import_source_file FILE --source tax --period 2025`."""
    from innopoints.site.manage import main as manage_main  # noqa: PLC0415 - Django on demand

    manage_main(list(ctx.args))


@main.command("check-deploy")
def check_deploy_command() -> None:
    """Check a production installation: Django's deploy checks, database reachable, migrations
    applied, broker reachable, PDF fonts, static files collected, secret key, data directory.
    One PASS/FAIL line each; exit status 1 when any fails."""
    from innopoints.site.manage import main as manage_main  # noqa: PLC0415 - Django on demand

    manage_main(["check_deploy"])


@main.command("backup")
@click.option("--out", "out_path", required=True, type=click.Path(path_type=Path))
def backup_command(out_path: Path) -> None:
    """Dump the PostgreSQL database of DATABASE_URL to OUT (pg_dump custom format)."""
    from innopoints.ops import backup  # noqa: PLC0415 - Django settings on demand

    with _user_errors():
        backup.dump(backup.configured_url(), out_path)
    err.print(f"wrote {out_path}", highlight=False)


@main.command("restore")
@click.argument("dump_path", metavar="DUMP", type=click.Path(path_type=Path, exists=True))
@click.option(
    "--into",
    "target_url",
    help="An empty database to restore into (postgres://…); default DATABASE_URL.",
)
def restore_command(dump_path: Path, target_url: str | None) -> None:
    """Restore DUMP (from `innopoints backup`) into an empty PostgreSQL database."""
    from innopoints.ops import backup  # noqa: PLC0415 - Django settings on demand

    with _user_errors():
        backup.restore(dump_path, target_url or backup.configured_url())
    err.print(f"restored {dump_path}", highlight=False)


if __name__ == "__main__":
    main()
