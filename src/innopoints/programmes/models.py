"""风险补偿资金池 and the money that follows a loan: programmes as data, loans filed into them
(备案, checked by government — 前置审核), compensation claims after a default. Amounts are
Decimal in 万元."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from innopoints.applications.models import Financing, Offering
from innopoints.registry.models import Institution, Region


class Programme(models.Model):
    """A risk-compensation programme: its fund, who takes part, how a loss is shared."""

    name = models.CharField(_("名称"), max_length=120, unique=True)
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("适用地区"),
    )
    fund_size = models.DecimalField(_("资金池规模（万元）"), max_digits=14, decimal_places=2)
    institutions = models.ManyToManyField(
        Institution, related_name="programmes", verbose_name=_("合作金融机构")
    )
    products = models.ManyToManyField(
        Offering, blank=True, related_name="programmes", verbose_name=_("适用产品")
    )
    eligible_tiers = models.JSONField(_("适用档次"), default=list, blank=True)
    bank_share = models.DecimalField(_("银行分担比例（%）"), max_digits=5, decimal_places=2)
    pool_share = models.DecimalField(_("资金池分担比例（%）"), max_digits=5, decimal_places=2)
    guarantor_share = models.DecimalField(
        _("担保机构分担比例（%）"), max_digits=5, decimal_places=2, default=0
    )
    per_loan_cap = models.DecimalField(
        _("单笔代偿上限（万元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    filing_days = models.PositiveSmallIntegerField(_("备案期限（放款后天数）"), default=30)
    first_credit_only = models.BooleanField(
        _("仅限首贷"),
        default=False,
        help_text=_("只接受企业的第一笔贷款（首贷）备案，如“首贷新增损失补偿 50%”"),
    )
    valid_from = models.DateField(_("有效期起"))
    valid_to = models.DateField(_("有效期止"), null=True, blank=True)
    history = HistoricalRecords(verbose_name=_("风险补偿资金池变更记录"))

    MAX_GUARANTOR_SHARE = Decimal("35")

    class Meta:
        verbose_name = _("风险补偿资金池")
        verbose_name_plural = pgettext_lazy("plural", "风险补偿资金池")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        shares = (self.bank_share, self.pool_share, self.guarantor_share)
        if any(share is None for share in shares):
            return  # the fields' own errors say so
        if any(not Decimal(0) <= share <= Decimal(100) for share in shares):
            raise ValidationError(_("各方分担比例须在 0 到 100 之间"))
        if sum(shares) != Decimal(100):
            raise ValidationError(
                _("银行、资金池和担保机构的分担比例之和须为 100%%（现为 %(sum)s%%）")
                % {"sum": sum(shares)}
            )
        if self.guarantor_share > self.MAX_GUARANTOR_SHARE:
            raise ValidationError({"guarantor_share": _("担保机构分担比例不得超过 35%")})
        if self.fund_size is not None and self.fund_size <= 0:
            raise ValidationError({"fund_size": _("资金池规模须大于 0")})
        if self.per_loan_cap is not None and self.per_loan_cap <= 0:
            raise ValidationError({"per_loan_cap": _("单笔代偿上限须大于 0")})
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("有效期止不能早于有效期起")})


class Filing(models.Model):
    """A disbursed loan filed into a programme (备案) and its government check (前置审核)."""

    class Status(models.TextChoices):
        FILED = "filed", _("已备案待审核")
        ACCEPTED = "accepted", _("审核通过")
        REFUSED = "refused", _("审核不通过")
        CLOSED = "closed", _("已解除（结清或已代偿）")

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="filings", verbose_name=_("资金池")
    )
    financing = models.ForeignKey(
        Financing, on_delete=models.PROTECT, related_name="filings", verbose_name=_("贷款")
    )
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="filings", verbose_name=_("金融机构")
    )
    reference = models.CharField(
        _("机构业务编号"),
        max_length=64,
        blank=True,
        help_text=_("金融机构自己的编号；接口据此识别重复提交"),
    )
    flexible_use = models.BooleanField(
        _("贷款用途灵活"), default=False, help_text=_("用于判断是否符合科技创新再贷款条件")
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.FILED
    )
    covered_amount = models.DecimalField(
        _("纳入资金池的贷款金额（万元）"), max_digits=12, decimal_places=2
    )
    reason = models.TextField(_("审核意见"), blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("备案人"),
    )
    filed_at = models.DateTimeField(_("备案时间"), auto_now_add=True)
    checked_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    history = HistoricalRecords(verbose_name=_("贷款备案变更记录"))

    class Meta:
        verbose_name = _("贷款备案")
        verbose_name_plural = pgettext_lazy("plural", "贷款备案")
        ordering = ["-filed_at", "-pk"]
        constraints = [
            # a refused filing may be filed again; otherwise a loan is filed once
            models.UniqueConstraint(
                fields=["programme", "financing"],
                condition=~Q(status="refused"),
                name="filing_once",
            ),
            models.UniqueConstraint(
                fields=["institution", "reference"],
                condition=~Q(reference=""),
                name="filing_reference_once_per_institution",
            ),
            models.CheckConstraint(
                condition=Q(covered_amount__gt=0), name="filing_covered_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme} · {self.financing}"


class Claim(models.Model):
    """A compensation claim after a filed loan defaulted: the loss, and the payout government
    approves (computed from the programme's shares and caps)."""

    class Status(models.TextChoices):
        CLAIMED = "claimed", _("已申请代偿")
        APPROVED = "approved", _("已批准")
        REFUSED = "refused", _("未批准")
        PAID = "paid", _("已拨付")

    filing = models.ForeignKey(
        Filing, on_delete=models.PROTECT, related_name="claims", verbose_name=_("贷款备案")
    )
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="claims", verbose_name=_("金融机构")
    )
    reference = models.CharField(
        _("机构业务编号"),
        max_length=64,
        blank=True,
        help_text=_("金融机构自己的编号；接口据此识别重复提交"),
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.CLAIMED
    )
    loss = models.DecimalField(_("损失金额（万元）"), max_digits=12, decimal_places=2)
    payout = models.DecimalField(
        _("代偿金额（万元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    reason = models.TextField(_("审核意见"), blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("申请人"),
    )
    claimed_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    paid_at = models.DateTimeField(_("拨付时间"), null=True, blank=True)
    history = HistoricalRecords(verbose_name=_("代偿申请变更记录"))

    class Meta:
        verbose_name = _("代偿申请")
        verbose_name_plural = pgettext_lazy("plural", "代偿申请")
        ordering = ["-claimed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "reference"],
                condition=~Q(reference=""),
                name="claim_reference_once_per_institution",
            ),
            models.CheckConstraint(condition=Q(loss__gt=0), name="claim_loss_positive"),
            models.CheckConstraint(
                condition=Q(payout__isnull=True) | Q(payout__gte=0),
                name="claim_payout_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filing} · {self.get_status_display()}"


class AppendOnly(models.QuerySet["LedgerEntry"]):
    """The ledger's rows are never changed or removed in bulk either."""

    def update(self, **kwargs: object) -> int:
        raise ValidationError(_("台账只能追加，不能修改"))

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ValidationError(_("台账只能追加，不能删除"))


class LedgerEntry(models.Model):
    """One line of a programme's append-only ledger: money put into the pool, exposure taken
    on (an accepted filing) or released (repaid, compensated), a payout. Amounts are positive
    万元; the kind says which way they count. Balance = funds in − payouts."""

    class Kind(models.TextChoices):
        FUND_IN = "fund_in", _("资金注入")
        EXPOSURE_ADD = "exposure_add", _("纳入风险敞口")
        EXPOSURE_RELEASE = "exposure_release", _("解除风险敞口")
        PAYOUT = "payout", _("代偿拨付")

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="ledger", verbose_name=_("资金池")
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    amount = models.DecimalField(_("金额（万元）"), max_digits=14, decimal_places=2)
    filing = models.ForeignKey(
        Filing,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger",
        verbose_name=_("贷款备案"),
    )
    claim = models.ForeignKey(
        Claim,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger",
        verbose_name=_("代偿申请"),
    )
    note = models.CharField(_("摘要"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("记录人"),
    )
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = AppendOnly.as_manager()

    class Meta:
        verbose_name = _("资金池台账")
        verbose_name_plural = pgettext_lazy("plural", "资金池台账")
        ordering = ["recorded_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="ledger_amount_positive")
        ]

    def __str__(self) -> str:
        return f"{self.programme} · {self.get_kind_display()} {self.amount}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding or self.pk is not None:
            raise ValidationError(_("台账只能追加，不能修改"))
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValidationError(_("台账只能追加，不能删除"))


class SubsidyScheme(models.Model):
    """贴息、担保费补贴、保费补贴 and 积分奖 as data: what is paid, on which base, at which rate,
    up to which cap, for which loans and enterprises."""

    class Kind(models.TextChoices):
        INTEREST = "interest", _("贷款贴息")
        GUARANTEE_FEE = "guarantee_fee", _("担保费补贴")
        PREMIUM = "premium", _("保费补贴")
        AWARD = "award", _("积分奖")

    class Base(models.TextChoices):
        AMOUNT = "amount", _("贷款金额（按年利率、按日计）")
        PAID = "paid", _("实际支付的利息、担保费或保费")
        FIXED = "fixed", _("固定金额")

    name = models.CharField(_("名称"), max_length=120, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("适用地区"),
    )
    financing_kind = models.CharField(
        _("适用融资类型"), max_length=16, choices=Financing.Kind.choices, default="loan"
    )
    base = models.CharField(_("计算基数"), max_length=8, choices=Base.choices)
    rate = models.DecimalField(
        _("补贴比例（%）"),
        max_digits=6,
        decimal_places=3,
        default=0,
        help_text=_("按贷款金额计算时为年化百分点；按实际支付计算时为支付额的百分比"),
    )
    fixed_amount = models.DecimalField(
        _("固定金额（万元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    cap = models.DecimalField(
        _("每笔上限（万元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    max_months = models.PositiveSmallIntegerField(
        _("补贴期限（月）"), null=True, blank=True, help_text=_("自放款日起；留空为不限")
    )
    eligible_tiers = models.JSONField(_("适用档次"), default=list, blank=True)
    eligible_stages = models.JSONField(_("适用成长阶段"), default=list, blank=True)
    first_time_only = models.BooleanField(_("仅限首次融资"), default=False)
    valid_from = models.DateField(_("有效期起"))
    valid_to = models.DateField(_("有效期止"), null=True, blank=True)
    history = HistoricalRecords(verbose_name=_("奖补方案变更记录"))

    class Meta:
        verbose_name = _("奖补方案")
        verbose_name_plural = pgettext_lazy("plural", "奖补方案")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.base == self.Base.FIXED and not self.fixed_amount:
            raise ValidationError({"fixed_amount": _("固定金额的方案须填写金额")})
        if self.base != self.Base.FIXED and (self.rate is None or self.rate <= 0):
            raise ValidationError({"rate": _("补贴比例须大于 0")})
        if self.rate is not None and self.rate > 100:
            raise ValidationError({"rate": _("补贴比例不能超过 100")})
        if self.kind == self.Kind.AWARD and self.base != self.Base.FIXED:
            raise ValidationError({"base": _("积分奖按固定金额发放")})
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("有效期止不能早于有效期起")})


class Subsidy(models.Model):
    """One computed subsidy or award for one financing and period: proposed by the platform,
    reviewed and paid by government."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("待审核")
        APPROVED = "approved", _("已核准")
        REFUSED = "refused", _("未核准")
        PAID = "paid", _("已拨付")

    scheme = models.ForeignKey(
        SubsidyScheme, on_delete=models.PROTECT, related_name="subsidies", verbose_name=_("方案")
    )
    financing = models.ForeignKey(
        Financing, on_delete=models.PROTECT, related_name="subsidies", verbose_name=_("融资记录")
    )
    period_start = models.DateField(_("计算期起"), null=True, blank=True)
    period_end = models.DateField(_("计算期止"), null=True, blank=True)
    base_amount = models.DecimalField(_("计算基数（万元）"), max_digits=12, decimal_places=2)
    amount = models.DecimalField(_("补贴金额（万元）"), max_digits=12, decimal_places=2)
    explanation = models.CharField(_("计算过程"), max_length=300, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PROPOSED
    )
    reason = models.TextField(_("审核意见"), blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("计算人"),
    )
    proposed_at = models.DateTimeField(_("计算时间"), auto_now_add=True)
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    paid_at = models.DateTimeField(_("拨付时间"), null=True, blank=True)
    history = HistoricalRecords(verbose_name=_("奖补变更记录"))

    class Meta:
        verbose_name = _("奖补")
        verbose_name_plural = pgettext_lazy("plural", "奖补")
        ordering = ["-proposed_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="subsidy_amount_not_negative"),
            # one award per scheme and financing; one subsidy per scheme, financing and period
            models.UniqueConstraint(
                fields=["scheme", "financing", "period_start"],
                condition=~Q(status="refused"),
                name="subsidy_once_per_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scheme} · {self.financing}"
