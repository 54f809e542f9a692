"""API tokens: each held by one institution (the institution API) or by one data source (the
data exchange, scoped to the source's own fields); only a hash of the secret is stored."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from innopoints.collection.models import DataSource
from innopoints.registry.models import Institution


class ApiToken(models.Model):
    """``Authorization: Bearer <prefix>.<secret>``. The prefix identifies the token (shown in
    lists and in the audit log); the secret is shown once and stored only as its SHA-256."""

    institution = models.ForeignKey(
        Institution,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("金融机构"),
    )
    source = models.ForeignKey(
        DataSource,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="api_tokens",
        verbose_name=_("数据来源"),
        help_text=_("来源部门的数据交换令牌：只能报送该来源自己的指标"),
    )
    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(_("令牌前缀"), max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(_("密钥摘要"), max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    replaces = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replaced_by",
        editable=False,
        verbose_name=_("轮换自"),
    )

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(institution__isnull=False, source__isnull=True)
                    | models.Q(institution__isnull=True, source__isnull=False)
                ),
                name="api_token_one_holder",
            )
        ]

    def __str__(self) -> str:
        return f"{self.holder} · {self.name} ({self.prefix})"

    @property
    def holder(self) -> Institution | DataSource | None:
        """The institution or the data source the token acts for."""
        return self.institution or self.source

    def is_active(self, now: object = None) -> bool:
        now = now or timezone.now()
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > now  # type: ignore[operator]

    is_active.boolean = True  # type: ignore[attr-defined]
    is_active.short_description = _("有效")  # type: ignore[attr-defined]
