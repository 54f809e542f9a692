"""What each data source's file carries: its exact column headers, with name, type, unit and
longest value, as a page and as a downloadable import template (XLSX) that has exactly those
headers. Built from the sources (``sources.yaml`` → DataSource/SourceField) and the field
catalogue, so the template always matches what the import accepts."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml
from django.utils.translation import gettext, gettext_lazy

from innopoints.collection.importing import IDENTITY_FIELDS, REGISTRATION_REQUIRED
from innopoints.collection.models import DataSource
from innopoints.core.exports import Workbook
from innopoints.engine.fields import Field, base_catalogue
from innopoints.site import names

KINDS = {
    "id": gettext_lazy("统一社会信用代码（18 位）"),
    "text": gettext_lazy("文本"),
    "region": gettext_lazy("行政区划代码（6 位）"),
    "date": gettext_lazy("日期（YYYY-MM-DD）"),
    "amount": gettext_lazy("金额"),
    "count": gettext_lazy("整数"),
    "ratio": gettext_lazy("百分比数值（12.5 表示 12.5%）"),
    "bool": gettext_lazy("是/否"),
}
COUNT_UNITS = {
    "人": gettext_lazy("人"),
    "件": gettext_lazy("件"),
    "项": gettext_lazy("项"),
}


@dataclass(frozen=True)
class Column:
    header: str
    """The exact header the file carries (Chinese, as the template writes it)."""
    name: str
    kind: str
    unit: str
    longest: int
    required: bool
    authorisation: bool
    negative_allowed: bool


@cache
def _count_units() -> dict[str, str]:
    """Units the official scheme gives its counts (人, 件, 项)."""
    text = resources.files("innopoints.schemes").joinpath("sichuan-2025.yaml").read_text("utf-8")
    return {
        str(i["code"]): str(i["unit"])
        for i in yaml.safe_load(text).get("indicators", [])
        if i.get("unit") in ("人", "件", "项")
    }


def _unit(field: Field) -> str:
    if field.kind == "count":
        unit = _count_units().get(field.code) or ("人" if "人" in field.header else "项")
        return str(COUNT_UNITS[unit])
    if field.kind == "amount":
        return gettext("万元")
    return "%" if field.kind == "ratio" else ""


def field_unit(code: str) -> str:
    """The unit a field's values are in (万元, %, 人, 件, 项; "" for the others)."""
    field = base_catalogue().get(code)
    return _unit(field) if field is not None else ""


def columns(source: DataSource) -> list[Column]:
    """The columns of ``source``'s file, identity columns first, in catalogue order."""
    catalogue = base_catalogue()
    delivered = dict(source.fields.values_list("field_code", "requires_authorisation"))
    codes = ["credit_code"]
    if source.may_register_enterprises:
        codes += [c for c in IDENTITY_FIELDS if c != "credit_code"]
    codes += [f.code for f in catalogue if f.code in delivered and f.code not in codes]
    found = []
    for code in codes:
        field = catalogue[code]
        required = code == "credit_code" or (
            source.may_register_enterprises and code in REGISTRATION_REQUIRED
        )
        found.append(
            Column(
                header=field.header,
                name=names.field_name(code),
                kind=str(KINDS[field.kind]),
                unit=_unit(field),
                longest=field.longest,
                required=required,
                authorisation=bool(delivered.get(code)),
                negative_allowed=field.signed,
            )
        )
    return found


def template_xlsx(source: DataSource) -> Workbook:
    """An empty file for ``source``: one sheet with exactly its headers, one that explains
    them."""
    workbook = Workbook()
    data = workbook.create_sheet(gettext("数据"))
    listed = columns(source)
    data.append([c.header for c in listed])
    about = workbook.create_sheet(gettext("列说明"))
    about.append(
        [
            gettext("列标题"),
            gettext("名称"),
            gettext("类型"),
            gettext("单位"),
            gettext("最长（字符）"),
            gettext("必填"),
            gettext("需企业授权"),
        ]
    )
    for c in listed:
        about.append(
            [
                c.header,
                c.name,
                c.kind,
                c.unit,
                c.longest,
                names.yes_no(c.required),
                names.yes_no(c.authorisation),
            ]
        )
    return workbook
