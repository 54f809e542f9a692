"""Indicator schemes as validated data (docs/METHOD.md §4–§8 and §11; docs/schemes.md).

A scheme file is YAML. Loading resolves inheritance (``extends``), validates the structure with
pydantic and then checks the meaning (weights summing to 1, codes known, caps not negative,
...), collecting *every* problem before raising :class:`SchemeError`.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from collections.abc import Callable, Mapping
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from innopoints.engine.fields import Field as InputField
from innopoints.engine.fields import FieldCatalogue, FieldKind, base_catalogue

Method = Literal["wminmax", "minmax", "rank", "goalpost", "bands"]
Transform = Literal["none", "log1p"]
DerivationOp = Literal["growth", "ratio", "ratio_to_mean"]

WEIGHT_TOLERANCE = 1e-9


class SchemeError(ValueError):
    """A scheme file that cannot be used; ``problems`` names every one found."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        listing = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}: {len(problems)} problem(s) in the scheme:\n{listing}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Names(_Strict):
    zh: str
    en: str


class SourceRef(_Strict):
    """Where a rule comes from: a document and, where it has one, its annex and row."""

    document: str
    annex: str | None = None
    row: int | None = None
    note: str | None = None


class Category(_Strict):
    code: str
    name: Names
    bonus: bool = False


class Band(_Strict):
    """[lower, upper) in the indicator's raw unit earns ``fraction`` of its points."""

    lower: float | None = None
    upper: float | None = None
    fraction: float


class Goalpost(_Strict):
    """x' = clip((T(x) − T(low)) / (T(full_mark) − T(low)), 0, 1)."""

    full_mark: float
    low: float = 0.0


class Derivation(_Strict):
    """growth: (a − b) / b × scale; ratio: a / b × scale; ratio_to_mean: a / ((b + c)/2) × scale.

    The result is missing when an input is missing or the denominator is ≤ 0 (docs/METHOD.md §2).
    """

    op: DerivationOp
    inputs: tuple[str, ...]
    scale: float = 100.0


class Indicator(_Strict):
    code: str
    name: Names
    category: str
    unit: str = ""
    kind: Literal["weighted", "bonus", "veto", "deduction"]
    source: SourceRef | None = None
    definition: str | None = None
    data_sources: tuple[str, ...] = ()
    requires_authorisation: bool = False
    frequency: str | None = None
    # weighted
    weights: dict[str, float] | None = None
    transform: Transform = "none"
    winsor: tuple[float, float] = (0.01, 0.99)
    method: Method = "wminmax"
    direction: Literal["positive", "negative"] = "positive"
    goalpost: Goalpost | None = None
    bands: tuple[Band, ...] | None = None
    derivation: Derivation | None = None
    # bonus, veto and deduction: the input fields; a bool field counts 1 when true, a count its
    # value. bonus adds, deduction subtracts min(items × points_per_item, cap) (积分扣减)
    inputs: tuple[str, ...] | None = None
    points_per_item: float | None = None
    cap: float | None = None

    @property
    def input_fields(self) -> tuple[str, ...]:
        return self.inputs if self.inputs else (self.code,)


class Stage(_Strict):
    code: str
    name: Names
    max_age_years: int | None = None
    revenue_from: float | None = None
    revenue_below: float | None = None


class StageRule(_Strict):
    """``age``: the first stage whose ``max_age_years`` the enterprise is within (established on
    or after reference date − N calendar years), the last stage otherwise. ``revenue``: the stage
    whose [revenue_from, revenue_below) holds the enterprise's revenue (万元)."""

    basis: Literal["age", "revenue"]
    stages: tuple[Stage, ...]
    missing_stage: str | None = None
    """Where an enterprise without the basis (revenue) goes; unset: it is an input error."""
    source: SourceRef | None = None

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(s.code for s in self.stages)


class Tier(_Strict):
    code: str
    name: Names
    max_share: float | None = None
    min_score: float | None = None


class TierRule(_Strict):
    """``rank_share``: tier k if rank / n ≤ max_share (best first, the last takes the rest).
    ``score``: tier k if total ≥ min_score (best first, the last takes the rest)."""

    basis: Literal["rank_share", "score"]
    levels: tuple[Tier, ...]


