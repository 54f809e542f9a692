"""Bounds on an uploaded source file, checked before a byte of it is parsed (issue 14 §5):
its size as uploaded, and for an XLSX its size unpacked, its packing ratio and the cells its
sheet spans (engine/input_limits.py does the work; the limits and the words are the
platform's). Settings: ``INNOPOINTS_MAX_IMPORT_BYTES`` (the upload, 30 MB),
``INNOPOINTS_MAX_IMPORT_UNPACKED_BYTES`` (256 MB) and ``INNOPOINTS_MAX_IMPORT_CELLS``
(8,000,000: e.g. 200,000 enterprises × 40 columns)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext

from innopoints.engine.errors import InputProblem
from innopoints.engine.input_limits import MiB, Oversize, ReadLimits, check_csv, check_xlsx


def limits() -> ReadLimits:
    return ReadLimits(
        max_unpacked_bytes=getattr(settings, "INNOPOINTS_MAX_IMPORT_UNPACKED_BYTES", 256 * MiB),
        max_cells=getattr(settings, "INNOPOINTS_MAX_IMPORT_CELLS", 8_000_000),
    )


def size_problem(size: int) -> str | None:
    """Why an upload of ``size`` bytes is refused, or None."""
    limit = settings.INNOPOINTS_MAX_IMPORT_BYTES
    if size <= limit:
        return None
    return gettext(
        "文件 %(size).1f MB，超过导入上限 %(limit).0f MB；请按地区或数据期拆分后分别导入"
    ) % {"size": size / MiB, "limit": limit / MiB}


def _reason(found: Oversize) -> str:
    if found.kind == "unpacked":
        return gettext(
            "文件解压后超过 %(limit).0f MB（已解压 %(found).0f MB）；请按地区或数据期拆分后分别导入"
        ) % {"limit": found.limit / MiB, "found": found.found / MiB}
    if found.kind == "ratio":
        return gettext(
            "文件中的 %(part)s 解压后是压缩大小的 %(ratio).0f 倍（上限 %(limit).0f 倍），"
            "不是普通的电子表格文件"
        ) % {"part": found.part, "ratio": found.found, "limit": found.limit}
    if found.kind == "cells":
        return gettext(
            "工作表范围为 %(rows)s 行 × %(columns)s 列，共 %(cells)s 个单元格（上限 %(limit)s）；"
            "请删除数据下方或右侧远处的零散单元格，或拆分文件"
        ) % {
            "rows": f"{found.rows:,}",
            "columns": f"{found.columns:,}",
            "cells": f"{found.found:,.0f}",
            "limit": f"{found.limit:,.0f}",
        }
    if found.kind == "not_xlsx":
        return gettext("不是 XLSX 工作簿（请在 Excel 或 WPS 中另存为 .xlsx 文件）")
    return gettext("XLSX 文件已损坏：%(detail)s") % {"detail": found.part}


def upload_problems(file_name: str, content: bytes) -> list[InputProblem]:
    """What makes a file too large to read, as the file's problems (empty: read it)."""
    too_big = size_problem(len(content))
    if too_big is not None:
        return [InputProblem(None, None, too_big)]  # the message the import always gave
    suffix = Path(file_name).suffix.lower()
    found: Oversize | None = None
    if suffix in {".xlsx", ".xlsm"}:
        found = check_xlsx(content, limits())
    elif suffix in {".csv", ".txt"}:
        first = content.split(b"\n", 1)[0]
        found = check_csv(content, first.count(b",") + 1, limits())
    if found is None:
        return []
    where = gettext("%(file)s：%(reason)s") % {"file": file_name, "reason": _reason(found)}
    return [InputProblem(None, None, where)]
