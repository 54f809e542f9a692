"""Who a user is on the platform: one role, bound to what that role may see."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from innopoints.registry.models import Enterprise, Institution, Region


class Role(models.TextChoices):
    ADMIN = "admin", _("平台管理员")
    GOVERNMENT = "government", _("政府用户")
    INSTITUTION = "institution", _("金融机构用户")
    ENTERPRISE = "enterprise", _("企业用户")


# the one binding each role needs; the others stay empty
BINDING = {
    Role.ADMIN: None,
    Role.GOVERNMENT: "region",
    Role.INSTITUTION: "institution",
    Role.ENTERPRISE: "enterprise",
}


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="profile",
        verbose_name=_("用户"),
    )
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices)
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("所辖地区"),
        help_text=_("政府用户可见该地区及其下级地区的企业"),
    )
    institution = models.ForeignKey(
        Institution, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("所属机构")
    )
    enterprise = models.ForeignKey(
        Enterprise, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("所属企业")
    )
    staff_id = models.CharField(
        _("工号"),
        max_length=64,
        blank=True,
        default="",
        help_text=_("统一身份认证中的工号：通过统一身份认证登录的政府或金融机构用户按此匹配账户"),
    )
    sso_subject = models.CharField(
        _("统一身份认证标识"),
        max_length=255,
        blank=True,
        default="",
        help_text=_(
            "统一身份认证提供的用户标识（sub）：企业账户首次通过统一身份认证登录时关联；清空即解除关联"
        ),
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("邀请人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    history = HistoricalRecords(verbose_name=_("账户变更记录"))

    class Meta:
        verbose_name = _("账户角色")
        verbose_name_plural = pgettext_lazy("plural", "账户角色")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        role="admin",
                        region__isnull=True,
                        institution__isnull=True,
                        enterprise__isnull=True,
                    )
                    | models.Q(
                        role="government",
                        region__isnull=False,
                        institution__isnull=True,
                        enterprise__isnull=True,
                    )
                    | models.Q(
                        role="institution",
                        region__isnull=True,
                        institution__isnull=False,
                        enterprise__isnull=True,
                    )
                    | models.Q(
                        role="enterprise",
                        region__isnull=True,
                        institution__isnull=True,
                        enterprise__isnull=False,
                    )
                ),
                name="profile_one_binding_per_role",
            ),
            models.UniqueConstraint(
                fields=["staff_id"],
                condition=~models.Q(staff_id=""),
                name="profile_staff_id_unique",
                violation_error_message=_("此工号已登记给另一个账户"),
            ),
            # one account per identity and enterprise (an agent may act for several)
            models.UniqueConstraint(
                fields=["sso_subject", "enterprise"],
                condition=~models.Q(sso_subject=""),
                name="profile_sso_subject_unique",
                violation_error_message=_("此统一身份认证标识已关联此企业的另一个账户"),
            ),
        ]

    def __str__(self) -> str:
        bound = self.region or self.institution or self.enterprise
        label = self.get_role_display()
        return f"{self.user} · {label}" + (f" · {bound}" if bound else "")

    def clean(self) -> None:
        wanted = BINDING.get(Role(self.role)) if self.role in Role.values else None
        for field in ("region", "institution", "enterprise"):
            value = getattr(self, f"{field}_id")
            if field == wanted and value is None:
                raise ValidationError({field: _("此角色必须指定")})
            if field != wanted and value is not None:
                raise ValidationError({field: _("此角色不应指定")})
        self.staff_id = self.staff_id.strip()
        if self.staff_id and self.role not in (Role.GOVERNMENT, Role.INSTITUTION):
            raise ValidationError({"staff_id": _("只有政府用户和金融机构用户登记工号")})
