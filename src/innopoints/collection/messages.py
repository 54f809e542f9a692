"""Import problems in the user's language.

The engine's reader reports problems in English for the command line (``innopoints score``),
with column labels such as ``F “研发费用” (rd_expense)``. The platform shows them in the
language of the page: each reader reason is matched against its pattern here and rewritten with
gettext (a reason with no pattern is shown as it is), and column labels lose their codes."""

from __future__ import annotations

import re
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy

from innopoints.engine.errors import InputProblem
from innopoints.site.names import field_name, without_codes

V = r"“(?P<v>.*)”"
REASONS: list[tuple[re.Pattern[str], Promise]] = [
    (re.compile(pattern), message)
    for pattern, message in [
        (
            r"the file is neither UTF-8 nor GB18030 text",
            gettext_lazy("文件不是 UTF-8 或 GB18030 编码的文本"),
        ),
        (r"the file is empty", gettext_lazy("文件为空")),
        (r"not valid CSV: (?P<error>.*)", gettext_lazy("不是有效的 CSV 文件：%(error)s")),
        (
            r"has (?P<n>\d+) cells, the header has (?P<width>\d+)",
            gettext_lazy("本行有 %(n)s 个单元格，标题行有 %(width)s 个"),
        ),
        (r"not a readable XLSX: (?P<error>.*)", gettext_lazy("无法读取的 XLSX 文件：%(error)s")),
        (r"the sheet is empty", gettext_lazy("工作表为空")),
        (r"has values right of the last header", gettext_lazy("最后一个列标题右侧还有数值")),
        (r"file not found", gettext_lazy("找不到文件")),
        (
            r"unsupported file type (?P<suffix>.*): use \.csv or \.xlsx",
            gettext_lazy("不支持的文件类型 %(suffix)s：请使用 .csv 或 .xlsx 文件"),
        ),
        (r"a column with no header", gettext_lazy("此列有数值但没有列标题")),
        (
            r"unknown column header: .*",
            gettext_lazy(
                "无法识别的列标题：请使用本来源导入模板中的列标题（见“导入模板与列说明”）"
            ),
        ),
        (
            r"gives (?P<code>\w+) a second time "
            r"\(first in column (?P<column>[A-Z]+) “(?P<header>.*)”\)",
            gettext_lazy("与 %(column)s 列“%(header)s”是同一项，不能重复"),
        ),
        (r"no 统一社会信用代码 \(credit_code\) column", gettext_lazy("缺少“统一社会信用代码”列")),
        (
            V + r" has a thousands separator: write the plain number",
            gettext_lazy("“%(v)s”含千位分隔符：请写成不带分隔符的数字"),
        ),
        (
            V + r" has a % sign: percentages are plain numbers .*",
            gettext_lazy("“%(v)s”带有百分号：百分比只写数字（12.5 表示 12.5%%）"),
        ),
        (V + r" is not a number", gettext_lazy("“%(v)s”不是数字")),
        (V + r" is not a finite number", gettext_lazy("“%(v)s”不是有限的数字")),
        (V + r" is negative; .* cannot be", gettext_lazy("“%(v)s”是负数：此项不能为负")),
        (
            V + r" is not a whole number; counts are whole",
            gettext_lazy("“%(v)s”不是整数：人数、件数等须为整数"),
        ),
        (
            V + r" is not a yes/no value .*",
            gettext_lazy("“%(v)s”不是“是/否”（可写 是/否、Y/N、1/0、true/false）"),
        ),
        (
            V + r" is not a date: write YYYY-MM-DD",
            gettext_lazy("“%(v)s”不是日期：请写成 YYYY-MM-DD"),
        ),
        (V + r" is not a day of the calendar", gettext_lazy("“%(v)s”不是日历上存在的日期")),
        (
            V + r" is not a 6-digit GB/T 2260 division code",
            gettext_lazy("“%(v)s”不是 6 位行政区划代码"),
        ),
        (
            r"credit code (?P<v>\S+) appears again \(first in row (?P<row>\d+)\)",
            gettext_lazy("统一社会信用代码 %(v)s 重复出现（首次在第 %(row)s 行）"),
        ),
        (
            r"credit code '(?P<v>.*)' has (?P<n>\d+) characters, not 18",
            gettext_lazy("统一社会信用代码 %(v)s 有 %(n)s 个字符，应为 18 个"),
        ),
        (
            r"credit code '(?P<v>.*)' has characters not allowed by GB 32100: '(?P<chars>.*)'"
            r"(?P<upper> \(letters must be upper case\))?",
            gettext_lazy("统一社会信用代码 %(v)s 含有不允许的字符 %(chars)s（字母须为大写）"),
        ),
        (
            r"credit code '(?P<v>.*)' fails the GB 32100 check: "
            r"the last character should be '(?P<check>.)'",
            gettext_lazy("统一社会信用代码 %(v)s 校验位不符：最后一位应为 %(check)s"),
        ),
        (
            r"is (?P<n>[\d,]+) characters long; this column holds at most (?P<max>[\d,]+)",
            gettext_lazy("此项有 %(n)s 个字符，本列最多 %(max)s 个"),
        ),
        (
            V + r" contains a control character \((?P<char>U\+[0-9A-F]{4})\): remove it",
            gettext_lazy("“%(v)s”含有控制字符（%(char)s），请删除"),
        ),
    ]
]
LABEL = re.compile(r"(?P<letter>[A-Z]+) “(?P<header>.*)”(?: \([a-z0-9_]+\))?")


