"""Writing log entries. The one call other apps need::

    from innopoints.audit.log import record

    record("view", obj=enterprise, summary="查看企业积分明细")  # in a view: request implied
    record("export", enterprise=enterprise, summary="导出企业积分报告（PDF）")

Who, from where and which path come from the request (explicit, or the one being served,
captured by ``AuditContextMiddleware``); changes of models are logged by ``receivers``."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import math
import re
import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import connection, models
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.functional import Promise

from innopoints.audit.context import current_request, is_deleting
from innopoints.audit.models import Action, AuditEntry

MAX_TEXT = 10_000  # characters of one stored value; longer ones are cut
MAX_JSON = 20_000  # characters of one structured value; larger ones are only described
ROLES = frozenset({"admin", "government", "institution", "enterprise"})


def record(
    action: str,
    *,
    obj: models.Model | None = None,
    enterprise: Any = None,
    summary: str = "",
    changes: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    actor: Any = None,
    object_type: str | None = None,
    object_id: str | None = None,
    object_repr: str | None = None,
) -> AuditEntry:
    """Append one entry and return it.

    ``action``: one of ``Action`` (create, update, delete, view, export, login, login_failed,
    logout, permission, other). ``obj``: the object concerned (type, key and description are
    taken from it, and its enterprise when it is one or points to one). ``enterprise``: an
    ``Enterprise`` or its key, when the entry concerns one (a read of its data). ``request``
    and ``actor`` default to the request being served and its signed-in user.
    ``object_type`` / ``object_id`` / ``object_repr`` override what is taken from ``obj`` (for
    entries about something that is not one row, such as an export of a list)."""
    if action not in Action.values:
        raise ValueError(f"unknown audit action {action!r}; one of {Action.values}")
    if request is None:
        request = current_request()
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None

    entry = AuditEntry(action=action, at=timezone.now(), summary=str(summary))
    if actor is not None:
        entry.actor_name = str(actor.get_username())[:150]
        entry.actor_role = role_of(actor)
        if actor.pk is not None and not is_deleting(_label(actor), actor.pk):
            entry.actor_id = actor.pk
    if obj is not None:
        entry.object_type = _label(obj)
        entry.object_id = "" if obj.pk is None else str(obj.pk)[:255]
        entry.object_repr = describe(obj)[:300]
    if object_type is not None:
        entry.object_type = object_type[:100]
    if object_id is not None:
        entry.object_id = str(object_id)[:255]
    if object_repr is not None:
        entry.object_repr = str(object_repr)[:300]
    enterprise_id = _enterprise_id(enterprise if enterprise is not None else obj)
    if enterprise_id is not None and not is_deleting("registry.enterprise", enterprise_id):
        entry.enterprise_id = enterprise_id
    if changes:
        entry.changes = {
            str(k): [jsonable(x) for x in v] if isinstance(v, list | tuple) else jsonable(v)
            for k, v in changes.items()
        }
    if request is not None:
        entry.ip = client_ip(request)
        entry.user_agent = str(request.META.get("HTTP_USER_AGENT", ""))[:255]
        entry.path = _without_secrets(request.get_full_path())[:2000]
    entry.save()
    return entry


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR; the first X-Forwarded-For address instead only when the deployment says
    a trusted proxy sets it (``INNOPOINTS_TRUST_X_FORWARDED_FOR``), as anyone can send one."""
    if getattr(settings, "INNOPOINTS_TRUST_X_FORWARDED_FOR", False):
        forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")[0].strip()
        if _valid_ip(forwarded):
            return forwarded
    remote = str(request.META.get("REMOTE_ADDR", "")).strip()
    return remote if _valid_ip(remote) else None


def _valid_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def role_of(user: Any) -> str:
    """The platform role (``user.profile.role`` of the accounts app); "admin" for a superuser
    without a profile; else empty."""
    try:
        profile = getattr(user, "profile", None)
    except ObjectDoesNotExist:
        profile = None
    role = getattr(profile, "role", None) if profile is not None else None
    if isinstance(role, str) and role:
        return role[:32]
    return "admin" if getattr(user, "is_superuser", False) else ""


def describe(obj: models.Model) -> str:
    """``str(obj)`` in the platform language; a plain description when that needs rows that
    are gone (an object deleted along with what it belongs to)."""
    try:
        with translation.override(settings.LANGUAGE_CODE):
            return str(obj)
    except ObjectDoesNotExist:
        return f"{obj._meta.verbose_name} #{obj.pk}"


def _label(model: Any) -> str:
    """``app_label.model_name`` of a model or an instance (also behind a lazy object)."""
    return str(model._meta.concrete_model._meta.label_lower)


def _enterprise_id(value: Any) -> Any:
    """The key of the enterprise a value is or points to (its ``enterprise`` foreign key)."""
    if value is None:
        return None
    if not isinstance(value, models.Model):
        return value  # a key
    meta = value._meta
    if meta.concrete_model._meta.label_lower == "registry.enterprise":
        return value.pk
    candidates = [
        f
        for f in meta.concrete_fields
        if f.many_to_one and f.related_model._meta.label_lower == "registry.enterprise"
    ]
    candidates.sort(key=lambda f: f.name != "enterprise")
    return getattr(value, candidates[0].attname) if candidates else None


def jsonable(value: Any) -> Any:
    """A JSON-safe copy: dates as ISO text, decimals as text, files by name, objects by key,
    binary contents by size; long texts cut, large structures only described."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        return value if len(value) <= MAX_TEXT else value[:MAX_TEXT] + f"…（共 {len(value)} 字）"
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<二进制内容 {len(value)} 字节>"
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, models.Model):
        return jsonable(value.pk)
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, dict):
        return _bounded({str(k): jsonable(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return _bounded([jsonable(v) for v in value])
    if isinstance(value, set | frozenset):
        return _bounded(sorted((jsonable(v) for v in value), key=str))
    return jsonable(str(value))


def _bounded(value: Any) -> Any:
    size = len(json.dumps(value, ensure_ascii=False))
    return value if size <= MAX_JSON else f"<结构化内容 {size} 字符，未保存>"


_table_ready = False


def table_ready() -> bool:
    """Whether the log table exists (not before the app's migration: signals sent while an
    older state is migrated are not logged)."""
    global _table_ready  # noqa: PLW0603 - a once-true cache
    if not _table_ready:
        _table_ready = AuditEntry._meta.db_table in connection.introspection.table_names()
    return _table_ready


_ONE_TIME_LINK = re.compile(r"(/set-password/[^/]+/)[^/?]+")


def _without_secrets(path: str) -> str:
    """Invitation links carry a one-time token in the path: the log keeps the path, not it."""
    return _ONE_TIME_LINK.sub(r"\1***", path)