class Agreement(_Strict):
    alternatives: tuple[Literal["minmax", "rank"], ...] = ("minmax", "rank")
    min_spearman: float = 0.90
    top_share: float = 0.10


CoinrNormaliser = Literal[
    "minmax",
    "zscore",
    "scaled",
    "prank",
    "rank",
    "borda",
    "fracmax",
    "dist2max",
    "dist2ref",
    "dist2targ",
    "goalposts",
]


class CoinrTreatment(_Strict):
    """COINr's outlier treatment (engine/coinr/treat.py): winsorise up to ``winmax`` points
    (or ⌊``winmax_share`` · n⌋ when larger; null: no limit), then ``second`` if still skewed."""

    winmax: int | None = 5
    winmax_share: float | None = None
    skew_thresh: float = 2.0
    kurt_thresh: float = 3.5
    second: Literal["log_CT", "log_CT_plus", "log_CT_orig"] | None = "log_CT"
    combine: bool = False


class CoinrNormalisation(_Strict):
    """One of COINr's normalisations with its parameters (engine/coinr/normalisers.py)."""

    method: CoinrNormaliser = "minmax"
    l_u: tuple[float, float] = (0.0, 1.0)
    m_sd: tuple[float, float] = (0.0, 1.0)
    npara: tuple[float, float] = (0.0, 100.0)
    ref_row: int = 0
    cap_max: bool = False
    targets: dict[str, float] | None = None
    goalposts: dict[str, tuple[float, float]] | None = None
    goalpost_scale: float = 1.0
    trunc: bool = True


class CoinrMethods(_Strict):
    """Score the weighted indicators the COINr way: treat, normalise, aggregate.
    ``aggregation``: ``sum`` keeps the weighted sum of points; the means aggregate each
    enterprise's normalised values with its stage weights (×``scale``)."""

    treatment: CoinrTreatment | None = CoinrTreatment()
    normalisation: CoinrNormalisation = CoinrNormalisation()
    aggregation: Literal["sum", "amean", "gmean", "hmean", "genmean"] = "sum"
    p: float = 2.0


class MissingData(_Strict):
    """What a missing weighted value costs (docs/METHOD.md §4; docs/schemes.md "Missing data").

    ``zero`` (the Sichuan default): a missing value earns 0. ``renormalise`` (COINr-style):
    an enterprise whose coverage (engine/coverage.py) is at least ``min_coverage`` and that
    misses some weighted value is scored over the indicators it has, each weight divided by
    its coverage, so those weights again sum to the stage's total; below ``min_coverage`` a
    missing value earns 0 as under ``zero``."""

    method: Literal["zero", "renormalise"] = "zero"
    min_coverage: float | None = None


class FieldSpec(_Strict):
    code: str
    header: str
    kind: FieldKind
    signed: bool = False
    aliases: tuple[str, ...] = ()


