"""Financing statistics over recorded financings (贷款余额, 放款额, average rate, 首贷) by
region, tier, product and institution, progress against a division's targets (the targets app
keeps them as data and hands them in), and
whether the score predicted the outcomes (default rate by tier and band, AUC, KS, PSI)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import polars as pl
from django.db.models import Count, QuerySet

from innopoints.analysis.publication import official_runs
from innopoints.applications.models import Financing
from innopoints.engine.discrimination import auc, ks, psi
from innopoints.scoring.models import Result
from innopoints.site import names

GRANTED = ["disbursed", "repaid", "overdue", "defaulted"]
# 贷款余额: loans still being repaid. A repaid loan is not; neither is a defaulted one (its
# application 违约 or 已代偿): the bank has called it in and claims the loss, it is no longer
# a balance the division's lending target counts.
OUTSTANDING = ["disbursed", "overdue"]


@dataclass
class FinancingFigures:
    n: int
    disbursed: float
    outstanding: float
    direct: float
    average_rate: float | None
    first_loans: int
    first_loan_amount: float
    progress: dict[str, float]
    by: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def _frame(records: QuerySet[Financing]) -> pl.DataFrame:
    rows = list(
        records.values_list(
            "pk",
            "enterprise_id",
            "enterprise__region_id",
            "institution__name",
            "kind",
            "product",
            "status",
            "amount",
            "rate",
            "applied_on",
            "disbursed_on",
        )
    )
    frame = pl.DataFrame(
        rows,
        orient="row",
        schema={
            "pk": pl.Int64,
            "enterprise_id": pl.Int64,
            "region": pl.String,
            "institution": pl.String,
            "kind": pl.String,
            "product": pl.String,
            "status": pl.String,
            "amount": pl.Float64,
            "rate": pl.Float64,
            "applied_on": pl.Date,
            "disbursed_on": pl.Date,
        },
    )
    return frame.with_columns(
        (pl.col("region").fill_null("").str.slice(0, 4) + "00").alias("prefecture"),
        pl.col("amount").fill_null(0.0),
    )


def _tiers(enterprise_ids: list[int]) -> pl.DataFrame:
    """Each enterprise's tier and total in the newest official run that scored it."""
    rows = list(
        Result.objects.filter(enterprise_id__in=enterprise_ids, run__in=official_runs())
        .order_by("enterprise_id", "-run__created_at")
        .values_list("enterprise_id", "tier", "total", "vetoed")
    )
    frame = pl.DataFrame(
        rows,
        orient="row",
        schema={
            "enterprise_id": pl.Int64,
            "tier": pl.String,
            "total": pl.Float64,
            "vetoed": pl.Boolean,
        },
    )
    return frame.unique("enterprise_id", keep="first", maintain_order=True)


def _first_loans(frame: pl.DataFrame) -> pl.Series:
    """A granted loan is the enterprise's 首贷 when no granted loan of it was disbursed
    earlier (over every institution's records of the enterprise)."""
    ids = frame["enterprise_id"].unique().to_list()
    everything = _frame(Financing.objects.filter(enterprise_id__in=ids))
    loans = everything.filter(pl.col("kind").eq("loan") & pl.col("status").is_in(GRANTED))
    first = loans.sort("disbursed_on", "pk", nulls_last=True).unique(
        "enterprise_id", keep="first", maintain_order=True
    )
    return frame["pk"].is_in(first["pk"].implode())


def _progress(targets: Mapping[str, object] | None, current: dict[str, float]) -> dict[str, float]:
    """Per target (in 万元): the share reached, in %; nothing without targets."""
    return {
        key: 100.0 * current[key] / float(str(goal))
        for key, goal in (targets or {}).items()
        if key in current and goal and float(str(goal)) > 0
    }


