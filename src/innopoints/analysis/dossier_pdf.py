"""一企一档 as PDF, drawn with ReportLab: the same sections, words and figures as the page
(``_dossier_body.html``), on A4, in the TrueType copy of the CJK font (``pdf_fonts``).

ReportLab rather than WeasyPrint, which set these files from the page's HTML until a batch of
a province's 30,000 files had to fit in minutes: WeasyPrint took 215–315 ms a file (most of it
laying out the facts table), this takes about 30 ms (``benchmarks/dossier_batch.py``).

Text and tables are the light flowables of ``pdf_layout``, set in the compact copy of the
font when it holds every character of the file (``pdf_fonts``)."""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from django.utils import dateformat, formats, timezone
from django.utils.translation import get_language, gettext, pgettext
from reportlab import rl_config
from reportlab.graphics.shapes import Drawing, Group, Polygon, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import SimpleDocTemplate

from innopoints.analysis import pdf_fonts
from innopoints.analysis.pdf_layout import Beside, GridStyle, GridTable, TextLine
from innopoints.scoring.coverage import percent
from innopoints.site.names import veto_reasons

if TYPE_CHECKING:
    from innopoints.analysis.dossier import Dossier
    from innopoints.analysis.portrait import Axis

# Streams are compressed; ASCII85 on top of that only makes files larger and slower to write.
rl_config.useA85 = 0

MARGINS = {"leftMargin": 13 * mm, "rightMargin": 13 * mm, "topMargin": 14 * mm}
BOTTOM = 16 * mm
WIDTH = A4[0] - 26 * mm
SIZE, LEADING = 9.5, 13.3
INK, MUTED, ACCENT = (
    colors.HexColor("#222222"),
    colors.HexColor("#777777"),
    colors.HexColor("#1d3557"),
)
TITLE, HEADING_RULE = colors.HexColor("#111111"), colors.HexColor("#9aa5b1")
RULE, HEADER = colors.HexColor("#c8ced6"), colors.HexColor("#eef1f5")
RADAR_SIZE = 58 * mm
RADAR_SERIES = (("p90", "#2a9d8f", 0.10), ("median", "#999999", 0.15), ("mine", "#e76f51", 0.35))


class _Styles:
    """The file's fonts, sizes and colours, and a record of every text set, so that
    :func:`render` can tell whether the compact font holds them all."""

    def __init__(self, font: str) -> None:
        self.font = font
        self.grid = GridStyle(font, SIZE, LEADING, INK, RULE, HEADER, ACCENT)
        self.seen: list[str] = []

    def heading(self, text: str) -> TextLine:
        """An h2: the words in the accent colour over a thin rule, kept with what follows."""
        self.seen.append(text)
        return TextLine(text, self.font, 11.5, ACCENT, rule=HEADING_RULE, before=9, after=4)

    def title(self, text: str) -> TextLine:
        self.seen.append(text)
        return TextLine(text, self.font, 15, TITLE, after=4)

    def line(
        self, text: str, size: float = SIZE, colour: colors.Color = INK, label: str = ""
    ) -> TextLine:
        """Running text; a ``label`` before it is set in the accent colour."""
        self.seen += [label, text]
        return TextLine(
            label + text, self.font, size, colour, before=3, keep=False, accent=(len(label), ACCENT)
        )

    def table(
        self,
        rows: list[list[str | None]],
        widths: Sequence[float],
        header_rows: int = 1,
        shaded: frozenset[tuple[int, int]] = frozenset(),
    ) -> GridTable:
        self.seen += [text for row in rows for text in row if text]
        return GridTable(rows, widths, self.grid, header_rows, shaded)


def _numbered_canvas(footer: str, font: str) -> type[Canvas]:
    """A canvas that writes "footer page / pages" once it knows how many pages there are."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(font, 8)
                self.setFillColor(MUTED)
                self.drawCentredString(
                    A4[0] / 2, 9 * mm, f"{footer}{self._pageNumber} / {len(self._pages)}"
                )
                super().showPage()
            super().save()

    return NumberedCanvas


def _number(value: Any) -> str:
    """A number as the page shows it (``{{ value }}``)."""
    return str(formats.localize(value))


def _fixed(value: float | None) -> str:
    """Django's ``floatformat:2``."""
    return "" if value is None else str(formats.number_format(round(value, 2), 2))


def _widths(*shares: float, width: float = WIDTH) -> list[float]:
    return [width * s for s in shares]


