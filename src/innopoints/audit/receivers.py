"""Automatic entries: creation, change and deletion of watched models (``watch``), grants of
groups and permissions, sign-in, failed sign-in and sign-out.

Receivers are connected per model (not for every sender): a model without receivers keeps
Django's fast deletion, which matters for the large excluded tables (a run's results). Whether
a model is watched is checked again when a signal arrives, so ``watch.exclude`` takes effect
at once."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.utils import translation

from innopoints.audit import watch
from innopoints.audit.context import mark_deleting, unmark_deleting
from innopoints.audit.log import describe, jsonable, record, table_ready

OLD = "_audit_old_values"
M2M_OLD = "_audit_old_relations"
_MISSING = object()
# deleting one of these cascades to rows whose entries would point at it: see context.py
REFERENCED = ("registry.enterprise",)


def _watch_changed(label: str, watched: bool) -> None:
    if watched:
        connect_label(label)
    else:
        disconnect_label(label)


def connect_all() -> None:
    watch.on_change(_watch_changed)
    for model in apps.get_models():
        if watch.is_watched(model) or _label(model) in _referenced():
            connect_model(model)
    user_logged_in.connect(on_login, dispatch_uid="innopoints.audit.login")
    user_logged_out.connect(on_logout, dispatch_uid="innopoints.audit.logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="innopoints.audit.login_failed")


def _uid(kind: str, model: type[models.Model]) -> str:
    return f"innopoints.audit.{kind}.{model._meta.label_lower}"


def connect_model(model: type[models.Model]) -> None:
    pre_save.connect(before_save, sender=model, dispatch_uid=_uid("pre_save", model))
    post_save.connect(after_save, sender=model, dispatch_uid=_uid("post_save", model))
    pre_delete.connect(before_delete, sender=model, dispatch_uid=_uid("pre_delete", model))
    post_delete.connect(after_delete, sender=model, dispatch_uid=_uid("post_delete", model))
    for field in model._meta.local_many_to_many:
        through = field.remote_field.through
        if isinstance(through, type):
            m2m_changed.connect(
                relations_changed, sender=through, dispatch_uid=_uid("m2m", through)
            )


def disconnect_model(model: type[models.Model]) -> None:
    pre_save.disconnect(sender=model, dispatch_uid=_uid("pre_save", model))
    post_save.disconnect(sender=model, dispatch_uid=_uid("post_save", model))
    if _label(model) not in _referenced():  # deletions keep marking what is being deleted
        pre_delete.disconnect(sender=model, dispatch_uid=_uid("pre_delete", model))
        post_delete.disconnect(sender=model, dispatch_uid=_uid("post_delete", model))
    for field in model._meta.local_many_to_many:
        through = field.remote_field.through
        if isinstance(through, type):
            m2m_changed.disconnect(sender=through, dispatch_uid=_uid("m2m", through))


def disconnect_label(label: str) -> None:
    for model in apps.get_models():
        if model._meta.label_lower == label:
            disconnect_model(model)


def connect_label(label: str) -> None:
    for model in apps.get_models():
        if model._meta.label_lower == label and watch.is_watched(model):
            connect_model(model)


def _label(model: type[models.Model]) -> str:
    return model._meta.concrete_model._meta.label_lower


def _referenced() -> set[str]:
    return {*REFERENCED, watch.user_label()}


def _verbose(model: type[models.Model]) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(model._meta.verbose_name)


def _field_names(fields: list[Any]) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return "、".join(str(f.verbose_name) for f in fields)


# -- values ---------------------------------------------------------------------------------


def _fields_for(model: type[models.Model], instance: models.Model, update_fields: Any) -> list[Any]:
    deferred = instance.get_deferred_fields()
    fields = [f for f in watch.tracked_fields(model) if f.attname not in deferred]
    if update_fields is not None:
        wanted = set(update_fields)
        fields = [f for f in fields if f.name in wanted or f.attname in wanted]
    return fields


def _current(field: Any, instance: models.Model) -> Any:
    value = getattr(instance, field.attname)
    try:
        return field.to_python(value)
    except (ValidationError, TypeError, ValueError):
        return value


def _same(before: Any, after: Any) -> bool:
    try:
        if before == after:
            return True
    except (TypeError, ValueError):
        pass
    return bool(jsonable(before) == jsonable(after))


def _empty(value: Any) -> bool:
    return value is None or value in ("", [], {})


def _shown(field: Any, value: Any) -> Any:
    return watch.MASK if watch.is_secret(field) and not _empty(value) else value


def _snapshot(fields: list[Any], instance: models.Model, *, deleted: bool) -> dict[str, Any]:
    """Creation: field → [None, value]; deletion: field → [value, None] (empty ones left out)."""
    out = {}
    for field in fields:
        value = _current(field, instance)
        if not _empty(value):
            shown = _shown(field, value)
            out[field.name] = [shown, None] if deleted else [None, shown]
    return out


# -- saves ----------------------------------------------------------------------------------


def before_save(
    sender: type[models.Model],
    instance: models.Model,
    raw: bool = False,
    using: str | None = None,
    update_fields: Any = None,
    **_: Any,
) -> None:
    """Reads the stored row of an existing object, to compare once it is saved."""
    if raw or instance.pk is None or not watch.is_watched(sender):
        return
    names = [f.attname for f in _fields_for(sender, instance, update_fields)]
    if watch.is_user_model(sender) and (
        update_fields is None or watch.PASSWORD_FIELD in update_fields
    ):
        names.append(watch.PASSWORD_FIELD)
    if not names:
        instance.__dict__[OLD] = {}
        return
    manager = sender._meta.concrete_model._base_manager
    instance.__dict__[OLD] = manager.using(using).filter(pk=instance.pk).values(*names).first()


def after_save(
    sender: type[models.Model],
    instance: models.Model,
    created: bool = False,
    raw: bool = False,
    update_fields: Any = None,
    **_: Any,
) -> None:
    old = instance.__dict__.pop(OLD, _MISSING)
    if raw or not watch.is_watched(sender) or not table_ready():
        return
    fields = _fields_for(sender, instance, update_fields)
    name = _verbose(sender)
    if created:
        changes = _snapshot(fields, instance, deleted=False)
        record("create", obj=instance, changes=changes, summary=f"新增{name}：{describe(instance)}")
        return
    changes: dict[str, Any] = {}
    changed_fields = []
    password_changed = False
    if isinstance(old, dict):
        for field in fields:
            before, after = old.get(field.attname), _current(field, instance)
            if field.attname in old and not _same(before, after):
                changes[field.name] = [_shown(field, before), _shown(field, after)]
                changed_fields.append(field)
        if watch.is_user_model(sender) and watch.PASSWORD_FIELD in old:
            password_changed = old[watch.PASSWORD_FIELD] != instance.password  # type: ignore[attr-defined]
        if not changes and not password_changed:
            return  # saved unchanged (or only fields not logged, such as the last sign-in)
    if password_changed and not changes:
        summary = "密码已更改"
    else:
        summary = f"修改{name}：{describe(instance)}"
        if changed_fields:
            summary += f"（{_field_names(changed_fields)}）"
        if password_changed:
            summary += "；密码已更改"
    label = "auth.user" if watch.is_user_model(sender) else _label(sender)
    sensitive = watch.PERMISSION_FIELDS.get(label, set())
    action = "permission" if sensitive & set(changes) else "update"
    record(action, obj=instance, changes=changes, summary=summary)


# -- deletions ------------------------------------------------------------------------------


def before_delete(sender: type[models.Model], instance: models.Model, **_: Any) -> None:
    if _label(sender) in _referenced():
        mark_deleting(_label(sender), instance.pk)


def after_delete(sender: type[models.Model], instance: models.Model, **_: Any) -> None:
    label = _label(sender)
    try:
        if watch.is_watched(sender) and table_ready():
            changes = _snapshot(_fields_for(sender, instance, None), instance, deleted=True)
            summary = f"删除{_verbose(sender)}：{describe(instance)}"
            record("delete", obj=instance, changes=changes, summary=summary)
    finally:
        if label in _referenced():
            unmark_deleting(label, instance.pk)


# -- many-to-many (groups, permissions, industry fields…) -----------------------------------

_M2M_ACTIONS = {"pre_add", "post_add", "pre_remove", "post_remove", "pre_clear", "post_clear"}
_PERMISSION_RELATIONS = {
    ("auth.user", "groups"),
    ("auth.user", "user_permissions"),
    ("auth.group", "permissions"),
}


def _m2m_field(through: type[models.Model]) -> Any:
    for field in through._meta.get_fields():
        if not field.many_to_one:
            continue
        for candidate in field.related_model._meta.local_many_to_many:
            if candidate.remote_field.through is through:
                return candidate
    return None


def relations_changed(
    sender: type[models.Model],
    instance: models.Model,
    action: str,
    reverse: bool,
    model: type[models.Model],
    using: str | None = None,
    **_: Any,
) -> None:
    if action not in _M2M_ACTIONS:
        return
    field = _m2m_field(sender)
    if field is None or not watch.is_watched(field.model):
        return
    accessor = field.remote_field.get_accessor_name() if reverse else field.name
    related = getattr(instance, accessor).using(using)
    if action.startswith("pre_"):
        instance.__dict__.setdefault(M2M_OLD, {})[accessor] = set(
            related.values_list("pk", flat=True)
        )
        return
    before = instance.__dict__.get(M2M_OLD, {}).pop(accessor, None)
    if before is None or not table_ready():
        return
    after = set(related.values_list("pk", flat=True))
    if before == after:
        return
    owner_label = "auth.user" if watch.is_user_model(field.model) else _label(field.model)
    permission = (owner_label, field.name) in _PERMISSION_RELATIONS
    names = _names(model, before | after)
    old = sorted(names[pk] for pk in before)
    new = sorted(names[pk] for pk in after)
    added = sorted(names[pk] for pk in after - before)
    removed = sorted(names[pk] for pk in before - after)
    with translation.override(settings.LANGUAGE_CODE):
        title = str(field.model._meta.verbose_name_plural if reverse else field.verbose_name)
    parts = []
    if added:
        parts.append("新增 " + "、".join(added))
    if removed:
        parts.append("移除 " + "、".join(removed))
    summary = f"{_verbose(type(instance))}：{describe(instance)} {title}{'；'.join(parts)}"
    record(
        "permission" if permission else "update",
        obj=instance,
        changes={accessor: [old, new]},
        summary=summary,
    )


def _names(model: type[models.Model], pks: set[Any]) -> dict[Any, str]:
    """Readable names: permissions as app.codename, groups by name, users by user name."""
    label = _label(model)
    query = model._default_manager.filter(pk__in=pks)
    if label == "auth.permission":
        rows = query.values_list("pk", "content_type__app_label", "codename")
        found = {pk: f"{app}.{codename}" for pk, app, codename in rows}
    elif label == watch.user_label():
        found = {u.pk: u.get_username() for u in query}  # type: ignore[attr-defined]
    elif len(pks) <= 200:
        found = {obj.pk: str(obj) for obj in query}
    else:
        found = {}
    return {pk: found.get(pk, str(pk)) for pk in pks}


# -- sign-in --------------------------------------------------------------------------------


def _through_sso(backend: str) -> bool:
    """Signed in through the identity provider (accounts/sso.py's backend, docs/sso.md)."""
    return backend.endswith("OIDCBackend")


def on_login(sender: Any, request: Any = None, user: Any = None, **_: Any) -> None:
    if user is not None and table_ready():
        sso = _through_sso(str(getattr(user, "backend", "")))
        summary = "登录（统一身份认证）" if sso else "登录"
        record("login", obj=user, actor=user, request=request, summary=summary)


def on_logout(sender: Any, request: Any = None, user: Any = None, **_: Any) -> None:
    if user is not None and getattr(user, "is_authenticated", False) and table_ready():
        record("logout", obj=user, actor=user, request=request, summary="退出")


def on_login_failed(
    sender: Any, credentials: dict[str, Any] | None = None, request: Any = None, **_: Any
) -> None:
    """The user name tried, never the password (Django masks it in ``credentials`` too)."""
    if not table_ready():
        return
    credentials = credentials or {}
    field = get_user_model().USERNAME_FIELD
    username = str(credentials.get(field) or credentials.get("username") or "")[:150]
    # a sign-in through the identity provider carries its nonce, not a user name
    sso = not username and "nonce" in credentials
    record(
        "login_failed",
        request=request,
        object_type=watch.user_label(),
        object_repr=username,
        summary="登录失败：统一身份认证的身份未被接受" if sso else f"登录失败：用户名 {username}",
    )
