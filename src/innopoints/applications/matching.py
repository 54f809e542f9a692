"""政策精准匹配: eligibility rules and product terms as data, evaluated a column at a time.

Plain module: a polars frame of a run's enterprises in, eligible (offering, enterprise) pairs
out — no database, no web layer (``inputs.py`` builds the frame from a run,
``match_and_push.py`` stores and pushes the pairs).

The frame has one row per enterprise: ``enterprise_id``, ``total``, ``tier``, ``stage``,
``vetoed``, ``rank_share`` and ``rank_share_stage`` (rank ÷ ranked enterprises × 100, overall
and within the stage; null when unranked — ``with_rank_shares`` adds them from ``rank`` and
``rank_stage``), ``industry``, ``region_code``, ``qualifications`` / ``pools`` (lists of codes),
``authorised`` (ids of the institutions the enterprise has an active authorisation to), and the
input facts a rule or term names (``revenue``, ``revenue_prev``, …).

Eligibility is a list of conditions, all of which must hold; each is ``{test: …, …}``:

=================  ===============================================================
``score``          total score: ``min`` (≥), ``gt`` (>), ``max`` (≤), ``lt`` (<)
``tier``           ``in: [A, B]``
``rank_share``     ``max: 20`` = in the top 20 %; ``within: overall`` (default) or ``stage``
``stage``          ``in: [...]`` (stage codes)
``industry``       ``in: [...]`` (industry field names)
``region``         ``in: ["5101", ...]`` (division code prefixes)
``qualification``  ``any: [...]`` or ``all: [...]`` (qualifications held in the period)
``pool``           ``any: [...]`` or ``all: [...]`` (培育库 codes in this run)
``no_veto``        no parameter: the enterprise was not vetoed (清零)
``authorisation``  no parameter: an active authorisation to the issuing institution
``fact``           ``field: revenue`` with ``min`` / ``gt`` / ``max`` / ``lt``
=================  ===============================================================

A missing value fails its condition. The offering's own region scope is checked as a first,
implicit ``region`` condition.

Terms (all optional): ``max_amount`` (万元); ``amount: {revenue_multiple: k}`` — the lesser of
``max_amount`` and k × the average of ``revenue`` and ``revenue_prev`` (the years present);
``rate: {base: lpr_1y, spread_bp: 80, tier_spread_bp: {A: 50}}`` — the reference rate plus the
tier's spread (else ``spread_bp``) in basis points, or ``rate: {fixed: 3.45}`` (%);
``guarantee_share`` (%), ``term_months``, ``risk_sharing`` ({party: %}), ``note``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.utils.translation import gettext as _

COMPARE = ("min", "gt", "max", "lt")
PARAMS: dict[str, set[str]] = {
    "score": set(COMPARE),
    "tier": {"in"},
    "rank_share": {"max", "within"},
    "stage": {"in"},
    "industry": {"in"},
    "region": {"in"},
    "qualification": {"any", "all"},
    "pool": {"any", "all"},
    "no_veto": set(),
    "authorisation": set(),
    "fact": {"field", *COMPARE},
}
TERMS = {
    "max_amount",
    "amount",
    "rate",
    "guarantee_share",
    "term_months",
    "risk_sharing",
    "note",
}
FRAME_SCHEMA: dict[str, Any] = {
    "enterprise_id": pl.Int64,
    "total": pl.Float64,
    "tier": pl.String,
    "stage": pl.String,
    "vetoed": pl.Boolean,
    "rank_share": pl.Float64,
    "rank_share_stage": pl.Float64,
    "industry": pl.String,
    "region_code": pl.String,
    "qualifications": pl.List(pl.String),
    "pools": pl.List(pl.String),
    "authorised": pl.List(pl.Int64),
}
PAIR_SCHEMA: dict[str, Any] = {
    "offering": pl.Int64,
    "enterprise": pl.Int64,
    "reasons": pl.String,
    "suggested_amount": pl.Float64,
    "suggested_rate": pl.Float64,
}


class RuleError(ValueError):
    """An eligibility rule or a term that cannot be evaluated; the message says why."""


@dataclass(frozen=True)
class OfferingSpec:
    """What the evaluation needs of one offering (``Offering.spec()`` builds it)."""

    id: int
    eligibility: list[dict[str, Any]]
    terms: dict[str, Any] = field(default_factory=dict)
    institution_id: int | None = None
    region_prefix: str = ""

    def conditions(self) -> list[dict[str, Any]]:
        scope = [{"test": "region", "in": [self.region_prefix]}] if self.region_prefix else []
        return scope + list(self.eligibility)


# ---------------------------------------------------------------- validation


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _strings(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def check_condition(condition: Any, *, institution: bool = True) -> None:
    if not isinstance(condition, dict) or "test" not in condition:
        raise RuleError(_("每个条件须为含 test 的对象：%(c)s") % {"c": condition})
    test = condition["test"]
    if test not in PARAMS:
        raise RuleError(
            _("未知条件类型 %(test)s（可用：%(known)s）")
            % {"test": test, "known": ", ".join(PARAMS)}
        )
    params = {k: v for k, v in condition.items() if k != "test"}
    extra = set(params) - PARAMS[test]
    if extra:
        raise RuleError(
            _("条件 %(test)s 不接受参数 %(extra)s（可用：%(known)s）")
            % {
                "test": test,
                "extra": ", ".join(sorted(extra)),
                "known": ", ".join(sorted(PARAMS[test])) or "—",
            }
        )
    if test in {"score", "fact"}:
        bounds = [k for k in COMPARE if k in params]
        if not bounds:
            raise RuleError(_("条件 %(test)s 须给出 min、gt、max 或 lt") % {"test": test})
        if not all(_number(params[k]) for k in bounds):
            raise RuleError(_("条件 %(test)s 的界限须为数字") % {"test": test})
        if test == "fact" and not isinstance(params.get("field"), str):
            raise RuleError(_("条件 fact 须用 field 指明指标代码"))
    elif test == "rank_share":
        share = params.get("max")
        if not _number(share) or not 0 < share <= 100:
            raise RuleError(_("条件 rank_share 须给出 max（0–100 之间的百分比）"))
        if params.get("within", "overall") not in {"overall", "stage"}:
            raise RuleError(_("条件 rank_share 的 within 只能是 overall 或 stage"))
    elif test in {"tier", "stage", "industry", "region"}:
        if not _strings(params.get("in")):
            raise RuleError(_("条件 %(test)s 须用 in 给出非空的文字列表") % {"test": test})
    elif test in {"qualification", "pool"}:
        if len(params) != 1 or not _strings(next(iter(params.values()))):
            raise RuleError(
                _("条件 %(test)s 须用 any 或 all 之一给出非空的代码列表") % {"test": test}
            )
    elif test == "authorisation" and not institution:
        raise RuleError(_("条件 authorisation 只适用于金融机构发布的产品"))


def check_eligibility(rules: Any, *, institution: bool = True) -> None:
    if not isinstance(rules, list):
        raise RuleError(_("适用条件须为条件列表（全部满足才算符合）"))
    for condition in rules:
        check_condition(condition, institution=institution)


def check_terms(terms: Any) -> None:
    if not isinstance(terms, dict):
        raise RuleError(_("产品条款须为对象"))
    unknown = set(terms) - TERMS
    if unknown:
        raise RuleError(
            _("未知条款 %(keys)s（可用：%(known)s）")
            % {"keys": ", ".join(sorted(unknown)), "known": ", ".join(sorted(TERMS))}
        )
    for key in ("max_amount", "guarantee_share", "term_months"):
        if key in terms and (not _number(terms[key]) or terms[key] < 0):
            raise RuleError(_("条款 %(key)s 须为非负数") % {"key": key})
    if "guarantee_share" in terms and terms["guarantee_share"] > 100:
        raise RuleError(_("担保比例 guarantee_share 不能超过 100"))
    amount = terms.get("amount")
    if amount is not None:
        if not isinstance(amount, dict) or set(amount) != {"revenue_multiple"}:
            raise RuleError(_("额度规则 amount 须为 {revenue_multiple: k}"))
        if not _number(amount["revenue_multiple"]) or amount["revenue_multiple"] <= 0:
            raise RuleError(_("额度规则的 revenue_multiple 须为正数"))
        if "max_amount" not in terms:
            raise RuleError(_("额度规则须与最高额度 max_amount 同时给出"))
    rate = terms.get("rate")
    if rate is not None:
        if not isinstance(rate, dict):
            raise RuleError(_("利率规则 rate 须为对象"))
        if "fixed" in rate:
            if set(rate) != {"fixed"} or not _number(rate["fixed"]):
                raise RuleError(_("固定利率写作 {fixed: 年利率%}"))
        else:
            if set(rate) - {"base", "spread_bp", "tier_spread_bp"} or "base" not in rate:
                raise RuleError(
                    _(
                        "利率规则写作 {base: 基准代码, spread_bp: 点差, "
                        "tier_spread_bp: {档次: 点差}}"
                    )
                )
            if not _number(rate.get("spread_bp", 0)):
                raise RuleError(_("点差 spread_bp 须为数字（基点）"))
            tiers = rate.get("tier_spread_bp", {})
            if not isinstance(tiers, dict) or not all(_number(v) for v in tiers.values()):
                raise RuleError(_("tier_spread_bp 须为 {档次: 点差（基点）}"))
    sharing = terms.get("risk_sharing")
    if sharing is not None and (
        not isinstance(sharing, dict) or not all(_number(v) for v in sharing.values())
    ):
        raise RuleError(_("风险分担 risk_sharing 须为 {分担方: 百分比}"))


def fact_fields(specs: Sequence[OfferingSpec]) -> set[str]:
    """The input facts the offerings need (the amount rule reads both revenue years)."""
    needed = set()
    for spec in specs:
        needed |= {c["field"] for c in spec.eligibility if c.get("test") == "fact"}
        if "amount" in spec.terms:
            needed |= {"revenue", "revenue_prev"}
    return needed


# ---------------------------------------------------------------- evaluation


def with_rank_shares(frame: pl.DataFrame) -> pl.DataFrame:
    """``rank_share`` and ``rank_share_stage`` from ``rank`` and ``rank_stage`` over this frame
    (the whole run)."""
    return frame.with_columns(
        (pl.col("rank") / pl.col("rank").count() * 100).alias("rank_share"),
        (pl.col("rank_stage") / pl.col("rank_stage").count().over("stage") * 100).alias(
            "rank_share_stage"
        ),
    )


def _bounded(column: pl.Expr, condition: Mapping[str, Any]) -> pl.Expr:
    tests = {
        "min": lambda v: column >= v,
        "gt": lambda v: column > v,
        "max": lambda v: column <= v,
        "lt": lambda v: column < v,
    }
    parts = [tests[k](condition[k]) for k in COMPARE if k in condition]
    return pl.all_horizontal(parts)


def _column(frame_columns: set[str], name: str, dtype: Any = pl.Float64) -> pl.Expr:
    return pl.col(name) if name in frame_columns else pl.lit(None, dtype=dtype)


def compile_condition(
    condition: Mapping[str, Any], spec: OfferingSpec, columns: set[str]
) -> tuple[pl.Expr, pl.Expr]:
    """(passes, the value it was judged on) for one condition; nulls fail."""
    test = condition["test"]
    if test == "score":
        value = pl.col("total").round(2)
        ok = _bounded(pl.col("total"), condition)
    elif test == "fact":
        value = _column(columns, condition["field"])
        ok = _bounded(value, condition)
    elif test == "rank_share":
        name = "rank_share_stage" if condition.get("within") == "stage" else "rank_share"
        value = pl.col(name).round(2)
        ok = pl.col(name) <= condition["max"]
    elif test in {"tier", "stage", "industry"}:
        value = pl.col(test)
        ok = value.is_in(list(condition["in"]))
    elif test == "region":
        value = pl.col("region_code")
        ok = pl.any_horizontal([value.str.starts_with(p) for p in condition["in"]])
    elif test in {"qualification", "pool"}:
        held = pl.col("qualifications" if test == "qualification" else "pools")
        wanted = list(condition.get("any") or condition.get("all"))
        value = held.list.set_intersection(wanted)
        ok = value.list.len() > 0 if "any" in condition else value.list.len() == len(set(wanted))
    elif test == "no_veto":
        value = pl.col("vetoed")
        ok = ~value
    elif test == "authorisation":
        if spec.institution_id is None:
            value = pl.lit(False)
        else:
            value = pl.col("authorised").list.contains(spec.institution_id).fill_null(False)
        ok = value
    else:  # pragma: no cover - check_condition refuses it
        raise RuleError(test)
    return ok.fill_null(False), value


def amount_expression(terms: Mapping[str, Any], columns: set[str]) -> pl.Expr:
    """Suggested amount (万元): the cap, or the lesser of the cap and k × average revenue."""
    cap = terms.get("max_amount")
    if cap is None:
        return pl.lit(None, dtype=pl.Float64)
    rule = terms.get("amount")
    if rule is None:
        return pl.lit(float(cap))
    years = pl.mean_horizontal(_column(columns, "revenue"), _column(columns, "revenue_prev"))
    scaled = (years * rule["revenue_multiple"]).clip(lower_bound=0)
    lesser = pl.min_horizontal(pl.lit(float(cap)), scaled).round(2).cast(pl.Float64)
    return pl.when(scaled.is_not_null()).then(lesser)  # no revenue: no suggestion


def rate_expression(terms: Mapping[str, Any], rates: Mapping[str, float]) -> pl.Expr:
    """Suggested annual rate (%): the reference rate plus the tier's spread in basis points."""
    rule = terms.get("rate")
    if rule is None:
        return pl.lit(None, dtype=pl.Float64)
    if "fixed" in rule:
        return pl.lit(float(rule["fixed"]))
    base = rates.get(rule["base"])
    if base is None:
        return pl.lit(None, dtype=pl.Float64)
    default = float(rule.get("spread_bp", 0))
    spread = pl.col("tier").replace_strict(
        {k: float(v) for k, v in rule.get("tier_spread_bp", {}).items()},
        default=default,
        return_dtype=pl.Float64,
    )
    return (pl.lit(float(base)) + spread.fill_null(default) / 100).round(3)


