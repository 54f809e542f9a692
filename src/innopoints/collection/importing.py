"""Importing one source's file for one period: all of it, or nothing (seed 004 二(三)1–2).

The file is read and checked by the engine's own reader (same rules as ``innopoints score``),
then against the platform: the source must deliver every column, enterprises must be
registered unless the source is the registration authority, the period must have ended and the
same file must not come twice. Any problem refuses the whole file with every reason and an
error report (the original rows with an error column); the database is left as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, pgettext
from simple_history.utils import bulk_update_with_history

from innopoints.collection import messages
from innopoints.collection.models import DataSource, FactValue, ImportBatch
from innopoints.collection.upload_limits import upload_problems
from innopoints.collection.verification import verify_batch
from innopoints.core import bulk
from innopoints.core.exports import Workbook
from innopoints.core.faults import pause_point
from innopoints.engine.errors import InputError, InputProblem
from innopoints.engine.fields import FieldCatalogue, base_catalogue
from innopoints.engine.reader import ROW, RawSheet, _label, read_sheet_bytes, type_sheet
from innopoints.engine.stage import reference_date
from innopoints.registry.initials import initials
from innopoints.registry.models import Enterprise, IndustryField, Region
from innopoints.site.names import division_name, field_name

Progress = Callable[[str, float], None]
"""progress(stage, fraction done of the whole import)."""

IDENTITY_FIELDS = (
    "credit_code",
    "name",
    "legal_representative",
    "established",
    "region",
    "industry",
)
REGISTRATION_REQUIRED = ("name", "established", "region")
CHUNK = 5000


class ImportRefused(Exception):
    """The file was not imported; ``problems`` says why, ``error_report`` is an XLSX file of
    the original rows with an error column (None when the file could not be read at all)."""

    def __init__(
        self, source_name: str, problems: list[InputProblem], error_report: bytes | None = None
    ) -> None:
        self.source_name = source_name
        self.problems = sorted(problems, key=lambda p: (p.row or 0, p.column or ""))
        self.error_report = error_report
        super().__init__(
            f"{source_name}: {len(problems)} problem(s); nothing was imported.\n"
            + "\n".join(f"{source_name}: {p.describe()}" for p in self.problems[:50])
        )


@dataclass
class ImportOutcome:
    batch: ImportBatch
    n_rows: int
    n_values: int
    n_new_enterprises: int
    n_updated_enterprises: int
    n_findings: int
    seconds: float
    ignored_columns: list[str] = field(default_factory=list)


def _file_problem(reason: str) -> InputProblem:
    return InputProblem(None, None, reason)


def source_catalogue(source: DataSource) -> FieldCatalogue:
    aliases = dict(source.aliases.values_list("header", "field_code"))
    return base_catalogue().with_aliases(aliases)


def check_period(period: str, today: dt.date | None = None) -> list[InputProblem]:
    today = today or dt.date.today()
    try:
        end = reference_date(period)
    except ValueError as exc:
        return [
            _file_problem(
                gettext("数据期 %(period)s 无效：%(error)s")
                % {"period": repr(period), "error": exc}
            )
        ]
    if end > today:
        return [
            _file_problem(
                gettext("数据期 %(period)s 尚未结束（截止 %(end)s），不能导入未来的数据")
                % {"period": period, "end": end}
            )
        ]
    return []


def _column_problems(
    sheet: RawSheet, source: DataSource, catalogue: FieldCatalogue
) -> tuple[list[InputProblem], list[str]]:
    delivered = set(source.fields.values_list("field_code", flat=True))
    problems, ignored = [], []
    for index, header in enumerate(sheet.headers):
        known = catalogue.for_header(header)
        if known is None or known.code in IDENTITY_FIELDS:
            if (
                known is not None
                and known.code != "credit_code"
                and not source.may_register_enterprises
            ):
                ignored.append(header)
            continue
        if known.code not in delivered:
            reason = gettext("来源「%(source)s」不提供“%(header)s”（见该来源的列说明）") % {
                "source": source.name,
                "header": field_name(known.code),
            }
            problems.append(InputProblem(1, _label(header, index, known), reason))
    return problems, ignored


def _enterprise_problems(
    table: pl.DataFrame, source: DataSource, existing: dict[str, int]
) -> list[InputProblem]:
    problems = []
    unknown = table.filter(~pl.col("credit_code").is_in(list(existing)))
    if unknown.height == 0:
        return problems
    if not source.may_register_enterprises:
        for row, code in zip(unknown[ROW], unknown["credit_code"], strict=True):
            problems.append(
                InputProblem(
                    row,
                    "统一社会信用代码",
                    gettext(
                        "企业 %(code)s 未登记；来源「%(source)s」不能登记新企业"
                        "（由企业登记机关的文件登记）"
                    )
                    % {"code": code, "source": source.name},
                )
            )
        return problems
    for required in REGISTRATION_REQUIRED:
        column = base_catalogue()[required]
        if required not in unknown.columns:
            problems.append(
                InputProblem(
                    1,
                    None,
                    gettext("文件含未登记企业，登记新企业需要“%(header)s”列")
                    % {"header": column.header},
                )
            )
            continue
        for row in unknown.filter(pl.col(required).is_null())[ROW]:
            problems.append(InputProblem(row, column.header, gettext("登记新企业时此项不能为空")))
    return problems


def _jurisdiction_problems(
    table: pl.DataFrame, existing: dict[str, int], prefix: str
) -> list[InputProblem]:
    """A government user imports only its own jurisdiction's enterprises (region prefix)."""
    problems = []
    regions: dict[str, str] = {}
    ids = list(existing.values())
    for start in range(0, len(ids), CHUNK):
        regions.update(
            (code, region or "")
            for code, region in Enterprise.objects.filter(
                pk__in=ids[start : start + CHUNK]
            ).values_list("credit_code", "region_id")
        )
    has_region = "region" in table.columns
    rows = table.select(
        ROW, "credit_code", pl.col("region") if has_region else pl.lit(None).alias("region")
    )
    for row, code, region in rows.iter_rows():
        where = regions.get(code, region or "")
        if not where.startswith(prefix):
            problems.append(
                InputProblem(
                    row,
                    "统一社会信用代码",
                    gettext("企业 %(code)s 不在您的辖区（%(region)s）内")
                    % {"code": code, "region": division_name(prefix)},
                )
            )
    return problems


