"""The upload of a source file, shared by its two entry points (the platform admin's
ImportBatch upload in collection/admin.py and the government portal's 数据导入 in
portals/government.py): the form that starts an import, the state a page polls, the error
report. Each entry point keeps its own permission check, page and URLs."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from innopoints.collection import background_imports
from innopoints.collection.forms import ImportForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def start(
    request: HttpRequest, *, jurisdiction: str | None = None
) -> tuple[ImportForm, str | None]:
    """The bound upload form and, if it was posted valid, the token of the import it started
    (a jurisdiction limits which enterprises the file may touch)."""
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return form, None
    upload = form.cleaned_data["file"]
    token = background_imports.start(
        form.cleaned_data["source"],
        form.cleaned_data["period"].strip(),
        upload.name,
        upload.read(),
        request.user,
        jurisdiction=jurisdiction,
    )
    return form, token


def state(token: str) -> dict[str, Any] | None:
    """An import's state for its page, without the error's trace (that is for the log)."""
    current = background_imports.state(token)
    if current is None:
        return None
    return {k: v for k, v in current.items() if k != "trace"}


def error_report(token: str) -> HttpResponse | None:
    """The refused file's error report as a download, or None when there is none (expired)."""
    report = background_imports.error_report(token)
    if report is None:
        return None
    response = HttpResponse(report, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="import-errors-{token}.xlsx"'
    return response