def reason(text: str) -> str:
    """A reader's reason in the active language (the platform's own reasons already are)."""
    for pattern, message in REASONS:
        found = pattern.fullmatch(text)
        if found:
            return str(message) % {k: v or "" for k, v in found.groupdict().items()}
    return text


def column(label: str) -> str:
    """``F “研发费用” (rd_expense)`` → F 列“研发费用” (no field code)."""
    found = LABEL.fullmatch(label)
    if found:
        return gettext("%(letter)s 列“%(header)s”") % found.groupdict()
    if re.fullmatch(r"[A-Z]{1,3}", label):
        return gettext("%(letter)s 列") % {"letter": label}
    return label


def describe(problem: InputProblem, file_name: str | None = None) -> str:
    """One problem as a sentence: where (file, row, column) and why."""
    where = []
    if file_name:
        where.append(file_name)
    if problem.row is not None:
        where.append(gettext("第 %(row)s 行") % {"row": problem.row})
    if problem.column:
        where.append(column(problem.column))
    why = reason(problem.reason)
    if not where:
        return why
    return gettext("%(where)s：%(reason)s") % {
        "where": gettext("，").join(where),
        "reason": why,
    }


def in_cell(problem: InputProblem) -> str:
    """A problem as the error column of the report shows it next to its row."""
    why = reason(problem.reason)
    if problem.column:
        return gettext("%(where)s：%(reason)s") % {"where": column(problem.column), "reason": why}
    return why


RULE_TEXTS = {
    "st_staff_le_employees": gettext_lazy("科技人员数大于从业人员期末人数"),
    "postgrad_le_employees": gettext_lazy("研究生以上人员数大于从业人员期末人数"),
    "hitech_le_revenue": gettext_lazy("高新技术产品收入大于营业收入"),
}


def _number(value: object) -> str:
    try:
        return f"{float(str(value)):g}"
    except ValueError:
        return str(value)


def _dispute_text(field: str, details: dict[str, object]) -> str:
    from innopoints.collection.models import Dispute  # noqa: PLC0415

    grounds = str(dict(Dispute.GROUNDS).get(str(details.get("grounds")), ""))
    value = details.get("value")
    claimed = details.get("claimed")
    now = gettext("无数值") if value is None else _number(value)
    if claimed is None:
        return gettext("%(field)s：企业提出异议（%(grounds)s），现值 %(value)s") % {
            "field": field,
            "grounds": grounds,
            "value": now,
        }
    return gettext(
        "%(field)s：企业提出异议（%(grounds)s），现值 %(value)s，企业认为应为 %(claimed)s"
    ) % {
        "field": field,
        "grounds": grounds,
        "value": now,
        "claimed": _number(claimed),
    }


def finding_text(finding: object) -> str:
    """A verification finding in the user's language, from what it stores (kind, rule, field,
    details); the stored sentence (with codes as names) when its shape is not known."""

    rule = str(getattr(finding, "rule", "") or "")
    field = field_name(str(getattr(finding, "field_code", "") or ""))
    details = getattr(finding, "detail", None) or {}
    try:
        if rule == "multi_source" and len(details.get("values", {})) == 2:
            (first, a), (second, b) = details["values"].items()
            return gettext("%(field)s：%(first)s 为 %(a)s，%(second)s 为 %(b)s") % {
                "field": field,
                "first": first,
                "a": _number(a),
                "second": second,
                "b": _number(b),
            }
        if rule in RULE_TEXTS:
            return str(RULE_TEXTS[rule])
        if rule == "enterprise_dispute":
            return _dispute_text(field, details)
        if rule.startswith("delivery_"):
            return _delivery_text(finding, rule, details)
        if rule.endswith("_consistent") and {"supplied", "computed"} <= set(details):
            return gettext("%(field)s 报送值 %(supplied)s 与基础数据计算值 %(computed)s 不符") % {
                "field": field,
                "supplied": _number(details["supplied"]),
                "computed": f"{float(details['computed']):.4g}",
            }
        if rule in ("iqr", "iqr_log") and "value" in details:
            return gettext("%(field)s 为 %(value)s，远离同期分布") % {
                "field": field,
                "value": _number(details["value"]),
            }
    except (TypeError, ValueError, KeyError):
        pass
    return without_codes(str(getattr(finding, "message", "") or ""))


def _delivery_text(finding: object, rule: str, details: dict[str, Any]) -> str:
    """A source's delivery problem (collection/pulls.py), in the user's language."""
    source = getattr(finding, "responsible_source", None)
    words = {
        "source": source.display_name if source is not None else "—",
        "period": str(getattr(finding, "period", "")),
    }
    if rule == "delivery_late":
        return gettext("「%(source)s」%(period)s 的数据应于 %(day)s 前报送，至今未收到") % {
            **words,
            "day": details["due_on"],
        }
    if rule == "delivery_refused" and not details.get("problems"):
        return gettext("「%(source)s」%(period)s 的拉取数据被拒收：%(reason)s") % {
            **words,
            "reason": without_codes(str(details["reason"])),
        }
    if rule == "delivery_refused":
        return gettext(
            "「%(source)s」%(period)s 的拉取数据被拒收（%(n)d 个问题），未写入任何数据"
        ) % {
            **words,
            "n": len(details.get("problems") or []),
        }
    if rule == "delivery_unreachable":
        return gettext("连续 %(n)d 次未能从接口取得「%(source)s」%(period)s 的数据") % {
            **words,
            "n": int(details["failures"]),
        }
    raise KeyError(rule)