def _basic(d: Dossier, styles: _Styles) -> list[Any]:
    e = d.enterprise
    established = dateformat.format(e.established, "Y-m-d") if e.established else ""
    fields = pgettext("list separator", "、").join(f.name for f in e.industry_fields.all())
    rows: list[list[str | None]] = [
        [gettext("企业名称"), e.name, gettext("统一社会信用代码"), e.credit_code],
        [
            gettext("成立日期"),
            established,
            gettext("所在地区"),
            " / ".join(r.name for r in d.region_path),
        ],
        [gettext("所属领域"), fields or "—", None, None],
    ]
    labels = frozenset({(0, 0), (2, 0), (0, 1), (2, 1), (0, 2)})
    table = styles.table(rows, _widths(0.15, 0.35, 0.19, 0.31), 0, labels)
    return [styles.heading(gettext("基本信息")), table]


def _qualifications(d: Dossier, styles: _Styles) -> list[Any]:
    items = [str(q) for q in d.enterprise.qualifications.all()] or ["—"]
    return [styles.heading(gettext("资质"))] + [styles.line(f"•  {item}") for item in items]


def _portrait(d: Dossier, styles: _Styles) -> list[Any]:
    heading = styles.heading(gettext("积分与画像"))
    r = d.portrait.result
    if r is None:
        return [heading, styles.line(gettext("尚无积分测算结果。"))]
    figures = {
        "run": r.run_id,
        "period": r.run.period,
        "scheme": str(r.run.scheme_version),
        "total": _fixed(r.total),
        "base": _fixed(r.base),
        "bonus": _fixed(r.bonus),
    }
    if r.vetoed:
        summary = gettext(
            "最近一次测算 #%(run)s（%(period)s，%(scheme)s）：总积分 %(total)s（基础分 %(base)s，"
            "附加分 %(bonus)s），清零（%(reasons)s）。"
        ) % {**figures, "reasons": veto_reasons(r.veto_reasons, r.run.scheme_version)}
    else:
        summary = gettext(
            "最近一次测算 #%(run)s（%(period)s，%(scheme)s）：总积分 %(total)s（基础分 %(base)s，"
            "附加分 %(bonus)s），排名 %(rank)s，%(tier)s 档。"
        ) % {**figures, "rank": r.rank, "tier": r.tier}
    left = WIDTH - RADAR_SIZE - 4 * mm
    axes: list[list[str | None]] = [
        [
            gettext("一级指标"),
            gettext("本企业得分率"),
            gettext("同阶段中位数"),
            gettext("同阶段前10%"),
        ],
        *[
            [a.name, f"{_number(a.mine)}%", f"{_number(a.median)}%", f"{_number(a.p90)}%"]
            for a in d.portrait.axes
        ],
    ]
    sentences = pgettext("sentence separator", "；")
    listed = pgettext("list separator", "、")
    table = styles.table(axes, _widths(0.4, 0.2, 0.2, 0.2, width=left))
    table.spaceBefore = 3
    coverage = gettext(
        "数据覆盖率 %(coverage)s：有可用（已授权）数值的计分指标按本阶段权重所占的比例；"
        "缺失的指标计 0 分。"
    ) % {"coverage": percent(r.coverage)}
    if r.coverage is not None and r.coverage < 0.5:
        coverage += gettext(
            "覆盖率不足一半：总积分偏低主要因为数据缺失（未授权或未报送），不一定说明创新能力弱。"
            "补齐授权或数据后重新测算。"
        )
    column: list[Any] = [
        styles.line(summary),
        styles.line(coverage),
        table,
        styles.line(sentences.join(d.portrait.strengths) or "—", label=gettext("优势：")),
        styles.line(sentences.join(d.portrait.weaknesses) or "—", label=gettext("短板：")),
        styles.line(listed.join(d.portrait.pools) or "—", label=gettext("所在培育库：")),
    ]
    radar = radar_drawing(d.portrait.axes, styles)
    if radar is None:
        return [heading, *column]
    return [heading, Beside(column, radar, gap=4 * mm)]


def _history(d: Dossier, styles: _Styles) -> list[Any]:
    rows: list[list[str | None]] = [
        [
            gettext("测算"),
            gettext("数据期"),
            gettext("指标体系"),
            gettext("总积分"),
            gettext("数据覆盖率"),
            gettext("排名"),
            gettext("档次"),
        ]
    ]
    for r in d.portrait.trend:
        version = r.run.scheme_version
        rows.append(
            [
                f"#{r.run_id}",
                r.run.period,
                f"{version.scheme_id}@{version.version}",
                _fixed(r.total),
                percent(r.coverage),
                str(r.rank or "—"),
                str(r.tier or "—"),
            ]
        )
    if not d.portrait.trend:
        rows.append(["—", None, None, None, None, None, None])
    widths = _widths(0.09, 0.10, 0.29, 0.14, 0.14, 0.12, 0.12)
    return [styles.heading(gettext("积分历史")), styles.table(rows, widths)]