def _json_value(value: pl.Expr) -> pl.Expr:
    """The value as JSON text (strings escaped), without a Python loop."""
    encoded = pl.struct(value.alias("v")).struct.json_encode()
    return encoded.str.slice(5, encoded.str.len_chars() - 6)


def reasons_expression(conditions: Sequence[tuple[Mapping[str, Any], pl.Expr]]) -> pl.Expr:
    """[{"test": …, "rule": {…}, "value": …}, …] as JSON text, one per row."""
    parts = []
    for condition, value in conditions:
        rule = {k: v for k, v in condition.items() if k != "test"}
        head = json.dumps({"test": condition["test"], "rule": rule}, ensure_ascii=False)[:-1]
        parts += [pl.lit(head + ', "value": '), _json_value(value).fill_null("null"), pl.lit("}")]
    if not parts:
        return pl.lit("[]")
    pieces: list[pl.Expr] = [pl.lit("[")]
    for k in range(0, len(parts), 3):
        if k:
            pieces.append(pl.lit(", "))
        pieces += parts[k : k + 3]
    pieces.append(pl.lit("]"))
    return pl.concat_str(pieces)


def plan(
    frame: pl.LazyFrame, spec: OfferingSpec, columns: set[str], rates: Mapping[str, float]
) -> pl.LazyFrame:
    """The enterprises eligible for one offering, with reasons and suggested terms."""
    compiled = [(c, *compile_condition(c, spec, columns)) for c in spec.conditions()]
    passes = pl.all_horizontal([ok for _c, ok, _v in compiled]) if compiled else pl.lit(True)
    return frame.filter(passes).select(
        pl.lit(spec.id, dtype=pl.Int64).alias("offering"),
        pl.col("enterprise_id").cast(pl.Int64).alias("enterprise"),
        reasons_expression([(c, v) for c, _ok, v in compiled]).alias("reasons"),
        amount_expression(spec.terms, columns).cast(pl.Float64).alias("suggested_amount"),
        rate_expression(spec.terms, rates).cast(pl.Float64).alias("suggested_rate"),
    )


