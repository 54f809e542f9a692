"""Forms drawn the platform's way everywhere: Django's own form rendering with the site's
templates (site/templates/site/forms/: label, widget with its unit, help text, errors next to
the field), and the widgets a form should use for units and dates."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.renderers import TemplatesSetting


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
