"""培育库: rule-based pools evaluated on every run, a column at a time.

A rule is ``{"all": [condition, ...]}`` (or ``"any"``); a condition names a field — a result
column (total, base, tier, stage, industry, vetoed, rank_share), an input fact (revenue,
employees, ...), a derived indicator (rd_ratio, st_ratio, ...), ``hitech_share`` (高新技术产品
收入 / 营业收入 × 100) or ``qualification`` (held in the period's year) — and one test: ``min``,
``max``, ``gt``, ``lt``, ``in``, ``is`` or ``any`` (qualifications). A missing value fails.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import polars as pl
import yaml

from innopoints.engine.result import ScoreResult
from innopoints.engine.stage import reference_date

TESTS = {"min", "max", "gt", "lt", "in", "is", "any"}


class RuleError(ValueError):
    pass


def builtin_pools() -> list[dict[str, Any]]:
    text = resources.files("innopoints.analysis").joinpath("pools.yaml").read_text("utf-8")
    return list(yaml.safe_load(text)["pools"])


def load_pools(pool: Any) -> None:
    """Store the built-in pools (idempotent); takes the model class, as migrations need."""
    for spec in builtin_pools():
        pool.objects.update_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "description": spec.get("note", ""),
                "rule": spec["rule"],
            },
        )


def check_rule(rule: Any) -> None:
    if not isinstance(rule, dict) or len(rule) != 1 or next(iter(rule)) not in {"all", "any"}:
        raise RuleError("a rule is {all: [...]} or {any: [...]}")
    for condition in next(iter(rule.values())):
        if "field" not in condition:
            check_rule(condition)
            continue
        tests = set(condition) - {"field"}
        if "field" not in condition or len(tests) != 1 or not tests <= TESTS:
            raise RuleError(f"a condition needs a field and one of {sorted(TESTS)}: {condition}")


def _condition(condition: dict[str, Any], columns: set[str]) -> pl.Expr:
    if "field" not in condition:
        return expression(condition, columns)
    field = condition["field"]
    if field == "qualification":
        return pl.col("qualifications").list.set_intersection(condition["any"]).list.len() > 0
    if field not in columns:
        return pl.lit(False)
    column = pl.col(field)
    test, value = next((k, v) for k, v in condition.items() if k != "field")
    compare = {
        "min": lambda: column >= value,
        "max": lambda: column <= value,
        "gt": lambda: column > value,
        "lt": lambda: column < value,
        "in": lambda: column.is_in(value),
        "is": lambda: column == value,
    }[test]()
    return compare.fill_null(False)


def expression(rule: dict[str, Any], columns: set[str]) -> pl.Expr:
    kind, conditions = next(iter(rule.items()))
    parts = [_condition(c, columns) for c in conditions]
    if not parts:
        return pl.lit(kind == "all")
    return pl.all_horizontal(parts) if kind == "all" else pl.any_horizontal(parts)


def pool_inputs(
    table: pl.DataFrame, result: ScoreResult, qualifications: pl.DataFrame
) -> pl.DataFrame:
    """One row per enterprise with every field a rule may name; ``qualifications`` is
    (enterprise_id, qualifications: the kinds held) for those holding any."""
    derived = {code: ind.value for code, ind in result.indicators.items()}
    n_ranked = max(result.n_ranked, 1)
    frame = table.with_columns(
        pl.Series("total", result.total),
        pl.Series("base", result.base),
        pl.Series("tier", result.tier_codes().tolist(), dtype=pl.String),
        pl.Series("stage", result.stage_codes().tolist(), dtype=pl.String),
        pl.Series("vetoed", result.vetoed),
        pl.Series("rank_share", result.rank / n_ranked).replace(0.0, None),
        *[
            pl.Series(code, values).fill_nan(None)
            for code, values in derived.items()
            if code not in table.columns
            or code in {i.code for i in result.scheme.weighted if i.derivation is not None}
        ],
    )
    if {"hitech_revenue", "revenue"} <= set(frame.columns):
        frame = frame.with_columns(
            pl.when(pl.col("revenue") > 0)
            .then(pl.col("hitech_revenue") / pl.col("revenue") * 100)
            .alias("hitech_share")
        )
    held = qualifications.select(
        pl.col("enterprise_id").cast(frame.schema["enterprise_id"]),
        pl.col("qualifications").cast(pl.List(pl.String)),
    )
    return frame.join(held, on="enterprise_id", how="left", maintain_order="left").with_columns(
        pl.col("qualifications").fill_null(pl.lit([], dtype=pl.List(pl.String)))
    )


def members_frame(frame: pl.DataFrame, rule: dict[str, Any]) -> pl.DataFrame:
    """The rows of ``frame`` the rule admits."""
    check_rule(rule)
    return frame.filter(expression(rule, set(frame.columns)))


def members(frame: pl.DataFrame, rule: dict[str, Any]) -> list[int]:
    return list(members_frame(frame, rule)["enterprise_id"].to_list())


def period_year(period: str) -> int:
    return reference_date(period).year
