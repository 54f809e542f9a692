"""Forms drawn the platform's way everywhere: Django's own form rendering with the site's
templates (site/templates/site/forms/: label, widget with its unit, help text, errors next to
the field), and the widgets a form should use for units and dates."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.renderers import TemplatesSetting
from django.utils.translation import gettext_lazy

from innopoints.registry.english import localised


class SiteFormRenderer(TemplatesSetting):
    form_template_name = "site/forms/form.html"
    field_template_name = "site/forms/field.html"


class DateInput(forms.DateInput):
    """The browser's date picker; the stored date comes back as YYYY-MM-DD, which is what
    the picker shows and sends (a round trip without reformatting)."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def with_unit(field: forms.Field, unit: str) -> forms.Field:
    """Shows ``unit`` (万元, %, 年) after the field's input."""
    field.widget.attrs["data-unit"] = unit
    return field


def names_regions(field: forms.Field, empty_label: Any = None) -> forms.Field:
    """A division select shows names (成都市, 武侯区), never codes; the empty choice says what
    to do instead of "---------"."""
    field.label_from_instance = lambda region: localised(region.name)  # type: ignore[attr-defined]
    if hasattr(field, "empty_label") and field.empty_label is not None:  # type: ignore[attr-defined]
        field.empty_label = empty_label or gettext_lazy("请选择地区")  # type: ignore[attr-defined]
    return field