def evaluate(
    frame: pl.DataFrame, specs: Sequence[OfferingSpec], rates: Mapping[str, float]
) -> pl.DataFrame:
    """Every eligible (offering, enterprise) pair: one vectorised plan per offering, the plans
    run together by polars (``collect_all``)."""
    columns = set(frame.columns)
    base = frame.lazy()
    plans = [plan(base, spec, columns, rates) for spec in specs]
    if not plans:
        return pl.DataFrame(schema=PAIR_SCHEMA)
    return pl.concat(pl.collect_all(plans), how="vertical")


def explain(
    frame: pl.DataFrame, spec: OfferingSpec, rates: Mapping[str, float] | None = None
) -> list[dict[str, Any]]:
    """For one enterprise (a one-row frame): every condition with its value and whether it
    passed — the same expressions as ``evaluate``."""
    if frame.height != 1:
        raise ValueError("explain takes the frame of one enterprise")
    columns = set(frame.columns)
    conditions = spec.conditions()
    compiled = [compile_condition(c, spec, columns) for c in conditions]
    row = frame.select(
        *[ok.alias(f"ok{k}") for k, (ok, _v) in enumerate(compiled)],
        *[_json_value(v).alias(f"v{k}") for k, (_ok, v) in enumerate(compiled)],
        amount_expression(spec.terms, columns).alias("amount"),
        rate_expression(spec.terms, rates or {}).alias("rate"),
    ).row(0, named=True)
    lines = []
    for k, condition in enumerate(conditions):
        raw = row[f"v{k}"]
        lines.append(
            {
                "test": condition["test"],
                "rule": {key: v for key, v in condition.items() if key != "test"},
                "value": json.loads(raw) if raw is not None else None,
                "ok": bool(row[f"ok{k}"]),
            }
        )
    return lines
