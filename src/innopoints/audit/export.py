"""The audit log as an Excel workbook (what the admin's filtered list shows, every row)."""

from __future__ import annotations

import json
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from innopoints.audit.models import ROLE_LABELS, AuditEntry
from innopoints.core.exports import Workbook

HEADERS = [
    _("时间"),
    _("操作人"),
    _("角色"),
    _("操作"),
    _("对象类型"),
    _("对象编号"),
    _("对象"),
    _("涉及企业"),
    _("统一社会信用代码"),
    _("摘要"),
    _("变更内容"),
    _("IP 地址"),
    _("浏览器"),
    _("请求路径"),
]
MAX_ROWS = 1_048_575  # one sheet; the header takes the first row
CELL_LIMIT = 32_000  # Excel keeps at most 32,767 characters in a cell


def row(entry: AuditEntry) -> list[Any]:
    enterprise = entry.enterprise
    changes = json.dumps(entry.changes, ensure_ascii=False) if entry.changes else ""
    return [
        timezone.localtime(entry.at).replace(tzinfo=None),
        entry.actor_name,
        str(ROLE_LABELS.get(entry.actor_role, entry.actor_role)),
        str(entry.get_action_display()),
        entry.object_type,
        entry.object_id,
        entry.object_repr,
        enterprise.name if enterprise else "",
        enterprise.credit_code if enterprise else "",
        entry.summary,
        changes[:CELL_LIMIT],
        entry.ip or "",
        entry.user_agent,
        entry.path,
    ]


def workbook(entries: models.QuerySet[AuditEntry]) -> tuple[bytes, int]:
    """The workbook's bytes and the number of entries in it (at most ``MAX_ROWS``)."""
    # every text cell safe: a formula or a control character typed at the sign-in form as a
    # user name is written as text (core/exports.py), never a 500 or a live formula
    book = Workbook()
    sheet = book.create_sheet(str(_("审计日志")))
    sheet.append([str(h) for h in HEADERS])
    count = 0
    rows = entries.select_related("enterprise")[:MAX_ROWS]
    for entry in rows.iterator(chunk_size=2000):
        sheet.append(row(entry))
        count += 1
    return book.to_bytes(), count
