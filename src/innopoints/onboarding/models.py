"""Enterprise self-registration (企业自助注册): an enterprise proves it is who the registry
says (credit code and legal representative), proves its e-mail with a one-time code, chooses a
password, and its account is opened at once or after the review of its division."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from innopoints.registry.models import Enterprise, Region


class DivisionPolicy(models.Model):
    """Whether self-registrations of a division's enterprises wait for a government review.
    A division without its own setting follows the nearest division above it that has one;
    with none, accounts open once the e-mail is verified."""

    region = models.OneToOneField(
        Region,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="registration_policy",
        verbose_name=_("行政区划"),
    )
    requires_approval = models.BooleanField(
        _("企业注册需经审核"),
        default=False,
        help_text=_("开启后，本地区及下级地区企业的自助注册须经政府用户审核后开通"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("设置人"),
    )
    updated_at = models.DateTimeField(_("设置时间"), auto_now=True)
    history = HistoricalRecords(verbose_name=_("注册审核设置变更记录"))

    class Meta:
        verbose_name = _("辖区注册审核设置")
        verbose_name_plural = pgettext_lazy("plural", "辖区注册审核设置")
        ordering = ["region"]

    def __str__(self) -> str:
        return str(self.region)


class Status(models.TextChoices):
    CODE_SENT = "code_sent", _("待验证邮箱")
    VERIFIED = "verified", _("待设置密码")
    PENDING = "pending", _("待审核")
    OPENED = "opened", _("已开通")
    REFUSED = "refused", _("未通过")
    VOID = "void", _("已失效")


class Registration(models.Model):
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="registrations",
        verbose_name=_("企业"),
    )
    # what the applicant typed, as typed (the registry's values are never copied here)
    legal_representative = models.CharField(_("填写的法定代表人"), max_length=64)
    email = models.EmailField(_("联系邮箱"))
    mobile = models.CharField(_("手机号码"), max_length=11, help_text=_("留存，供今后短信通知使用"))
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.CODE_SENT
    )
    # the one-time code, hashed (HMAC with the site's secret key); never stored in clear
    secret_code_hash = models.CharField(_("验证码摘要"), max_length=128, editable=False)
    code_expires_at = models.DateTimeField(_("验证码有效期至"))
    attempts = models.PositiveSmallIntegerField(_("验证码错误次数"), default=0)
    # the chosen password's hash while the registration waits for review; cleared after
    password = models.CharField(_("密码摘要"), max_length=128, blank=True, editable=False)
    existing_owner = models.BooleanField(
        _("已有账号"),
        default=False,
        help_text=_("提交时该企业已有企业端账户：无论辖区如何设置，均须审核"),
    )
    needs_review = models.BooleanField(_("须审核"), default=False)
    ip_address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    verified_at = models.DateTimeField(_("邮箱验证时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交审核时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("审核人"),
    )
    reason = models.TextField(_("不予通过的理由"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registrations",
        verbose_name=_("开通的账户"),
    )
    history = HistoricalRecords(
        verbose_name=_("企业注册变更记录"), excluded_fields=["secret_code_hash", "password"]
    )

    class Meta:
        verbose_name = _("企业注册申请")
        verbose_name_plural = pgettext_lazy("plural", "企业注册申请")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "enterprise"])]

    def __str__(self) -> str:
        return f"{self.enterprise.name} · {self.email}"
