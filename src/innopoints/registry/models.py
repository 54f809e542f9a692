"""The registry: divisions, industry fields, enterprises and their qualifications."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from innopoints.engine import credit_code


def validate_credit_code(value: str) -> None:
    reason = credit_code.problems([value])[0]
    if reason is not None:
        raise ValidationError(reason)


class Region(models.Model):
    LEVELS = [(1, "省级"), (2, "地级"), (3, "县级")]
    code = models.CharField("行政区划代码", max_length=6, primary_key=True)
    name = models.CharField("名称", max_length=64)
    level = models.PositiveSmallIntegerField("层级", choices=LEVELS)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def code_prefix(self) -> str:
        """Codes of this division and everything below it start with this prefix."""
        return {1: self.code[:2], 2: self.code[:4]}.get(self.level, self.code)


class IndustryField(models.Model):
    GROUPS = [("hitech", "高新技术领域"), ("strategic", "战略性新兴产业"), ("future", "未来产业")]
    code = models.CharField("代码", max_length=16, primary_key=True)
    name = models.CharField("名称", max_length=64)
    group = models.CharField("类别", max_length=16, choices=GROUPS)
    source = models.CharField("依据", max_length=128, blank=True)

    class Meta:
        verbose_name = "产业领域"
        verbose_name_plural = "产业领域"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Enterprise(models.Model):
    credit_code = models.CharField(
        "统一社会信用代码", max_length=18, unique=True, validators=[validate_credit_code]
    )
    name = models.CharField("企业名称", max_length=200)
    established = models.DateField("成立日期", null=True, blank=True)
    region = models.ForeignKey(
        Region,
        verbose_name="行政区划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enterprises",
    )
    industry_fields = models.ManyToManyField(
        IndustryField, verbose_name="所属领域", blank=True, related_name="enterprises"
    )
    registered_by = models.ForeignKey(
        "collection.ImportBatch",
        verbose_name="登记批次",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registered_enterprises",
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    history = HistoricalRecords(verbose_name="企业变更记录")

    class Meta:
        verbose_name = "企业"
        verbose_name_plural = "企业"
        ordering = ["credit_code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.credit_code}）"


class Qualification(models.Model):
    KINDS = [
        ("hitech", "高新技术企业"),
        ("sme", "科技型中小企业"),
        ("little_giant", "专精特新“小巨人”企业"),
        ("single_champion", "制造业单项冠军企业"),
        ("innovation_demo", "国家级技术创新示范企业"),
        ("gazelle", "瞪羚企业"),
    ]
    enterprise = models.ForeignKey(
        Enterprise, verbose_name="企业", on_delete=models.CASCADE, related_name="qualifications"
    )
    kind = models.CharField("资质", max_length=32, choices=KINDS)
    valid_from = models.PositiveSmallIntegerField("起始年度")
    valid_to = models.PositiveSmallIntegerField("截止年度", null=True, blank=True)
    certificate = models.CharField("证书编号", max_length=64, blank=True)
    history = HistoricalRecords(verbose_name="资质变更记录")

    class Meta:
        verbose_name = "企业资质"
        verbose_name_plural = "企业资质"
        ordering = ["enterprise", "kind", "valid_from"]

    def __str__(self) -> str:
        end = self.valid_to or "至今"
        return f"{self.get_kind_display()} {self.valid_from}–{end}"

    def clean(self) -> None:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": "截止年度不能早于起始年度"})


class Institution(models.Model):
    KINDS = [
        ("bank", "银行"),
        ("investor", "投资机构"),
        ("guarantor", "担保机构"),
        ("insurer", "保险机构"),
    ]
    name = models.CharField("机构名称", max_length=200, unique=True)
    kind = models.CharField("类型", max_length=16, choices=KINDS)
    credit_code = models.CharField(
        "统一社会信用代码", max_length=18, blank=True, validators=[validate_credit_code]
    )
    history = HistoricalRecords(verbose_name="机构变更记录")

    class Meta:
        verbose_name = "金融机构"
        verbose_name_plural = "金融机构"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
