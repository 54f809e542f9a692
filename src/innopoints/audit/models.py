"""The audit log: one row per change, sign-in or read of an enterprise's detailed data.

Append-only. The application refuses to change or delete rows (model, queryset); on
PostgreSQL a trigger refuses it in the database too (see ``guards``). The one change allowed
is what the database needs when a user or an enterprise is deleted: the reference to them
becomes empty, while the copied user name and the object's description stay."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# fields a deletion elsewhere may set to NULL (on_delete=SET_NULL); nothing else may change
DETACHABLE = frozenset({"actor", "actor_id", "enterprise", "enterprise_id"})


class ImmutableAuditEntryError(Exception):
    """Audit entries are never changed or deleted through the application."""

    def __init__(self, what: str = "") -> None:
        super().__init__(f"审计日志不可修改或删除{('：' + what) if what else ''}")


class Action(models.TextChoices):
    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    VIEW = "view", _("查看")
    EXPORT = "export", _("导出")
    LOGIN = "login", _("登录")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOGOUT = "logout", _("退出")
    PERMISSION = "permission", _("权限变更")
    OTHER = "other", _("其他")


ROLE_LABELS = {
    "admin": _("平台管理员"),
    "government": _("政府用户"),
    "institution": _("金融机构用户"),
    "enterprise": _("企业用户"),
}


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        # Django's deletion of a user or an enterprise empties the reference (SET_NULL)
        if kwargs and all(k in DETACHABLE and v is None for k, v in kwargs.items()):
            return super().update(**kwargs)
        raise ImmutableAuditEntryError("update")

    update.alters_data = True  # type: ignore[attr-defined]

    def delete(self) -> NoReturn:
        raise ImmutableAuditEntryError("delete")

    delete.alters_data = True  # type: ignore[attr-defined]
    delete.queryset_only = True  # type: ignore[attr-defined]

    def _raw_delete(self, using: Any) -> NoReturn:
        raise ImmutableAuditEntryError("delete")

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> NoReturn:
        raise ImmutableAuditEntryError("bulk_update")


class AuditEntry(models.Model):
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # (actor, at) below
        verbose_name=_("操作人"),
    )
    actor_name = models.CharField(_("操作人用户名"), max_length=150, blank=True)
    actor_role = models.CharField(_("角色"), max_length=32, blank=True)
    action = models.CharField(_("操作"), max_length=16, choices=Action.choices)
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=255, blank=True)
    object_repr = models.CharField(_("对象"), max_length=300, blank=True)
    enterprise = models.ForeignKey(
        "registry.Enterprise",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_entries",
        db_index=False,  # (enterprise, at) below
        verbose_name=_("涉及企业"),
    )
    summary = models.TextField(_("摘要"), blank=True)
    changes = models.JSONField(
        _("变更内容"),
        default=dict,
        blank=True,
        help_text=_("字段 → [原值, 新值]"),
    )
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    user_agent = models.CharField(_("浏览器"), max_length=255, blank=True)
    path = models.TextField(_("请求路径"), blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-id"]
        base_manager_name = "objects"
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["actor", "at"], name="audit_actor_at"),
            models.Index(fields=["action", "at"], name="audit_action_at"),
            models.Index(fields=["object_type", "at"], name="audit_object_type_at"),
            models.Index(fields=["enterprise", "at"], name="audit_enterprise_at"),
        ]

    def __str__(self) -> str:
        who = self.actor_name or _("系统")
        at = timezone.localtime(self.at)  # Beijing time, as every page shows it
        return f"{at:%Y-%m-%d %H:%M:%S} {who} {self.get_action_display()} {self.object_repr}"

    def save(self, **kwargs: Any) -> None:
        if not self._state.adding or kwargs.get("force_update") or kwargs.get("update_fields"):
            raise ImmutableAuditEntryError("save")
        kwargs["force_insert"] = True
        super().save(**kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ImmutableAuditEntryError("delete")

    def role_label(self) -> str:
        return str(ROLE_LABELS.get(self.actor_role, self.actor_role))