def _facts(d: Dossier, styles: _Styles) -> list[Any]:
    title = gettext("指标数据（%(period)s）及来源") % {"period": d.period or "—"}
    manual, used = gettext("人工"), gettext("是")
    rows: list[list[str | None]] = [
        [
            gettext("指标"),
            gettext("数值"),
            gettext("来源"),
            gettext("版本"),
            gettext("批次"),
            gettext("用于最近测算"),
        ]
    ]
    for fact in d.facts:
        for k, v in enumerate(fact["versions"]):
            rows.append(
                [
                    fact["name"] if k == 0 else "",
                    _number(v["value"]),
                    v["source"],
                    f"v{v['version']}",
                    str(v["batch"] or manual),
                    used if v["used"] else "",
                ]
            )
    widths = _widths(0.37, 0.13, 0.22, 0.08, 0.08, 0.12)
    return [styles.heading(title), styles.table(rows, widths)]


def radar_drawing(axes: Sequence[Axis], styles: _Styles, size: float = 320) -> Drawing | None:
    """The radar (enterprise, peer median, top decile of its stage) as a drawing RADAR_SIZE
    wide, laid out on a ``size`` grid as on the page."""
    n = len(axes)
    if n < 3:
        return None
    centre, radius = size / 2, size / 2 - 60

    def point(k: int, share: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * k / n
        r = radius * max(0.0, min(share, 100.0)) / 100
        return centre + r * math.cos(angle), size - (centre + r * math.sin(angle))

    def polygon(values: Sequence[float], colour: str, opacity: float) -> Polygon:
        flat = [c for k, v in enumerate(values) for c in point(k, v)]
        ink = colors.HexColor(colour)
        fill = colors.Color(ink.red, ink.green, ink.blue, alpha=opacity) if opacity else None
        return Polygon(flat, fillColor=fill, strokeColor=ink, strokeWidth=1.5)

    font = styles.font
    scale = RADAR_SIZE / size
    group = Group(transform=(scale, 0, 0, scale, 0, 0))
    for level in (25, 50, 75, 100):
        group.add(polygon([level] * n, "#999999", 0.0))
    for attribute, colour, opacity in RADAR_SERIES:
        group.add(polygon([getattr(a, attribute) for a in axes], colour, opacity))
    for k, a in enumerate(axes):
        x, y = point(k, 118)
        group.add(String(x, y - 4, a.name, fontName=font, fontSize=11, textAnchor="middle"))
    legend = [
        (gettext("本企业"), "#e76f51", 10),
        (gettext("同阶段中位数"), "#777777", 80),
        (gettext("同阶段前10%"), "#2a9d8f", 185),
    ]
    styles.seen += [a.name for a in axes] + [label for label, _c, _x in legend]
    x, y = 10.0, size - 15
    for label, colour, preferred in legend:
        text = f"■ {label}"
        x = max(x, preferred)
        width = stringWidth(text, font, 11)
        if x > 10 and x + width > size:
            x, y = 10.0, y - 14
        fill = colors.HexColor(colour)
        group.add(String(x, y, text, fontName=font, fontSize=11, fillColor=fill))
        x += width + 20
    drawing = Drawing(RADAR_SIZE, RADAR_SIZE, initialFontName=font)  # not Times-Roman
    drawing.add(group)
    return drawing


SECTIONS: tuple[Callable[[Dossier, _Styles], list[Any]], ...] = (
    _basic,
    _qualifications,
    _portrait,
    _history,
    _facts,
)


def _story(d: Dossier, styles: _Styles) -> list[Any]:
    name = d.enterprise.name
    story: list[Any] = [styles.title(gettext("一企一档 · %(name)s") % {"name": name})]
    for section in SECTIONS:
        story += section(d, styles)
    at = dateformat.format(timezone.localtime(d.generated_at), "Y-m-d H:i")
    story.append(styles.line(gettext("生成时间：%(at)s") % {"at": at}, 8, MUTED))
    return story


def render(d: Dossier) -> bytes:
    """The file as PDF bytes, in the current language: in the compact font when it holds
    every character set, else (a rare character) in the whole font."""
    english = (get_language() or "").startswith("en")
    footer = gettext("一企一档") + " · "
    title = gettext("一企一档 %(name)s") % {"name": d.enterprise.name}
    styles = _Styles(pdf_fonts.registered(compact=True))
    story = _story(d, styles)
    font = pdf_fonts.font_for([*styles.seen, footer, title])
    if font != styles.font:
        styles = _Styles(font)
        story = _story(d, styles)
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        bottomMargin=BOTTOM,
        title=title,
        author="innopoints",
        lang="en" if english else "zh-Hans",
        initialFontName=font,
        invariant=True,
        **MARGINS,
    )
    document.build(story, canvasmaker=_numbered_canvas(footer, font))
    return out.getvalue()