def financing_figures(
    records: QuerySet[Financing], targets: Mapping[str, object] | None = None
) -> FinancingFigures:
    """``targets``: {"loans_outstanding", "direct_financing"} in 万元 (a division's targets)."""
    frame = _frame(records)
    if frame.is_empty():
        zero = {"loans_outstanding": 0.0, "direct_financing": 0.0}
        return FinancingFigures(0, 0.0, 0.0, 0.0, None, 0, 0.0, _progress(targets, zero))
    frame = frame.join(
        _tiers(frame["enterprise_id"].unique().to_list()), on="enterprise_id", how="left"
    )
    granted = pl.col("status").is_in(GRANTED)
    loan = pl.col("kind").eq("loan")
    frame = frame.with_columns(
        first=_first_loans(frame),
        disbursed=pl.when(granted & loan).then(pl.col("amount")).otherwise(0.0),
        outstanding=pl.when(pl.col("status").is_in(OUTSTANDING) & loan)
        .then(pl.col("amount"))
        .otherwise(0.0),
        direct=pl.when(granted & pl.col("kind").eq("investment"))
        .then(pl.col("amount"))
        .otherwise(0.0),
        tier=pl.col("tier").fill_null("—"),
        product=pl.col("kind").replace_strict(
            {k: str(label) for k, label in Financing.Kind.choices}, default=pl.col("kind")
        )
        + pl.lit(" ")
        + pl.col("product").fill_null(""),
    )

    def summary(group: pl.DataFrame) -> dict[str, Any]:
        rated = group.filter(pl.col("disbursed") > 0)
        weight = float(rated["disbursed"].sum())
        average = (
            float((rated["rate"].fill_null(0.0) * rated["disbursed"]).sum()) / weight
            if weight > 0 and rated["rate"].null_count() < rated.height
            else None
        )
        return {
            "n": group.height,
            "disbursed": float(group["disbursed"].sum()),
            "outstanding": float(group["outstanding"].sum()),
            "direct": float(group["direct"].sum()),
            "average_rate": average,
            "first_loans": int(group.filter(pl.col("first") & (pl.col("disbursed") > 0)).height),
        }

    total = summary(frame)
    by = {
        key: [
            {key: name, **summary(group)}
            for (name,), group in sorted(frame.group_by(key), key=lambda g: str(g[0][0]))
        ]
        for key in ("prefecture", "tier", "product", "institution")
    }
    for row in by["prefecture"]:  # a division by its name, never its code
        row["prefecture"] = names.region_name(row["prefecture"]) if row["prefecture"] else "—"
    first_amount = float(frame.filter(pl.col("first"))["disbursed"].sum())
    return FinancingFigures(
        n=total["n"],
        disbursed=total["disbursed"],
        outstanding=total["outstanding"],
        direct=total["direct"],
        average_rate=total["average_rate"],
        first_loans=total["first_loans"],
        first_loan_amount=first_amount,
        progress=_progress(
            targets,
            {"loans_outstanding": total["outstanding"], "direct_financing": total["direct"]},
        ),
        by=by,
    )


@dataclass
class OutcomeFigures:
    n: int
    defaults: int
    auc: float | None
    ks: float | None
    by_tier: list[dict[str, Any]]
    by_band: list[dict[str, Any]]
    stability: list[dict[str, Any]]


def outcome_figures(
    records: QuerySet[Financing], region_prefix: str | None = None
) -> OutcomeFigures:
    """Granted loans with their outcome (bad = defaulted) against the enterprise's score in the
    newest official run; tier stability between consecutive official runs (PSI)."""
    frame = _frame(records.filter(kind="loan", status__in=GRANTED))
    stability = _stability(region_prefix)
    if frame.is_empty():
        return OutcomeFigures(0, 0, None, None, [], [], stability)
    frame = frame.join(
        _tiers(frame["enterprise_id"].unique().to_list()), on="enterprise_id", how="inner"
    ).with_columns(
        bad=pl.col("status").eq("defaulted"),
        band=((pl.col("total") // 10) * 10).cast(pl.Int64),
    )

    def rates(key: str) -> list[dict[str, Any]]:
        grouped = (
            frame.group_by(key)
            .agg(pl.len().alias("n"), pl.col("bad").sum().alias("defaults"))
            .with_columns((100.0 * pl.col("defaults") / pl.col("n")).alias("default_rate"))
            .sort(key)
        )
        return grouped.to_dicts()

    scores, bad = frame["total"].to_numpy(), frame["bad"].to_numpy()
    return OutcomeFigures(
        n=frame.height,
        defaults=int(bad.sum()),
        auc=auc(scores, bad),
        ks=ks(scores, bad),
        by_tier=rates("tier"),
        by_band=rates("band"),
        stability=stability,
    )


def _stability(region_prefix: str | None) -> list[dict[str, Any]]:
    # the twelve newest official runs, oldest first: each compared with the one before it
    runs = list(reversed(official_runs().only("pk", "created_at")[:12]))
    shares = []
    for run in runs:
        results = Result.objects.filter(run=run, vetoed=False)
        if region_prefix:
            results = results.filter(region_code__startswith=region_prefix)
        counts = dict(
            results.order_by().values("tier").annotate(n=Count("pk")).values_list("tier", "n")
        )
        shares.append((run, counts))
    out = []
    for (before, old), (after, new) in pairwise(shares):
        tiers = sorted(set(old) | set(new))
        if not tiers or not sum(old.values()) or not sum(new.values()):
            continue
        out.append(
            {
                "before": before.pk,
                "after": after.pk,
                "psi": psi([old.get(t, 0) for t in tiers], [new.get(t, 0) for t in tiers]),
            }
        )
    return out
