"""Schemes as stored versions, scoring runs and their immutable results (数据汇集分析)."""

from __future__ import annotations

import functools
import json
import math
import zlib
from collections.abc import Iterable
from functools import cached_property
from typing import Any

import numpy as np
import polars as pl
from django.conf import settings
from django.db import models
from django.db.models import BinaryField
from django.db.models.functions import Substr
from django.utils.translation import get_language, gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from innopoints.core import bulk
from innopoints.engine.params import FrozenParameters
from innopoints.engine.scheme import Indicator, Scheme, scheme_from_mapping
from innopoints.registry.english import localised
from innopoints.registry.models import Enterprise, Region


class SchemeVersion(models.Model):
    """A stored scheme. Versions loaded from the scheme files or saved in the admin are
    published at once; a version drafted in the government portal (``scoring.scheme_pages``)
    is a draft until a second provincial administrator approves it."""

    STATES = [
        ("draft", _("草稿")),
        ("submitted", _("待审批")),
        ("published", _("已发布")),
    ]
    scheme_id = models.CharField(_("方案代码"), max_length=64)
    version = models.CharField(_("版本"), max_length=32)
    name = models.CharField(_("名称"), max_length=200)
    example = models.BooleanField(_("示例方案"), default=False)
    source_yaml = models.TextField(_("方案文件（YAML）"))
    content = models.JSONField(_("解析后的方案"), editable=False)
    fingerprint = models.CharField(_("内容指纹"), max_length=64, editable=False)
    frozen_at = models.DateTimeField(
        _("冻结时间"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("已被积分测算使用的版本不可修改，修改将生成新版本。"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    state = models.CharField(_("发布状态"), max_length=16, choices=STATES, default="published")
    based_on = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("起草所依据的版本"),
    )
    submitted_at = models.DateTimeField(_("提交审批时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("审批人"),
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    history = HistoricalRecords(verbose_name=_("方案变更记录"))

    class Meta:
        verbose_name = _("指标体系版本")
        verbose_name_plural = pgettext_lazy("plural", "指标体系版本")
        ordering = ["scheme_id", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["scheme_id", "version"], name="scheme_version_once")
        ]

    def __str__(self) -> str:
        marker = gettext("（示例）") if self.example else ""
        return f"{self.display_name()}{marker} {self.scheme_id}@{self.version}"

    def display_name(self) -> str:
        """The scheme's own name in the active language (a scheme names itself in Chinese and
        English; ``name`` keeps the Chinese one)."""
        if (get_language() or "").startswith("en"):
            names = (self.content or {}).get("name")
            if isinstance(names, dict) and names.get("en"):
                return str(names["en"])
        return self.name

    def scheme(self) -> Scheme:
        """The parsed, validated scheme; parsed once per distinct content (the Scheme is
        frozen, so every caller may share it), and an edited content is parsed afresh."""
        return _parsed_scheme(json.dumps(self.content, sort_keys=True, ensure_ascii=False))


@functools.lru_cache(maxsize=64)
def _parsed_scheme(content_json: str) -> Scheme:
    return scheme_from_mapping(json.loads(content_json))


class RunManager(models.Manager["Run"]):
    """Runs without their large stored inputs (value ids, ranked totals) unless asked for:
    a national run's ids are tens of megabytes and pages never need them."""

    def get_queryset(self) -> models.QuerySet[Run]:
        return super().get_queryset().defer("input_fact_ids", "ranked_totals")


class Run(models.Model):
    STATUSES = [
        ("queued", _("排队中")),
        ("running", _("测算中")),
        ("done", _("已完成")),
        ("failed", _("失败")),
        ("cancelled", _("已取消")),
    ]
    period = models.CharField(_("数据期"), max_length=16)
    scheme_version = models.ForeignKey(
        SchemeVersion, on_delete=models.PROTECT, related_name="runs", verbose_name=_("指标体系版本")
    )
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("地区范围")
    )
    qualifications = models.JSONField(
        _("资质范围"),
        default=list,
        blank=True,
        help_text=_("只评价在数据期持有其中任一资质的企业；为空则不限"),
    )
    """Qualification kinds (registry ``Qualification.KINDS``): the run scores only the
    enterprises holding one of them in the period's year; empty, every enterprise."""
    status = models.CharField(_("状态"), max_length=16, choices=STATUSES, default="queued")
    stage = models.CharField(_("进度说明"), max_length=64, blank=True)
    progress = models.FloatField(_("进度"), default=0.0)
    cancel_requested = models.BooleanField(_("已请求取消"), default=False)
    engine_version = models.CharField(_("引擎版本"), max_length=32, blank=True)
    parameters = models.JSONField(_("冻结参数（L、U 等）"), default=dict, blank=True)
    report = models.JSONField(_("测算报告（吻合度、计数、耗时）"), default=dict, blank=True)
    input_fact_ids = models.BinaryField(_("使用的数值（编号）"), null=True, editable=False)
    ranked_totals = models.BinaryField(
        _("参与排名企业的总积分（降序）"),
        null=True,
        editable=False,
        help_text=_("自评时据此定位名次与百分位"),
    )
    input_digest = models.CharField(_("输入摘要"), max_length=64, blank=True)
    n_enterprises = models.PositiveIntegerField(_("参评企业"), default=0)
    n_ranked = models.PositiveIntegerField(_("参与排名"), default=0)
    n_vetoed = models.PositiveIntegerField(_("清零企业"), default=0)
    error = models.TextField(_("错误"), blank=True)
    task_id = models.CharField(_("任务编号"), max_length=64, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("发起人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = RunManager()

    class Meta:
        verbose_name = _("积分测算")
        base_manager_name = "objects"
        verbose_name_plural = pgettext_lazy("plural", "积分测算")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        scope = localised(self.region.name) if self.region else gettext("全部地区")
        return f"#{self.pk} {self.period} {scope} {self.scheme_version.scheme_id}"

    def fact_ids(self) -> np.ndarray[Any, np.dtype[np.int64]]:
        if not self.input_fact_ids:
            return np.zeros(0, dtype=np.int64)
        return unpack_fact_ids(bytes(self.input_fact_ids))

    def frozen_parameters(self) -> FrozenParameters:
        """The run's frozen parameters, as the engine scores a self-assessment against them."""
        data = dict(self.parameters)
        totals = (
            np.frombuffer(zlib.decompress(bytes(self.ranked_totals)), dtype=np.float64)
            if self.ranked_totals
            else np.zeros(0)
        )
        data["ranked_totals"] = totals.tolist()
        return FrozenParameters.from_dict(data)

    @staticmethod
    def pack_floats(values: np.ndarray[Any, np.dtype[np.float64]]) -> bytes:
        return zlib.compress(values.astype(np.float64).tobytes(), 6)

    @staticmethod
    def pack_fact_ids(ids: np.ndarray[Any, np.dtype[np.int64]]) -> bytes:
        """Sorted ids as zlib-compressed gaps: a national run's 29 M ids in a few MB and under
        a second, where the ids themselves took 44 MB and 13 s."""
        return Run.pack_ascending_ids(ascending_ids(ids))

    @staticmethod
    def pack_ascending_ids(
        ascending: np.ndarray[Any, np.dtype[np.int64]], compress: bool = True
    ) -> bytes:
        """``pack_fact_ids`` of ids already in ascending order; with ``compress`` False the
        gaps go in the narrowest unsigned type that holds them, for a column the database
        compresses itself (lz4 takes a fraction of zlib's time)."""
        gaps = np.empty_like(ascending)
        gaps[:1] = ascending[:1]
        np.subtract(ascending[1:], ascending[:-1], out=gaps[1:])
        widest = int(gaps.max(initial=0))
        width = next(w for w in (1, 2, 4, 8) if widest < 2 ** (8 * w))
        narrow = gaps.astype(f"<u{width}").tobytes()
        if not compress:
            return PLAIN_GAPS + str(width).encode() + narrow
        # the narrow gaps compressed: a national run's 29 M ids are an eighth of the bytes
        # for zlib that their int64 gaps were (0.2 s instead of 0.6 s, 1.7 MB instead of 3.2)
        return NARROW_GAPS + str(width).encode() + zlib.compress(narrow, 1)


def ascending_ids(ids: np.ndarray[Any, np.dtype[Any]]) -> np.ndarray[Any, np.dtype[np.int64]]:
    """The ids sorted, as int64: polars sorts a national run's 29 M ids in 0.1 s, numpy in
    0.65 s."""
    return pl.Series(ids, dtype=pl.Int64).sort().to_numpy()


LARGE_RUN_FIELDS = ("run__input_fact_ids", "run__ranked_totals")
"""A national run's ids and totals (megabytes): deferred wherever results come with their run."""

DELTA_IDS = b"D1"  # a zlib stream starts with 0x78: the formats never collide
PLAIN_GAPS = b"D2"  # then the gaps' width in bytes as one digit, then the gaps uncompressed
NARROW_GAPS = b"D3"  # then the gaps' width in bytes as one digit, then the gaps' zlib stream


def unpack_fact_ids(packed: bytes) -> np.ndarray[Any, np.dtype[np.int64]]:
    """Sorted ids from ``Run.pack_fact_ids`` or ``Run.pack_ascending_ids`` (or the plain
    zlib of runs stored before)."""
    if packed.startswith((PLAIN_GAPS, NARROW_GAPS)):
        width = int(packed[2:3])
        data = packed[3:] if packed.startswith(PLAIN_GAPS) else zlib.decompress(packed[3:])
        gaps = np.frombuffer(data, dtype=f"<u{width}")
        return np.cumsum(gaps, dtype=np.int64)
    if packed.startswith(DELTA_IDS):
        gaps = np.frombuffer(zlib.decompress(packed[len(DELTA_IDS) :]), dtype="<i8")
        return np.cumsum(gaps, dtype=np.int64)
    return np.frombuffer(zlib.decompress(packed), dtype=np.int64)


class Result(models.Model):
    """One enterprise's result in one run; never changed after the run finished. The
    breakdown holds per indicator [raw, value, origin, t, x, points] (L, U and the weight are
    the run's parameters for the enterprise's stage), bonus points and veto reasons."""

    # the composite indexes below serve these keys: no single-column index to maintain
    run = models.ForeignKey(
        Run,
        on_delete=models.CASCADE,
        related_name="results",
        verbose_name=_("积分测算"),
        db_index=False,
        db_constraint=False,  # checked set-wise when a run stores its results (execution.py)
    )
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="results",
        verbose_name=_("企业"),
        db_index=False,
        db_constraint=False,  # checked set-wise when a run stores its results (execution.py)
    )
    stage = models.CharField(_("成长阶段"), max_length=32)
    base = models.FloatField(_("基础分"))
    bonus = models.FloatField(_("附加分"))
    total = models.FloatField(_("总积分"))
    vetoed = models.BooleanField(_("清零"))
    veto_reasons = models.CharField(_("清零原因"), max_length=200, blank=True)
    rank = models.PositiveIntegerField(_("总排名"), null=True)
    rank_stage = models.PositiveIntegerField(_("阶段内排名"), null=True)
    rank_industry = models.PositiveIntegerField(_("领域内排名"), null=True)
    rank_region = models.PositiveIntegerField(_("地区内排名"), null=True)
    tier = models.CharField(_("档次"), max_length=16, blank=True)
    percentile = models.FloatField(_("百分位"), null=True)
    industry = models.CharField(_("所属领域"), max_length=64, blank=True)
    region_code = models.CharField(_("行政区划代码"), max_length=6, blank=True)
    coverage = models.FloatField(
        _("数据覆盖率"),
        null=True,
        help_text=_("有可用（已授权）数值的计分指标按本阶段权重所占的比例；早于此项的测算为空"),
    )
    """Share (0–1) of the stage's weighted score the enterprise could earn with the values the
    run used (engine/coverage.py); null for runs stored before it was kept."""
    block = models.PositiveIntegerField(_("明细块"), default=0)
    slot = models.PositiveIntegerField(_("块内位置"), default=0)
    """The breakdown is stored in the run's ``ResultBlock`` ``block``, row ``slot``: packed
    little-endian float64 in the order of the run's ``report["breakdown_layout"]``
    (``breakdown_values`` unpacks it). A national run writes a million breakdowns: as a
    thousand blocks they cost a fraction of a million row-sized values to pack and ingest."""
    categories = models.JSONField(_("一级指标得分"), null=True, blank=True)
    """Points per first-level category as runs stored before kept them; runs since leave it
    empty and ``category_points`` sums them from the breakdown (a national run's million
    ``jsonb`` were a seventh of its result rows' bytes)."""

    class Meta:
        verbose_name = _("积分结果")
        verbose_name_plural = pgettext_lazy("plural", "积分结果")
        ordering = ["run", models.F("rank").asc(nulls_last=True)]
        # One unique index serves "once per run", a run's page of one enterprise and an
        # enterprise's history. Run first: a run's million results go into the run's own part
        # of the index, so storing them costs the same however many runs are stored (with the
        # enterprise first, every result landed at a random place of an index over all runs,
        # and storing a national run grew by seconds with every run kept). A history is read
        # from the runs, one probe of this index per run (a nested loop).
        constraints = [
            models.UniqueConstraint(fields=["run", "enterprise"], name="result_once_per_run")
        ]
        indexes = [
            models.Index(fields=["run", "rank", "enterprise"], name="result_run_rank"),
            models.Index(fields=["run", "total"]),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.total:.2f}"

    @cached_property
    def breakdown_values(self) -> dict[str, Any]:
        """{"ind": {code: [raw, value, origin, t, x′, points]}, "bonus": {code: points},
        "deduction": {code: points}} (empty for schemes without 积分扣减), with None where a
        number is missing (docs/METHOD.md §9)."""
        return unpack_breakdown(self.packed_breakdown(), self.run.report["breakdown_layout"])

    def category_points(self, weighted: Iterable[Indicator]) -> dict[str, float]:
        """Points per first-level category (技术创新, 成长经营, ...): ``weighted`` being the run's
        scheme's weighted indicators, summed from the breakdown in that order, as the run summed
        them (the same numbers to the last bit); or as a run stored before kept them."""
        if self.categories:
            return {code: float(points) for code, points in self.categories.items()}
        indicators = self.breakdown_values["ind"]
        at = self.run.report["breakdown_layout"]["parts"].index("pts")
        sums: dict[str, float] = {}
        for indicator in weighted:
            points = indicators[indicator.code][at] or 0.0
            sums[indicator.category] = sums.get(indicator.category, 0.0) + points
        return sums

    def packed_breakdown(self) -> bytes:
        """This row's packed float64, read out of its block unless ``prefetch_breakdowns`` has
        read it already: only these bytes where the block is stored row by row, the block
        where it is stored column by column (``block_matrix``)."""
        prefetched: bytes | None = getattr(self, "_packed_breakdown", None)
        if prefetched is not None:
            return prefetched
        layout = self.run.report["breakdown_layout"]
        size = 8 * breakdown_width(layout)
        blocks = ResultBlock.objects.filter(run_id=self.run_id, index=self.block)
        if layout.get("block_order") == BY_COLUMN:
            found = bulk.binary_rows(blocks.values_list("values"))
            if not found:
                raise ResultBlock.DoesNotExist(
                    f"run {self.run_id} has no breakdown block {self.block}"
                )
            return block_matrix(bytes(found[0][0]), layout)[self.slot].tobytes()
        row = (
            blocks.annotate(
                row=Substr("values", self.slot * size + 1, size, output_field=BinaryField())
            )
            .values_list("row", flat=True)
            .first()
        )
        if row is None:
            raise ResultBlock.DoesNotExist(f"run {self.run_id} has no breakdown block {self.block}")
        return bytes(row)

    def block_fact_ids(self) -> np.ndarray[Any, np.dtype[np.int64]] | None:
        """The value ids kept with this result's block (None for runs stored before)."""
        packed = (
            ResultBlock.objects.filter(run_id=self.run_id, index=self.block)
            .values_list("fact_ids", flat=True)
            .first()
        )
        if not packed:
            return None
        return unpack_fact_ids(bytes(packed))


class ResultBlock(models.Model):
    """The breakdowns of up to ``BLOCK_ROWS`` results of a run, in the run's rank order: the
    enterprises' ids (int64) and their rows of float64 (``breakdown_layout`` wide), both
    little-endian. Written once with the results; never changed."""

    run = models.ForeignKey(
        Run, on_delete=models.CASCADE, related_name="blocks", verbose_name=_("积分测算")
    )
    index = models.PositiveIntegerField(_("块号"))
    enterprise_ids = models.BinaryField(_("企业编号"))
    values = models.BinaryField(_("明细数值"))
    fact_ids = models.BinaryField(_("使用的数值（编号）"), default=b"")
    """The ids of the values the run used for these enterprises (``Run.pack_fact_ids``): an
    enterprise's explanation reads these instead of the run's millions."""

    class Meta:
        verbose_name = _("积分明细块")
        verbose_name_plural = pgettext_lazy("plural", "积分明细块")
        constraints = [
            models.UniqueConstraint(fields=["run", "index"], name="result_block_once_per_run")
        ]

    def __str__(self) -> str:
        return f"{self.run} #{self.index}"


BLOCK_ROWS = 1024


def prefetch_breakdowns(results: list[Result]) -> None:
    """Read the breakdowns of many results with one query per run (their blocks, whole), for
    pages and batches that show many enterprises at once."""
    by_run: dict[int, list[Result]] = {}
    for result in results:
        by_run.setdefault(result.run_id, []).append(result)
    for run_id, rows in by_run.items():
        layout = rows[0].run.report["breakdown_layout"]
        blocks = {
            index: block_matrix(bytes(values), layout)
            for index, values in bulk.binary_rows(
                ResultBlock.objects.filter(
                    run_id=run_id, index__in={r.block for r in rows}
                ).values_list("index", "values")
            )
        }
        for row in rows:
            row._packed_breakdown = blocks[row.block][row.slot].tobytes()  # type: ignore[attr-defined]


BY_COLUMN = "columns"
"""``breakdown_layout["block_order"]`` of runs whose blocks hold their numbers column by
column: each part of each indicator for the block's rows, then the next. Runs stored before
hold them row by row (no ``block_order``)."""


def block_matrix(values: bytes, layout: dict[str, Any]) -> np.ndarray[Any, np.dtype[np.float64]]:
    """A block's breakdowns as a (rows, ``breakdown_width``) matrix of float64, whichever order
    the run stored them in (``BY_COLUMN`` or row by row)."""
    numbers = np.frombuffer(values, dtype="<f8")
    width = breakdown_width(layout)
    if layout.get("block_order") == BY_COLUMN:
        return numbers.reshape(width, -1).T
    return numbers.reshape(-1, width)


def breakdown_width(layout: dict[str, Any]) -> int:
    return (
        len(layout["parts"]) * len(layout["ind"])
        + len(layout["bonus"])
        + len(layout.get("deduction", ()))
    )


def unpack_breakdown(packed: bytes, layout: dict[str, Any]) -> dict[str, Any]:
    numbers = [None if math.isnan(v) else v for v in np.frombuffer(packed, dtype="<f8").tolist()]
    width = len(layout["parts"])
    indicators = {
        code: numbers[k * width : (k + 1) * width] for k, code in enumerate(layout["ind"])
    }
    start = width * len(layout["ind"])
    bonus = {code: numbers[start + k] for k, code in enumerate(layout["bonus"])}
    start += len(layout["bonus"])
    deduction = {code: numbers[start + k] for k, code in enumerate(layout.get("deduction", ()))}
    return {"ind": indicators, "bonus": bonus, "deduction": deduction}


BAND_COLUMNS = ("enterprise_id", "rank", "median_rank", "rank_q5", "rank_q95", "tier_kept")


class RobustnessAnalysis(models.Model):
    """An uncertainty and sensitivity analysis of a finished run (engine/uncertainty.py): the
    run re-scored under perturbed method choices; its report and per enterprise rank bands."""

    STATUSES = [
        ("queued", _("排队中")),
        ("running", _("分析中")),
        ("done", _("已完成")),
        ("failed", _("失败")),
    ]
    run = models.ForeignKey(
        Run, on_delete=models.CASCADE, related_name="robustness", verbose_name=_("积分测算")
    )
    status = models.CharField(_("状态"), max_length=16, choices=STATUSES, default="queued")
    stage = models.CharField(_("进度说明"), max_length=64, blank=True)
    progress = models.FloatField(_("进度"), default=0.0)
    replications = models.PositiveIntegerField(_("重复次数"), default=1000)
    seed = models.IntegerField(_("随机种子"), default=0)
    report = models.JSONField(_("分析报告（敏感性指数等）"), default=dict, blank=True)
    bands = models.BinaryField(_("各企业排名区间（压缩数值）"), null=True, editable=False)
    """zlib-packed float64 rows of BAND_COLUMNS, one per ranked enterprise."""
    error = models.TextField(_("错误"), blank=True)
    task_id = models.CharField(_("任务编号"), max_length=64, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("发起人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("稳健性分析")
        verbose_name_plural = pgettext_lazy("plural", "稳健性分析")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.run}"

    @staticmethod
    def pack_bands(matrix: np.ndarray[Any, np.dtype[np.float64]]) -> bytes:
        return zlib.compress(np.ascontiguousarray(matrix, dtype="<f8").tobytes(), 6)

    def band_matrix(self) -> np.ndarray[Any, np.dtype[np.float64]]:
        """ranked enterprises × BAND_COLUMNS (empty until the analysis is done)."""
        if not self.bands:
            return np.zeros((0, len(BAND_COLUMNS)))
        flat = np.frombuffer(zlib.decompress(bytes(self.bands)), dtype="<f8")
        return flat.reshape(-1, len(BAND_COLUMNS))

    def band_of(self, enterprise_id: int) -> dict[str, float] | None:
        matrix = self.band_matrix()
        found = np.flatnonzero(matrix[:, 0] == enterprise_id)
        if found.size == 0:
            return None
        return dict(zip(BAND_COLUMNS[1:], matrix[found[0], 1:].tolist(), strict=True))


class RunJob(models.Model):
    """A run carried out in parts on the task queue; ``attempt`` grows with every retry so a
    stale message of an earlier attempt does nothing."""

    run = models.OneToOneField(Run, on_delete=models.CASCADE, related_name="job")
    attempt = models.PositiveIntegerField(_("尝试次数"), default=0)

    class Meta:
        db_table = "jobs_runjob"  # moved from the jobs app; the table kept its name
        verbose_name = _("测算任务")
        verbose_name_plural = _("测算任务")


class RunPart(models.Model):
    PARTS = [("gather", _("汇集数据")), ("score", _("计算积分")), ("store", _("写入结果"))]
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="parts")
    attempt = models.PositiveIntegerField(_("尝试"))
    part = models.CharField(_("环节"), max_length=16, choices=PARTS)
    worker = models.CharField(_("执行节点"), max_length=200)
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    seconds = models.FloatField(_("耗时（秒）"), null=True, blank=True)

    class Meta:
        db_table = "jobs_runpart"  # moved from the jobs app; the table kept its name
        verbose_name = _("测算环节")
        verbose_name_plural = _("测算环节")
        ordering = ["run", "attempt", "started_at", "pk"]