def _registry_problems(table: pl.DataFrame, source: DataSource) -> list[InputProblem]:
    if not source.may_register_enterprises:
        return []
    problems = []
    if "region" in table.columns:
        codes = set(table["region"].drop_nulls().unique().to_list())
        known = set(Region.objects.filter(code__in=codes).values_list("code", flat=True))
        for row, code in (
            table.filter(pl.col("region").is_in(list(codes - known)))
            .select(ROW, "region")
            .iter_rows()
        ):
            problems.append(
                InputProblem(
                    row, "行政区划代码", gettext("%(code)s 不是有效的行政区划代码") % {"code": code}
                )
            )
    if "industry" in table.columns:
        names = set(IndustryField.objects.values_list("name", flat=True))
        bad = table.filter(
            pl.col("industry").is_not_null() & ~pl.col("industry").is_in(list(names))
        )
        for row, name in bad.select(ROW, "industry").iter_rows():
            problems.append(
                InputProblem(
                    row, "所属领域", gettext("“%(name)s”不是已知的产业领域") % {"name": name}
                )
            )
    return problems


def error_report(sheet: RawSheet, problems: list[InputProblem]) -> bytes:
    """The original rows with an error column (XLSX), file-wide problems on top."""
    by_row: dict[int, list[str]] = {}
    general = []
    for problem in problems:
        if problem.row is None or problem.row == 1:
            general.append(messages.describe(problem))
        else:
            by_row.setdefault(problem.row, []).append(messages.in_cell(problem))
    workbook = Workbook()
    sheet_out = workbook.create_sheet(gettext("错误报告"))
    sheet_out.append([gettext("行号"), gettext("错误"), *sheet.headers])
    for text in general:
        sheet_out.append([gettext("文件"), text])
    columns = [c.to_list() for c in sheet.columns]
    for index, row_number in enumerate(sheet.row_numbers):
        errors = by_row.get(row_number)
        cells = [col[index] for col in columns]
        sheet_out.append(
            [
                row_number,
                pgettext("sentence separator", "；").join(errors) if errors else "",
                *cells,
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _fact_columns(table: pl.DataFrame) -> list[str]:
    catalogue = base_catalogue()
    return [
        c
        for c in table.columns
        if c in catalogue and c not in IDENTITY_FIELDS and catalogue[c].kind != "date"
    ]


def import_file(
    source: DataSource,
    period: str,
    file_name: str,
    content: bytes,
    user: Any = None,
    progress: Progress | None = None,
    today: dt.date | None = None,
    jurisdiction: str | None = None,
    batch_key: str = "",
    token: Any = None,
    endpoint: Any = None,
) -> ImportOutcome:
    """Import one file; raise ImportRefused with every problem if anything is wrong. A batch
    the data exchange delivers carries the source's ``batch_key`` and the API ``token``; one a
    scheduled pull fetched, its batch key and the ``endpoint`` (collection/pulls.py)."""
    started = time.perf_counter()
    report = progress or (lambda stage, fraction: None)
    report(gettext_noop("检查文件"), 0.0)
    too_large = upload_problems(file_name, content)  # before any parsing
    if too_large:
        raise ImportRefused(file_name, too_large)
    problems = check_period(period, today)
    digest = hashlib.sha256(content).hexdigest()
    earlier = ImportBatch.objects.filter(source=source, sha256=digest).first()
    if earlier is not None:
        problems.append(
            _file_problem(
                gettext(
                    "同一文件已于 %(when)s 导入（批次 %(batch)s，数据期 %(period)s），不重复导入"
                )
                % {
                    "when": f"{timezone.localtime(earlier.imported_at):%Y-%m-%d %H:%M}",
                    "batch": earlier.pk,
                    "period": earlier.period,
                }
            )
        )
    sheet = read_sheet_bytes(file_name, content, limits=None)  # bounded above
    if not sheet.headers:
        raise ImportRefused(file_name, problems + sheet.problems)
    catalogue = source_catalogue(source)
    column_problems, ignored = _column_problems(sheet, source, catalogue)
    problems += column_problems
    report(gettext_noop("校验数据"), 0.1)
    try:
        table = type_sheet(sheet, catalogue)
    except InputError as exc:
        problems += exc.problems
        raise ImportRefused(file_name, problems, error_report(sheet, problems)) from None
    existing = _existing_enterprises(table["credit_code"].to_list())
    problems += _enterprise_problems(table, source, existing)
    problems += _registry_problems(table, source)
    if jurisdiction:
        problems += _jurisdiction_problems(table, existing, jurisdiction)
    if problems:
        raise ImportRefused(file_name, problems, error_report(sheet, problems))
    report(gettext_noop("写入数据"), 0.3)
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            source=source,
            period=period,
            file_name=file_name,
            sha256=digest,
            content=content,
            n_rows=table.height,
            imported_by=user if _is_user(user) else None,
            batch_key=batch_key,
            token=token,
            endpoint=endpoint,
            column_map={
                h: (catalogue.for_header(h).code if catalogue.for_header(h) else None)
                for h in sheet.headers
            },
        )
        new, updated = _register(table, source, batch, existing, user)
        n_values = _store_facts(table, source, batch, period, existing, user, report)
        pause_point("import:stored")
        report(gettext_noop("核验"), 0.8)
        n_findings = verify_batch(batch)
        batch.n_values, batch.n_new_enterprises, batch.n_findings = n_values, new, n_findings
        batch.seconds = round(time.perf_counter() - started, 3)
        batch.save(update_fields=["n_values", "n_new_enterprises", "n_findings", "seconds"])
    report(gettext_noop("完成"), 1.0)
    return ImportOutcome(
        batch, table.height, n_values, new, updated, n_findings, batch.seconds, ignored
    )


def _is_user(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def _existing_enterprises(codes: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(codes), CHUNK):
        chunk = codes[start : start + CHUNK]
        found.update(
            Enterprise.objects.filter(credit_code__in=chunk).values_list("credit_code", "id")
        )
    return found


def _register(
    table: pl.DataFrame,
    source: DataSource,
    batch: ImportBatch,
    existing: dict[str, int],
    user: Any,
) -> tuple[int, int]:
    """Create the file's new enterprises (with their creation in the history) and update
    changed identity details (history kept). Only the registration authority's files do this."""
    if not source.may_register_enterprises:
        return 0, 0
    columns = [
        c
        for c in ("name", "legal_representative", "established", "region", "industry")
        if c in table.columns
    ]
    rows = table.select("credit_code", *columns).to_dicts()
    known_before = set(existing)
    new = [r for r in rows if r["credit_code"] not in known_before]
    now = timezone.now()
    stamp = bulk.prepare(Enterprise, "created_at", now)
    # the search's columns too (registry/search.py): plain INSERTs pass no save()
    insert_columns = [
        "credit_code",
        "name",
        "legal_representative",
        "initials",
        "established",
        "region",
        "registered_by",
        "created_at",
    ]
    bulk.insert_rows(
        Enterprise,
        insert_columns,
        (
            (
                r["credit_code"],
                r["name"],
                r.get("legal_representative") or "",
                initials(r["name"]),
                bulk.prepare(Enterprise, "established", r["established"]),
                r["region"],
                batch.pk,
                stamp,
            )
            for r in new
        ),
    )
    created = list(
        Enterprise.objects.filter(registered_by=batch).values_list(
            "id",
            "credit_code",
            "name",
            "legal_representative",
            "initials",
            "established",
            "region_id",
        )
    )
    existing.update({code: pk for pk, code, *_ in created})
    history = Enterprise.history.model  # type: ignore[attr-defined]
    recorder = user.pk if _is_user(user) else None
    bulk.insert_rows(
        history,
        [
            "id",
            *insert_columns,
            "history_date",
            "history_type",
            "history_user",
            "history_change_reason",
        ],
        (
            (
                pk,
                code,
                name,
                representative,
                letters,
                bulk.prepare(Enterprise, "established", established),
                region,
                batch.pk,
                stamp,
                bulk.prepare(history, "history_date", now),
                "+",
                recorder,
                f"导入批次 {batch.pk} 登记",
            )
            for pk, code, name, representative, letters, established, region in created
        ),
    )
    if "industry" in columns:
        fields = {f.name: f.pk for f in IndustryField.objects.all()}
        through = Enterprise.industry_fields.through
        bulk.insert_rows(
            through,
            ["enterprise", "industryfield"],
            ((existing[r["credit_code"]], fields[r["industry"]]) for r in new if r.get("industry")),
        )
    changed = _changed_enterprises(
        [r for r in rows if r["credit_code"] in known_before], columns, existing
    )
    if changed:
        bulk_update_with_history(
            changed,
            Enterprise,
            [
                *(c if c != "region" else "region_id" for c in columns if c != "industry"),
                *(["initials"] if "name" in columns else []),
            ],
            batch_size=CHUNK,
            default_user=user if _is_user(user) else None,
            default_change_reason=f"导入批次 {batch.pk} 更新",
        )
    return len(created), len(changed)


def _changed_enterprises(
    rows: list[dict[str, Any]], columns: list[str], existing: dict[str, int]
) -> list[Enterprise]:
    if not rows:
        return []
    ids = [existing[r["credit_code"]] for r in rows]
    current = {e.id: e for e in Enterprise.objects.filter(id__in=ids)}
    changed = []
    for row in rows:
        enterprise = current[existing[row["credit_code"]]]
        dirty = False
        for column in ("name", "legal_representative", "established"):
            if (
                column in columns
                and row[column] is not None
                and getattr(enterprise, column) != row[column]
            ):
                setattr(enterprise, column, row[column])
                dirty = True
        enterprise.initials = initials(enterprise.name)
        if "region" in columns and row["region"] and enterprise.region_id != row["region"]:
            enterprise.region_id = row["region"]
            dirty = True
        if dirty:
            changed.append(enterprise)
    return changed


def _store_facts(
    table: pl.DataFrame,
    source: DataSource,
    batch: ImportBatch,
    period: str,
    enterprises: dict[str, int],
    user: Any,
    report: Progress,
) -> int:
    columns = _fact_columns(table)
    long = (
        table.select("credit_code", *[pl.col(c).cast(pl.Float64) for c in columns])
        .unpivot(index="credit_code", variable_name="field_code", value_name="value")
        .drop_nulls("value")
        .with_columns(pl.col("credit_code").replace_strict(enterprises).alias("enterprise_id"))
    )
    versions = _next_versions(source, period, long)
    recorder = user if _is_user(user) else None
    rows = long.join(versions, on=["enterprise_id", "field_code"], how="left").with_columns(
        pl.col("version").fill_null(1)
    )
    total = rows.height
    stamp = bulk.prepare(FactValue, "recorded_at", timezone.now())
    recorder_id = recorder.pk if recorder is not None else None
    written = 0
    for chunk in rows.iter_slices(50_000):
        written += bulk.insert_rows(
            FactValue,
            [
                "enterprise",
                "period",
                "field_code",
                "value",
                "source",
                "batch",
                "version",
                "recorded_at",
                "recorded_by",
                "reason",
            ],
            (
                (e, period, f, v, source.pk, batch.pk, n, stamp, recorder_id, "")
                for e, f, v, n in chunk.select(
                    "enterprise_id", "field_code", "value", "version"
                ).iter_rows()
            ),
        )
        report(gettext_noop("写入数据"), 0.3 + 0.5 * written / max(total, 1))
    return total


def _next_versions(source: DataSource, period: str, long: pl.DataFrame) -> pl.DataFrame:
    """The next version number of every (enterprise, field) this source already has."""
    ids = long["enterprise_id"].unique().to_list()
    found: list[tuple[int, str, int]] = []
    for start in range(0, len(ids), CHUNK):
        found += list(
            FactValue.objects.filter(
                source=source, period=period, enterprise_id__in=ids[start : start + CHUNK]
            )
            .values("enterprise_id", "field_code")
            .annotate(latest=Max("version"))
            .values_list("enterprise_id", "field_code", "latest")
        )
    schema = {"enterprise_id": pl.Int64, "field_code": pl.String, "version": pl.Int64}
    frame = pl.DataFrame(found, schema=schema, orient="row")
    return frame.with_columns(pl.col("version") + 1)