class Scheme(_Strict):
    id: str
    version: str
    name: Names
    example: bool = False
    description: str | None = None
    source: SourceRef
    extends: str | None = None
    lineage: tuple[str, ...] = ()
    scale: float = 100.0
    bonus_cap: float | None = None
    deduction_cap: float | None = None
    """Cap on the sum of an enterprise's deductions (积分扣减); none = no cap."""
    deduction_floor: float | None = 0.0
    """Deductions never take the total below this (default 0); none = no floor."""
    missing: MissingData = MissingData()
    reference_group: Literal["whole", "stage"] = "whole"
    period_end: str = "12-31"
    categories: tuple[Category, ...]
    stage_rule: StageRule
    indicators: tuple[Indicator, ...]
    tiers: TierRule
    agreement: Agreement = Agreement()
    fields: tuple[FieldSpec, ...] = ()
    coinr: CoinrMethods | None = None

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"

    @cached_property
    def catalogue(self) -> FieldCatalogue:
        extra = [InputField(f.code, f.header, f.kind, f.signed, f.aliases) for f in self.fields]
        return base_catalogue().extended(extra)

    @cached_property
    def weighted(self) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators if i.kind == "weighted")

    @cached_property
    def bonus(self) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators if i.kind == "bonus")

    @cached_property
    def vetoes(self) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators if i.kind == "veto")

    @cached_property
    def deductions(self) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators if i.kind == "deduction")

    def indicator(self, code: str) -> Indicator:
        for indicator in self.indicators:
            if indicator.code == code:
                return indicator
        raise KeyError(code)

    def weight_matrix(self) -> list[list[float]]:
        """weights[i][s]: weight of weighted indicator i in stage s (stage_rule order)."""
        return [
            [(ind.weights or {}).get(stage, 0.0) for stage in self.stage_rule.codes]
            for ind in self.weighted
        ]

    def content(self) -> dict[str, Any]:
        """The resolved scheme as JSON data, without the deduction and missing-data options
        where they are at their defaults: a scheme that does not use them has the content it
        had before they existed (stored versions compare equal; fingerprints are kept)."""
        data = self.model_dump(mode="json")
        for key, default in _OPTION_DEFAULTS.items():
            if data[key] == default:
                del data[key]
        return data

    @cached_property
    def fingerprint(self) -> str:
        """SHA-256 of the resolved scheme's canonical JSON: equal fingerprints, equal scoring."""
        data = self.content()
        if self.coinr is None:  # schemes without the block keep their fingerprints
            del data["coinr"]
        canonical = json.dumps(data, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


_OPTION_DEFAULTS: dict[str, Any] = {
    "deduction_cap": None,
    "deduction_floor": 0.0,
    "missing": MissingData().model_dump(mode="json"),
}


# ---------------------------------------------------------------------------------------------
# Loading


def builtin_dir() -> Path:
    return Path(str(resources.files("innopoints.schemes")))


def builtin_ids() -> list[str]:
    return sorted(p.stem for p in builtin_dir().glob("*.yaml") if p.stem != "fields")


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SchemeError(str(path), ["file not found"]) from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise SchemeError(str(path), [f"not valid UTF-8 YAML: {exc}"]) from None
    if not isinstance(data, dict):
        raise SchemeError(str(path), ["the file must hold a mapping (id, version, ...)"])
    return data


def resolve_reference(ref: str, relative_to: Path | None = None) -> Path:
    """A scheme reference is a built-in id (``sichuan-2025``) or a path to a YAML file."""
    candidate = Path(ref)
    if candidate.suffix in {".yaml", ".yml"}:
        if not candidate.is_absolute() and relative_to is not None:
            near = relative_to / candidate
            if near.exists():
                return near
        return candidate
    builtin = builtin_dir() / f"{ref.split('@', maxsplit=1)[0]}.yaml"
    if builtin.exists():
        return builtin
    raise SchemeError(ref, [f"no built-in scheme {ref!r}; built in: {', '.join(builtin_ids())}"])


def _merge_by_code(
    parent: list[Any], child: list[Any], what: str, problems: list[str]
) -> list[Any]:
    merged: dict[str, dict[str, Any]] = {}
    for item in parent:
        merged[item["code"]] = copy.deepcopy(item)
    for index, item in enumerate(child):
        if not isinstance(item, dict) or "code" not in item:
            problems.append(f"{what}[{index}]: each entry needs a code")
            continue
        code = item["code"]
        if code in merged:
            base = merged[code]
            # a child that restates weights replaces them whole rather than key by key
            merged[code] = {**base, **copy.deepcopy(item)}
        else:
            merged[code] = copy.deepcopy(item)
    return list(merged.values())


def _resolve_inheritance(
    data: dict[str, Any], origin: Path, seen: tuple[str, ...] = ()
) -> dict[str, Any]:
    parent_ref = data.get("extends")
    if not parent_ref:
        return data
    if parent_ref in seen:
        raise SchemeError(str(origin), [f"inheritance loops back to {parent_ref!r}"])
    parent_path = resolve_reference(str(parent_ref), origin.parent)
    parent_raw = _read_yaml(parent_path)
    parent = _resolve_inheritance(parent_raw, parent_path, (*seen, str(parent_ref)))
    problems: list[str] = []
    child = copy.deepcopy(data)
    removed = set(child.pop("remove_indicators", []) or [])
    unknown_removed = removed - {i.get("code") for i in parent.get("indicators", [])}
    problems += [f"remove_indicators: {code!r} is not in {parent_ref}" for code in unknown_removed]
    resolved = {k: copy.deepcopy(v) for k, v in parent.items() if k not in {"example"}}
    resolved["indicators"] = [
        i for i in parent.get("indicators", []) if i.get("code") not in removed
    ]
    for key, value in child.items():
        if key in {"indicators", "categories", "fields"}:
            resolved[key] = _merge_by_code(resolved.get(key, []), value or [], key, problems)
        else:
            resolved[key] = value
    resolved["lineage"] = [*parent.get("lineage", []), f"{parent['id']}@{parent['version']}"]
    if problems:
        raise SchemeError(str(origin), problems)
    return resolved


def _pydantic_problems(exc: ValidationError, data: Mapping[str, Any]) -> list[str]:
    problems = []
    for err in exc.errors():
        loc = err["loc"]
        where = _describe_location(loc, data)
        problems.append(f"{where}: {err['msg']}")
    return problems


def _describe_location(loc: tuple[int | str, ...], data: Mapping[str, Any]) -> str:
    parts: list[str] = []
    node: Any = data
    for step in loc:
        if isinstance(step, int):
            label = f"[{step}]"
            if isinstance(node, list) and step < len(node):
                node = node[step]
                if isinstance(node, dict) and "code" in node:
                    label = f"[{step}] ({node['code']})"
            parts.append(label)
        else:
            parts.append(("." if parts else "") + str(step))
            node = node.get(step) if isinstance(node, dict) else None
    return "".join(parts) or "scheme"


def load_scheme(ref: str | Path) -> Scheme:
    """Load a built-in scheme by id or a scheme file by path, fully checked."""
    path = ref if isinstance(ref, Path) else resolve_reference(ref)
    data = _read_yaml(path)
    return scheme_from_mapping(data, origin=path)


def scheme_from_mapping(data: Mapping[str, Any], origin: Path | None = None) -> Scheme:
    source = str(origin) if origin is not None else str(data.get("id", "scheme"))
    resolved = _resolve_inheritance(dict(data), origin or Path.cwd())
    try:
        scheme = Scheme.model_validate(resolved)
    except ValidationError as exc:
        raise SchemeError(source, _pydantic_problems(exc, resolved)) from None
    problems = check_scheme(scheme)
    if problems:
        raise SchemeError(source, problems)
    return scheme


# ---------------------------------------------------------------------------------------------
# Checks of meaning


def _duplicates(codes: list[str]) -> list[str]:
    seen: set[str] = set()
    twice = []
    for code in codes:
        if code in seen and code not in twice:
            twice.append(code)
        seen.add(code)
    return twice


def check_scheme(scheme: Scheme) -> list[str]:
    """Every problem of meaning in a structurally valid scheme; an empty list if none."""
    problems: list[str] = []
    for check in _CHECKS:
        problems.extend(check(scheme))
    return problems


def _check_coinr(scheme: Scheme) -> list[str]:
    if scheme.coinr is None:
        return []
    problems = []
    if scheme.reference_group != "whole":
        problems.append("coinr: the COINr methods normalise over the whole population")
    norm = scheme.coinr.normalisation
    codes = {ind.code for ind in scheme.weighted}
    if norm.method == "dist2targ" and set(norm.targets or {}) != codes:
        problems.append("coinr: dist2targ needs targets for exactly the weighted indicators")
    if norm.method == "goalposts":
        posts = norm.goalposts or {}
        if set(posts) != codes:
            problems.append("coinr: goalposts needs [lower, upper] for every weighted indicator")
        problems += [
            f"coinr: goalposts of {c}: upper must exceed lower"
            for c, (lo, hi) in posts.items()
            if not hi > lo
        ]
    if scheme.coinr.aggregation == "genmean" and scheme.coinr.p == 0:
        problems.append("coinr: genmean with p = 0 is gmean")
    treatment = scheme.coinr.treatment
    if (
        treatment is not None
        and treatment.winmax_share is not None
        and not 0 <= treatment.winmax_share < 1
    ):
        problems.append("coinr: treatment.winmax_share must be in [0, 1)")
    return problems


def _check_header(scheme: Scheme) -> list[str]:
    problems = []
    if not (scheme.scale > 0 and math.isfinite(scheme.scale)):
        problems.append(f"scale must be a positive number, not {scheme.scale}")
    if scheme.bonus_cap is not None and scheme.bonus_cap < 0:
        problems.append(f"bonus_cap must not be negative ({scheme.bonus_cap})")
    month_day = scheme.period_end.split("-")
    if len(month_day) != 2 or not all(p.isdigit() for p in month_day):
        problems.append(f"period_end must be MM-DD, not {scheme.period_end!r}")
    else:
        month, day = (int(p) for p in month_day)
        days = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        if not (1 <= month <= 12 and 1 <= day <= days[month - 1]):
            problems.append(f"period_end {scheme.period_end!r} is not a day of the year")
    return problems


def _check_codes(scheme: Scheme) -> list[str]:
    problems = []
    for what, codes in (
        ("indicator", [i.code for i in scheme.indicators]),
        ("category", [c.code for c in scheme.categories]),
        ("stage", list(scheme.stage_rule.codes)),
        ("tier", [t.code for t in scheme.tiers.levels]),
        ("field", [f.code for f in scheme.fields]),
    ):
        problems += [f"{what} code {code!r} is used twice" for code in _duplicates(codes)]
    try:
        scheme.catalogue  # noqa: B018 - builds the catalogue, which checks header clashes
    except ValueError as exc:
        problems.append(f"fields: {exc}")
    category_codes = {c.code for c in scheme.categories}
    for ind in scheme.indicators:
        if ind.category not in category_codes:
            problems.append(f"indicator {ind.code}: unknown category {ind.category!r}")
    if not scheme.weighted:
        problems.append("the scheme has no weighted indicator")
    return problems


def _known_field(scheme: Scheme, code: str) -> bool:
    try:
        return code in scheme.catalogue
    except ValueError:
        return code in base_catalogue()


def _check_weighted(scheme: Scheme) -> list[str]:
    problems = []
    stages = scheme.stage_rule.codes
    derived = {i.code for i in scheme.weighted if i.derivation is not None}
    for ind in scheme.weighted:
        where = f"indicator {ind.code}"
        if ind.points_per_item is not None or ind.cap is not None or ind.inputs:
            problems.append(f"{where}: points_per_item, cap and inputs are for bonus indicators")
        if ind.derivation is None and not _known_field(scheme, ind.code):
            problems.append(
                f"{where}: unknown code: no input field or derivation gives {ind.code!r}"
            )
        if ind.derivation is not None:
            problems += _check_derivation(scheme, ind, derived)
        if ind.weights is None:
            problems.append(f"{where}: a weighted indicator needs weights per stage")
        else:
            for stage in ind.weights:
                if stage not in stages:
                    problems.append(f"{where}: weight for unknown stage {stage!r}")
            for stage in stages:
                if stage not in ind.weights:
                    problems.append(f"{where}: no weight for stage {stage!r}")
            for stage, weight in ind.weights.items():
                if not (math.isfinite(weight) and weight >= 0):
                    problems.append(f"{where}: weight {weight} for stage {stage!r} is negative")
        low, high = ind.winsor
        if not (0.0 <= low < high <= 1.0):
            problems.append(f"{where}: winsor bounds need 0 ≤ low < high ≤ 1, got {ind.winsor}")
        problems += _check_method(ind)
    for stage in stages:
        total = math.fsum((i.weights or {}).get(stage, 0.0) for i in scheme.weighted)
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            problems.append(f"stage {stage!r}: weights sum to {total:.10g}, not 1")
    return problems


def _check_derivation(scheme: Scheme, ind: Indicator, derived: set[str]) -> list[str]:
    assert ind.derivation is not None
    arity = {"growth": 2, "ratio": 2, "ratio_to_mean": 3}[ind.derivation.op]
    where = f"indicator {ind.code}: derivation {ind.derivation.op}"
    problems = []
    if len(ind.derivation.inputs) != arity:
        problems.append(f"{where} takes {arity} inputs, got {len(ind.derivation.inputs)}")
    for code in ind.derivation.inputs:
        if not _known_field(scheme, code):
            problems.append(f"{where}: unknown code {code!r}")
        elif code in derived:
            problems.append(f"{where}: input {code!r} is itself derived")
        elif _known_field(scheme, code) and not scheme.catalogue[code].numeric:
            problems.append(f"{where}: input {code!r} is not a number")
    return problems


def _check_method(ind: Indicator) -> list[str]:
    where = f"indicator {ind.code}"
    problems = []
    if ind.method == "goalpost":
        if ind.goalpost is None:
            problems.append(f"{where}: method goalpost needs goalpost.full_mark")
        elif not ind.goalpost.full_mark > ind.goalpost.low:
            problems.append(f"{where}: goalpost full_mark must exceed low")
        elif ind.transform == "log1p" and ind.goalpost.low < 0:
            problems.append(f"{where}: a log1p goalpost needs low ≥ 0")
    elif ind.goalpost is not None:
        problems.append(f"{where}: goalpost given but method is {ind.method}")
    if ind.method == "bands":
        problems += _check_bands(ind)
    elif ind.bands is not None:
        problems.append(f"{where}: bands given but method is {ind.method}")
    return problems


def _check_bands(ind: Indicator) -> list[str]:
    where = f"indicator {ind.code}"
    if not ind.bands:
        return [f"{where}: method bands needs a non-empty list of bands"]
    problems = []
    previous_upper = -math.inf
    for k, band in enumerate(ind.bands):
        lower = -math.inf if band.lower is None else band.lower
        upper = math.inf if band.upper is None else band.upper
        if not lower < upper:
            problems.append(f"{where}: band {k + 1} needs lower < upper")
        if lower < previous_upper:
            problems.append(f"{where}: band {k + 1} overlaps or precedes band {k}")
        if not 0.0 <= band.fraction <= 1.0:
            problems.append(f"{where}: band {k + 1} fraction {band.fraction} is not in [0, 1]")
        previous_upper = upper
    return problems


def _check_bonus_and_veto(scheme: Scheme) -> list[str]:
    problems = []
    for ind in (*scheme.bonus, *scheme.vetoes, *scheme.deductions):
        where = f"indicator {ind.code}"
        if ind.weights is not None or ind.derivation is not None:
            problems.append(f"{where}: weights and derivation are for weighted indicators")
        for code in ind.input_fields:
            if not _known_field(scheme, code):
                problems.append(f"{where}: unknown code {code!r}")
            elif scheme.catalogue[code].kind not in {"bool", "count"}:
                problems.append(f"{where}: input {code!r} must be a bool or a count")
        if ind.kind in {"bonus", "deduction"}:
            hint = (
                " (a deduction states the points it subtracts)" if ind.kind == "deduction" else ""
            )
            if ind.points_per_item is None:
                problems.append(f"{where}: a {ind.kind} indicator needs points_per_item")
            elif not ind.points_per_item >= 0:
                problems.append(f"{where}: points_per_item must not be negative{hint}")
            if ind.cap is not None and not ind.cap >= 0:
                problems.append(f"{where}: negative cap {ind.cap}")
        elif ind.points_per_item is not None or ind.cap is not None:
            problems.append(f"{where}: a veto has no points or cap")
    return problems


def _check_stages(scheme: Scheme) -> list[str]:
    rule = scheme.stage_rule
    problems = []
    if not rule.stages:
        return ["stage_rule: at least one stage is needed"]
    if rule.missing_stage is not None and rule.missing_stage not in rule.codes:
        problems.append(f"stage_rule.missing_stage: unknown stage {rule.missing_stage!r}")
    if rule.missing_stage is not None and rule.basis == "age":
        problems.append("stage_rule.missing_stage: an age rule cannot guess a missing date")
    if rule.basis == "age":
        previous = -1
        for k, stage in enumerate(rule.stages):
            last = k == len(rule.stages) - 1
            if stage.revenue_from is not None or stage.revenue_below is not None:
                problems.append(f"stage {stage.code}: revenue bounds in an age rule")
            if last:
                if stage.max_age_years is not None:
                    problems.append(f"stage {stage.code}: the last age stage takes the rest")
            elif stage.max_age_years is None or stage.max_age_years <= previous:
                problems.append(
                    f"stage {stage.code}: max_age_years must be given and increase stage by stage"
                )
            else:
                previous = stage.max_age_years
    else:
        expected_from: float | None = None
        for k, stage in enumerate(rule.stages):
            if stage.max_age_years is not None:
                problems.append(f"stage {stage.code}: max_age_years in a revenue rule")
            if k > 0 and stage.revenue_from != expected_from:
                problems.append(
                    f"stage {stage.code}: revenue_from must equal the previous revenue_below"
                    f" ({expected_from}) so that the bands leave no gap"
                )
            if k == 0 and stage.revenue_from not in (None, 0, 0.0):
                problems.append(f"stage {stage.code}: the first band must start at 0 or blank")
            last = k == len(rule.stages) - 1
            if last != (stage.revenue_below is None):
                problems.append(f"stage {stage.code}: only the last band is open above")
            expected_from = stage.revenue_below
    return problems


def _check_tiers(scheme: Scheme) -> list[str]:
    levels = scheme.tiers.levels
    if not levels:
        return ["tiers: at least one tier is needed"]
    problems = []
    by_share = scheme.tiers.basis == "rank_share"
    previous = 0.0 if by_share else math.inf
    for k, tier in enumerate(levels):
        last = k == len(levels) - 1
        bound = tier.max_share if by_share else tier.min_score
        other = tier.min_score if by_share else tier.max_share
        if other is not None:
            problems.append(f"tier {tier.code}: mixes max_share and min_score")
        if last:
            continue
        if bound is None:
            problems.append(f"tier {tier.code}: needs {'max_share' if by_share else 'min_score'}")
        elif by_share and not previous < bound <= 1.0:
            problems.append(f"tier {tier.code}: max_share must rise within (0, 1]")
        elif not by_share and not bound < previous:
            problems.append(f"tier {tier.code}: min_score must fall tier by tier")
        if bound is not None:
            previous = bound
    agreement = scheme.agreement
    if not -1.0 <= agreement.min_spearman <= 1.0:
        problems.append("agreement.min_spearman must be within [-1, 1]")
    if not 0.0 < agreement.top_share <= 1.0:
        problems.append("agreement.top_share must be within (0, 1]")
    return problems


def _check_deductions_and_missing(scheme: Scheme) -> list[str]:
    problems = []
    cap, floor = scheme.deduction_cap, scheme.deduction_floor
    if cap is not None and not (math.isfinite(cap) and cap >= 0):
        problems.append(f"deduction_cap must be a number ≥ 0, not {cap}")
    if floor is not None and not math.isfinite(floor):
        problems.append(f"deduction_floor must be a finite number or null, not {floor}")
    missing = scheme.missing
    if missing.method == "renormalise":
        threshold = missing.min_coverage
        if threshold is None:
            problems.append(
                "missing.min_coverage: renormalise needs the coverage (0–1] from which an "
                "enterprise is scored over the indicators it has"
            )
        elif not (math.isfinite(threshold) and 0.0 < threshold <= 1.0):
            problems.append(f"missing.min_coverage must be within (0, 1], not {threshold}")
        if scheme.coinr is not None and scheme.coinr.aggregation != "sum":
            problems.append(
                f"missing.method: renormalise with coinr.aggregation {scheme.coinr.aggregation}"
                " would count twice: the COINr means already skip missing values"
            )
    elif missing.min_coverage is not None:
        problems.append("missing.min_coverage is only read with missing.method: renormalise")
    return problems


_CHECKS: tuple[Callable[[Scheme], list[str]], ...] = (
    _check_header,
    _check_deductions_and_missing,
    _check_codes,
    _check_weighted,
    _check_bonus_and_veto,
    _check_stages,
    _check_tiers,
    _check_coinr,
)
