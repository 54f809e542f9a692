"""核验 after each import (seed 004 二(三)2, 附件1 注: 外部数据多源匹配、内部数据结构核查):

- cross-source discrepancies: the same fact from two sources differing beyond the importing
  source's tolerance;
- structural checks: facts that cannot all be true together (RULES below);
- outliers: values far outside the period's distribution (IQR fences on a log scale).

Each finding is a record a government user resolves (resolution.py). Checks run on columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from simple_history.utils import bulk_create_with_history

from innopoints.collection import facts as fact_tables
from innopoints.collection.models import FactValue, Finding, ImportBatch
from innopoints.engine.columns import NumericColumns
from innopoints.engine.derive import apply_derivation
from innopoints.engine.fields import base_catalogue
from innopoints.engine.scheme import load_scheme

ABSOLUTE_TOLERANCE = 0.01
OUTLIER_FENCE = 3.0
RATIO_TOLERANCE_POINTS = 1.0


@dataclass(frozen=True)
class Rule:
    code: str
    left: str
    right: str
    factor: float
    message: str

    @property
    def fields(self) -> tuple[str, str]:
        return (self.left, self.right)


RULES = (
    Rule("st_staff_le_employees", "st_staff", "employees", 1.0, "科技人员数大于从业人员期末人数"),
    Rule(
        "postgrad_le_employees",
        "postgrad_staff",
        "employees",
        1.0,
        "研究生以上人员数大于从业人员期末人数",
    ),
    Rule("hitech_le_revenue", "hitech_revenue", "revenue", 1.0, "高新技术产品收入大于营业收入"),
    Rule(
        "deduction_plausible",
        "rd_deduction_tax",
        "rd_expense",
        0.5,
        "研发费用加计扣除减免税额超过研发费用的一半，不合常理（100% 加计扣除 × 25% 税率 = 25%）",
    ),
)


def _finding(
    batch: ImportBatch,
    kind: str,
    rule: str,
    enterprise_id: int,
    field_code: str,
    message: str,
    detail: dict[str, object],
) -> Finding:
    return Finding(
        kind=kind,
        rule=rule,
        enterprise_id=enterprise_id,
        period=batch.period,
        field_code=field_code,
        message=message,
        detail=detail,
        batch=batch,
    )


def verify_batch(batch: ImportBatch) -> int:
    """Record every finding of a freshly imported batch; returns how many."""
    mine = pl.DataFrame(
        list(
            FactValue.objects.filter(batch=batch).values_list(
                "enterprise_id", "field_code", "value"
            )
        ),
        schema={"enterprise_id": pl.Int64, "field_code": pl.String, "value": pl.Float64},
        orient="row",
    )
    if mine.height == 0:
        return 0
    batch_fields = set(mine["field_code"].unique().to_list())
    related = set(batch_fields)
    for rule in RULES:
        if batch_fields & set(rule.fields):
            related |= set(rule.fields)
    for indicator in _derived_indicators():
        related |= {indicator.code, *indicator.derivation.inputs}  # type: ignore[union-attr]
    ids = mine["enterprise_id"].unique().to_list()
    latest = fact_tables.latest_versions(batch.period, related, ids)
    findings = _discrepancies(batch, mine, latest)
    current = fact_tables.effective(latest, authorised_only=False)
    findings += _structure(
        batch,
        batch_fields,
        fact_tables.wide(current.select("enterprise_id", "field_code", "value")),
    )
    findings += _outliers(batch, mine)
    findings = _not_already_open(batch, findings)
    bulk_create_with_history(findings, Finding, batch_size=5000)
    return len(findings)


def _not_already_open(batch: ImportBatch, findings: list[Finding]) -> list[Finding]:
    """A problem already open (same enterprise, rule and indicator) is not reported twice,
    e.g. when a second source delivers one of the facts a structural rule reads."""
    if not findings:
        return findings
    rules = {f.rule for f in findings}
    ids = list({f.enterprise_id for f in findings})
    open_keys: set[tuple[int, str, str]] = set()
    for start in range(0, len(ids), 5000):
        open_keys |= set(
            Finding.objects.filter(
                period=batch.period,
                status="open",
                rule__in=rules,
                enterprise_id__in=ids[start : start + 5000],
            ).values_list("enterprise_id", "rule", "field_code")
        )
    fresh = []
    for finding in findings:
        key = (finding.enterprise_id, finding.rule, finding.field_code)
        if key not in open_keys:
            open_keys.add(key)
            fresh.append(finding)
    return fresh


def _discrepancies(batch: ImportBatch, mine: pl.DataFrame, latest: pl.DataFrame) -> list[Finding]:
    manual = fact_tables.manual_source_ids()
    others = latest.filter(
        (pl.col("source_id") != batch.source_id) & ~pl.col("source_id").is_in(manual)
    ).select(
        "enterprise_id",
        "field_code",
        pl.col("source_id").alias("other_source"),
        pl.col("value").alias("other_value"),
    )
    pairs = mine.join(others, on=["enterprise_id", "field_code"], how="inner")
    if pairs.height == 0:
        return []
    tolerance = batch.source.tolerance
    scale = pl.max_horizontal(pl.col("value").abs(), pl.col("other_value").abs())
    gap = (pl.col("value") - pl.col("other_value")).abs()
    differing = pairs.filter((gap > ABSOLUTE_TOLERANCE) & (gap > tolerance * scale))
    names = dict(batch.source.__class__.objects.values_list("id", "name"))
    return [
        _finding(
            batch,
            "discrepancy",
            "multi_source",
            e,
            f,
            f"{f}：{batch.source.name} 为 {v:g}，{names[s]} 为 {o:g}",
            {
                "values": {batch.source.name: v, names[s]: o},
                "sources": {str(batch.source_id): v, str(s): o},
                "tolerance": tolerance,
            },
        )
        for e, f, v, s, o in differing.select(
            "enterprise_id", "field_code", "value", "other_source", "other_value"
        ).iter_rows()
    ]


def _derived_indicators() -> list[object]:
    return [i for i in load_scheme("sichuan-2025").weighted if i.derivation is not None]


def _structure(batch: ImportBatch, batch_fields: set[str], table: pl.DataFrame) -> list[Finding]:
    findings = []
    for rule in RULES:
        if not (batch_fields & set(rule.fields)) or not set(rule.fields) <= set(table.columns):
            continue
        bad = table.filter(pl.col(rule.left) > pl.col(rule.right) * rule.factor)
        for e, left, right in bad.select("enterprise_id", rule.left, rule.right).iter_rows():
            findings.append(
                _finding(
                    batch,
                    "structure",
                    rule.code,
                    e,
                    rule.left,
                    f"{rule.message}（{rule.left}={left:g}，{rule.right}={right:g}）",
                    {rule.left: left, rule.right: right, "factor": rule.factor},
                )
            )
    if batch_fields & {"employees", "revenue"} and {"employees", "revenue"} <= set(table.columns):
        bad = table.filter((pl.col("revenue") > 0) & (pl.col("employees") <= 0))
        for e, revenue, employees in bad.select(
            "enterprise_id", "revenue", "employees"
        ).iter_rows():
            findings.append(
                _finding(
                    batch,
                    "structure",
                    "employees_with_revenue",
                    e,
                    "employees",
                    f"有营业收入（{revenue:g} 万元）但从业人员为 {employees:g}",
                    {"revenue": revenue, "employees": employees},
                )
            )
    findings += _ratio_consistency(batch, batch_fields, table)
    return findings


def _ratio_consistency(
    batch: ImportBatch, batch_fields: set[str], table: pl.DataFrame
) -> list[Finding]:
    """A supplied derived indicator (e.g. rd_ratio) must agree with its base facts."""
    findings = []
    columns = NumericColumns(table)
    for indicator in _derived_indicators():
        derivation = indicator.derivation  # type: ignore[attr-defined]
        code = indicator.code  # type: ignore[attr-defined]
        involved = {code, *derivation.inputs}
        if code not in table.columns or not (batch_fields & involved):
            continue
        computed, present = apply_derivation(derivation, columns)
        supplied = columns(code)
        gap = np.abs(supplied - computed)
        tolerance = np.maximum(RATIO_TOLERANCE_POINTS, 0.05 * np.abs(computed))
        bad = present & ~np.isnan(supplied) & ~np.isnan(computed) & (gap > tolerance)
        ids = table["enterprise_id"].to_numpy()
        for index in np.flatnonzero(bad):
            findings.append(
                _finding(
                    batch,
                    "structure",
                    f"{code}_consistent",
                    int(ids[index]),
                    code,
                    f"{code} 报送值 {supplied[index]:g} 与基础数据计算值 "
                    f"{computed[index]:.4g} 不符",
                    {"supplied": float(supplied[index]), "computed": float(computed[index])},
                )
            )
    return findings


def _outliers(batch: ImportBatch, mine: pl.DataFrame) -> list[Finding]:
    """Values outside Q1 − 3·IQR … Q3 + 3·IQR of the period's values, on a log scale for
    amounts and counts (heavy-tailed), as given for ratios. Needs spread: IQR > 0. Signed
    amounts (profit, equity) are left out: their values cross zero, where a log scale makes
    every loss look extreme."""
    catalogue = base_catalogue()
    findings = []
    for field_code in mine["field_code"].unique().sort().to_list():
        field = catalogue[field_code]
        if field.kind not in {"amount", "count", "ratio"} or (
            field.kind == "amount" and field.signed
        ):
            continue
        everyone = fact_tables.effective(
            fact_tables.latest_versions(batch.period, [field_code]), authorised_only=False
        )["value"].to_numpy()
        if everyone.shape[0] < 20:
            continue
        log = field.kind != "ratio"
        scale = (lambda x: np.sign(x) * np.log1p(np.abs(x))) if log else (lambda x: x)
        q1, q3 = np.quantile(scale(everyone), [0.25, 0.75])
        spread = q3 - q1
        if spread <= 0:
            continue
        low, high = q1 - OUTLIER_FENCE * spread, q3 + OUTLIER_FENCE * spread
        rows = mine.filter(pl.col("field_code") == field_code)
        values = rows["value"].to_numpy()
        enterprise_ids = rows["enterprise_id"].to_numpy()
        scaled = scale(values)
        for index in np.flatnonzero((scaled < low) | (scaled > high)):
            findings.append(
                _finding(
                    batch,
                    "outlier",
                    "iqr_log" if log else "iqr",
                    int(enterprise_ids[index]),
                    field_code,
                    f"{field_code}={values[index]:g} 远离同期分布（{OUTLIER_FENCE:g} 倍四分位距）",
                    {"value": float(values[index]), "q1": float(q1), "q3": float(q3), "log": log},
                )
            )
    return findings
