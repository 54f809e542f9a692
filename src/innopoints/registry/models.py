"""The registry: divisions, industry fields, enterprises and their qualifications."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from innopoints.engine import credit_code
from innopoints.registry.english import localised
from innopoints.registry.initials import MAX_LENGTH as INITIALS_LENGTH
from innopoints.registry.initials import initials


def validate_credit_code(value: str) -> None:
    reason = credit_code.problems([value])[0]
    if reason is not None:
        raise ValidationError(reason)


class Region(models.Model):
    LEVELS = [(1, _("省级")), (2, _("地级")), (3, _("县级"))]
    code = models.CharField(_("行政区划代码"), max_length=6, primary_key=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.PositiveSmallIntegerField(_("层级"), choices=LEVELS)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = pgettext_lazy("plural", "行政区划")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {localised(self.name)}"

    def code_prefix(self) -> str:
        """Codes of this division and everything below it start with this prefix."""
        return {1: self.code[:2], 2: self.code[:4]}.get(self.level, self.code)


class IndustryField(models.Model):
    GROUPS = [
        ("hitech", _("高新技术领域")),
        ("strategic", _("战略性新兴产业")),
        ("future", _("未来产业")),
        ("board", _("积分榜重点公布领域")),
    ]
    code = models.CharField(_("代码"), max_length=16, primary_key=True)
    name = models.CharField(_("名称"), max_length=64)
    group = models.CharField(_("类别"), max_length=16, choices=GROUPS)
    source = models.CharField(_("依据"), max_length=128, blank=True)

    class Meta:
        verbose_name = _("产业领域")
        verbose_name_plural = pgettext_lazy("plural", "产业领域")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Enterprise(models.Model):
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    name = models.CharField(_("企业名称"), max_length=200)
    legal_representative = models.CharField(
        _("法定代表人"), max_length=64, blank=True, default="", db_index=True
    )
    # derived from the name on every save and bulk path (registry/initials.py); searched
    initials = models.CharField(
        _("名称拼音首字母"), max_length=INITIALS_LENGTH, blank=True, default="", editable=False
    )
    established = models.DateField(_("成立日期"), null=True, blank=True)
    region = models.ForeignKey(
        Region,
        verbose_name=_("行政区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enterprises",
    )
    industry_fields = models.ManyToManyField(
        IndustryField, verbose_name=_("所属领域"), blank=True, related_name="enterprises"
    )
    registered_by = models.ForeignKey(
        "collection.ImportBatch",
        verbose_name=_("登记批次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registered_enterprises",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    history = HistoricalRecords(verbose_name=_("企业变更记录"))

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = pgettext_lazy("plural", "企业")
        ordering = ["credit_code"]

    def __str__(self) -> str:
        return gettext("%(name)s（%(code)s）") % {"name": self.name, "code": self.credit_code}

    def save(self, *args: object, **kwargs: object) -> None:
        self.initials = initials(self.name)
        fields = kwargs.get("update_fields")
        if fields is not None and "name" in fields and "initials" not in fields:
            kwargs["update_fields"] = [*fields, "initials"]  # type: ignore[misc]
        super().save(*args, **kwargs)  # type: ignore[arg-type]


def held_in(year: int) -> models.Q:
    """The one rule of a qualification held in ``year``: begun, and not ended before it (the
    last year, ``valid_to``, included)."""
    return models.Q(valid_from__lte=year) & (
        models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=year)
    )


class Qualification(models.Model):
    KINDS = [
        ("hitech", _("高新技术企业")),
        ("sme", _("科技型中小企业")),
        ("little_giant", _("专精特新“小巨人”企业")),
        ("single_champion", _("制造业单项冠军企业")),
        ("innovation_demo", _("国家级技术创新示范企业")),
        ("gazelle", _("瞪羚企业")),
    ]
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="qualifications"
    )
    kind = models.CharField(_("资质"), max_length=32, choices=KINDS)
    valid_from = models.PositiveSmallIntegerField(_("起始年度"))
    valid_to = models.PositiveSmallIntegerField(_("截止年度"), null=True, blank=True)
    certificate = models.CharField(_("证书编号"), max_length=64, blank=True)
    history = HistoricalRecords(verbose_name=_("资质变更记录"))

    class Meta:
        verbose_name = _("企业资质")
        verbose_name_plural = pgettext_lazy("plural", "企业资质")
        ordering = ["enterprise", "kind", "valid_from"]

    def __str__(self) -> str:
        end = self.valid_to or gettext("至今")
        return f"{self.get_kind_display()} {self.valid_from}–{end}"

    def clean(self) -> None:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": gettext("截止年度不能早于起始年度")})


class Institution(models.Model):
    KINDS = [
        ("bank", _("银行")),
        ("investor", _("投资机构")),
        ("guarantor", _("担保机构")),
        ("insurer", _("保险机构")),
    ]
    name = models.CharField(_("机构名称"), max_length=200, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=KINDS)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, blank=True, validators=[validate_credit_code]
    )
    history = HistoricalRecords(verbose_name=_("机构变更记录"))

    class Meta:
        verbose_name = _("金融机构")
        verbose_name_plural = pgettext_lazy("plural", "金融机构")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
