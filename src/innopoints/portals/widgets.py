"""Form widgets shared by the portals."""

from __future__ import annotations

from typing import Any

from django import forms


class IsoDateInput(forms.DateInput):
    """``<input type="date">``: browsers take and show only yyyy-mm-dd in its value, whatever
    the language's date format (zh-Hans writes 2026/11/20, which a date input shows blank)."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")
