"""一企一档 as PDF, drawn with ReportLab: the same sections, words and figures as the page
(``_dossier_body.html``), on A4, in the TrueType copy of the CJK font (``pdf_fonts``).

ReportLab rather than WeasyPrint, which set these files from the page's HTML until a batch of
a province's 30,000 files had to fit in minutes: WeasyPrint took 215–315 ms a file (most of it
laying out the facts table), this takes about 30 ms (``benchmarks/dossier_batch.py``).

Table cells are plain strings when they fit their column, and wrapped paragraphs only when
they do not, because paragraphs cost ten times as much to lay out."""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from django.utils import dateformat, formats, timezone
from django.utils.translation import get_language, gettext, pgettext
from reportlab import rl_config
from reportlab.graphics.shapes import Drawing, Group, Polygon, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

from innopoints.analysis import pdf_fonts

if TYPE_CHECKING:
    from innopoints.analysis.dossier import Dossier
    from innopoints.analysis.portrait import Axis

# Streams are compressed; ASCII85 on top of that only makes files larger and slower to write.
rl_config.useA85 = 0

MARGINS = {"leftMargin": 13 * mm, "rightMargin": 13 * mm, "topMargin": 14 * mm}
BOTTOM = 16 * mm
WIDTH = A4[0] - 26 * mm
SIZE, LEADING = 9.5, 13.3
PADDING = 4.0  # points left and right of a cell's text
INK, MUTED, ACCENT = colors.HexColor("#222222"), colors.HexColor("#777777"), "#1d3557"
RULE, HEADER = colors.HexColor("#c8ced6"), colors.HexColor("#eef1f5")
RADAR_SIZE = 58 * mm
RADAR_SERIES = (("p90", "#2a9d8f", 0.10), ("median", "#999999", 0.15), ("mine", "#e76f51", 0.35))


class _Styles:
    def __init__(self, font: str, cjk: bool) -> None:
        wrap = "CJK" if cjk else None
        self.font = font
        self.body = ParagraphStyle(
            "body",
            fontName=font,
            bulletFontName=font,
            fontSize=SIZE,
            leading=LEADING,
            textColor=INK,
            wordWrap=wrap,
        )
        self.cell = ParagraphStyle("cell", parent=self.body)
        self.heading = ParagraphStyle(
            "h2",
            parent=self.body,
            fontSize=11.5,
            leading=15,
            textColor=colors.HexColor(ACCENT),
            spaceBefore=9,
            spaceAfter=4,
            borderPadding=(0, 0, 1, 0),
        )
        self.title = ParagraphStyle(
            "h1", parent=self.body, fontSize=15, leading=20, textColor=colors.HexColor("#111111")
        )
        self.small = ParagraphStyle(
            "small", parent=self.body, fontSize=8, leading=11, textColor=MUTED, spaceBefore=3
        )
        self.item = ParagraphStyle("li", parent=self.body, leftIndent=14, bulletIndent=4)


class _Heading(Flowable):
    """An h2: the words in the accent colour over a thin rule, kept with what follows."""

    def __init__(self, text: str, styles: _Styles) -> None:
        super().__init__()
        self.paragraph = Paragraph(escape(text), styles.heading)
        self.keepWithNext = True
        self.spaceBefore, self.spaceAfter = 9.0, 4.0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        _w, self.text_height = self.paragraph.wrap(available_width, available_height)
        return available_width, self.text_height + 2

    def draw(self) -> None:
        self.paragraph.drawOn(self.canv, 0, 2)
        self.canv.setStrokeColor(colors.HexColor("#9aa5b1"))
        self.canv.setLineWidth(0.75)
        self.canv.line(0, 0.5, self.width, 0.5)


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
    return str(formats.localize(value))


def _fixed(value: float | None) -> str:
    """Django's ``floatformat:2``."""
    return "" if value is None else str(formats.number_format(round(value, 2), 2))


class _Cells:
    """Cell contents for a table of the given column widths: a string when it fits on one
    line, a paragraph (which wraps) when it does not."""

    def __init__(self, styles: _Styles, widths: Sequence[float]) -> None:
        self.styles, self.widths = styles, widths

    def row(self, values: Sequence[str]) -> list[Any]:
        return [self.cell(v, w) for v, w in zip(values, self.widths, strict=True)]

    def cell(self, text: str, width: float) -> Any:
        if stringWidth(text, self.styles.font, SIZE) <= width - 2 * PADDING:
            return text
        return Paragraph(escape(text), self.styles.cell)


def _table(rows: list[list[Any]], widths: Sequence[float], header: bool = True) -> Table:
    table = Table(rows, colWidths=list(widths), repeatRows=1 if header else 0, hAlign="LEFT")
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), pdf_fonts.FONT_NAME, SIZE, LEADING),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("GRID", (0, 0), (-1, -1), 0.5, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    if header:
        commands += [
            ("BACKGROUND", (0, 0), (-1, 0), HEADER),
            ("TEXTCOLOR", (0, 0), (-1, 0), colors.HexColor(ACCENT)),
        ]
    table.setStyle(TableStyle(commands))
    return table


def _widths(*shares: float) -> list[float]:
    return [WIDTH * s for s in shares]


LABELS = ((0, 0), (2, 0), (0, 1), (2, 1), (0, 2))  # the basic table's label cells


def _basic(d: Dossier, styles: _Styles) -> list[Any]:
    widths = _widths(0.15, 0.35, 0.19, 0.31)
    cells = _Cells(styles, widths)
    e = d.enterprise
    established = dateformat.format(e.established, "Y-m-d") if e.established else ""
    fields = pgettext("list separator", "、").join(f.name for f in e.industry_fields.all())
    rows = [
        cells.row([gettext("企业名称"), e.name, gettext("统一社会信用代码"), e.credit_code]),
        cells.row(
            [
                gettext("成立日期"),
                established,
                gettext("所在地区"),
                " / ".join(r.name for r in d.region_path),
            ]
        ),
        [gettext("所属领域"), cells.cell(fields or "—", sum(widths[1:])), "", ""],
    ]
    table = _table(rows, widths, header=False)
    table.setStyle(
        TableStyle(
            [
                ("SPAN", (1, 2), (3, 2)),
                *[("BACKGROUND", cell, cell, HEADER) for cell in LABELS],
                *[("TEXTCOLOR", cell, cell, colors.HexColor(ACCENT)) for cell in LABELS],
            ]
        )
    )
    return [_Heading(gettext("基本信息"), styles), table]


def _qualifications(d: Dossier, styles: _Styles) -> list[Any]:
    items = [str(q) for q in d.enterprise.qualifications.all()] or ["—"]
    return [_Heading(gettext("资质"), styles)] + [
        Paragraph(escape(item), styles.item, bulletText="•") for item in items
    ]


def _labelled(label: str, text: str, styles: _Styles) -> Paragraph:
    return Paragraph(f'<font color="{ACCENT}">{escape(label)}</font>{escape(text)}', styles.body)


def _portrait(d: Dossier, styles: _Styles) -> list[Any]:
    heading = _Heading(gettext("积分与画像"), styles)
    r = d.portrait.result
    if r is None:
        return [heading, Paragraph(escape(gettext("尚无积分测算结果。")), styles.body)]
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
        ) % {**figures, "reasons": r.veto_reasons}
    else:
        summary = gettext(
            "最近一次测算 #%(run)s（%(period)s，%(scheme)s）：总积分 %(total)s（基础分 %(base)s，"
            "附加分 %(bonus)s），排名 %(rank)s，%(tier)s 档。"
        ) % {**figures, "rank": r.rank, "tier": r.tier}
    left = WIDTH - RADAR_SIZE - 4 * mm
    widths = [left * 0.4, left * 0.2, left * 0.2, left * 0.2]
    cells = _Cells(styles, widths)
    axes = [
        cells.row(
            [
                gettext("一级指标"),
                gettext("本企业得分率"),
                gettext("同阶段中位数"),
                gettext("同阶段前10%"),
            ]
        ),
        *[
            cells.row(
                [a.name, f"{_number(a.mine)}%", f"{_number(a.median)}%", f"{_number(a.p90)}%"]
            )
            for a in d.portrait.axes
        ],
    ]
    sentences = pgettext("sentence separator", "；")
    listed = pgettext("list separator", "、")
    column: list[Any] = [
        Paragraph(escape(summary), styles.body),
        _table(axes, widths),
        _labelled(gettext("优势："), sentences.join(d.portrait.strengths) or "—", styles),
        _labelled(gettext("短板："), sentences.join(d.portrait.weaknesses) or "—", styles),
        _labelled(gettext("所在培育库："), listed.join(d.portrait.pools) or "—", styles),
    ]
    radar = radar_drawing(d.portrait.axes, styles.font)
    if radar is None:
        return [heading, *column]
    layout = Table([[column, radar]], colWidths=[left + 4 * mm, RADAR_SIZE], hAlign="LEFT")
    layout.setStyle(
        TableStyle(
            [("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONT", (0, 0), (-1, -1), styles.font)]
            + [(side, (0, 0), (-1, -1), 0) for side in ("LEFTPADDING", "RIGHTPADDING")]
            + [("RIGHTPADDING", (0, 0), (0, 0), 4 * mm), ("TOPPADDING", (0, 0), (-1, -1), 0)]
        )
    )
    return [heading, layout]


def _history(d: Dossier, styles: _Styles) -> list[Any]:
    widths = _widths(0.09, 0.11, 0.34, 0.16, 0.14, 0.16)
    cells = _Cells(styles, widths)
    header = [
        gettext("测算"),
        gettext("数据期"),
        gettext("指标体系"),
        gettext("总积分"),
        gettext("排名"),
        gettext("档次"),
    ]
    rows = [cells.row(header)]
    for r in d.portrait.trend:
        version = r.run.scheme_version
        rows.append(
            cells.row(
                [
                    f"#{r.run_id}",
                    r.run.period,
                    f"{version.scheme_id}@{version.version}",
                    _fixed(r.total),
                    str(r.rank or "—"),
                    str(r.tier or "—"),
                ]
            )
        )
    if not d.portrait.trend:
        rows.append(["—", "", "", "", "", ""])
    table = _table(rows, widths)
    if not d.portrait.trend:
        table.setStyle(TableStyle([("SPAN", (0, 1), (-1, 1))]))
    return [_Heading(gettext("积分历史"), styles), table]


def _facts(d: Dossier, styles: _Styles) -> list[Any]:
    title = gettext("指标数据（%(period)s）及来源") % {"period": d.period or "—"}
    widths = _widths(0.37, 0.13, 0.22, 0.08, 0.08, 0.12)
    cells = _Cells(styles, widths)
    manual, used = gettext("人工"), gettext("是")
    header = [
        gettext("指标"),
        gettext("数值"),
        gettext("来源"),
        gettext("版本"),
        gettext("批次"),
        gettext("用于最近测算"),
    ]
    rows = [cells.row(header)]
    for fact in d.facts:
        for k, v in enumerate(fact["versions"]):
            rows.append(
                cells.row(
                    [
                        fact["name"] if k == 0 else "",
                        _number(v["value"]),
                        v["source"],
                        f"v{v['version']}",
                        str(v["batch"] or manual),
                        used if v["used"] else "",
                    ]
                )
            )
    return [_Heading(title, styles), _table(rows, widths)]


def radar_drawing(axes: Sequence[Axis], font: str, size: float = 320) -> Drawing | None:
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


def render(d: Dossier) -> bytes:
    """The file as PDF bytes, in the current language."""
    font = pdf_fonts.registered()
    styles = _Styles(font, cjk=not (get_language() or "zh-hans").startswith("en"))
    name = d.enterprise.name
    title = gettext("一企一档 %(name)s") % {"name": name}
    story: list[Any] = [
        Paragraph(escape(gettext("一企一档 · %(name)s") % {"name": name}), styles.title)
    ]
    for section in SECTIONS:
        story += section(d, styles)
    at = dateformat.format(timezone.localtime(d.generated_at), "Y-m-d H:i")
    story.append(Paragraph(escape(gettext("生成时间：%(at)s") % {"at": at}), styles.small))
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        bottomMargin=BOTTOM,
        title=title,
        author="innopoints",
        lang="en" if not styles.body.wordWrap else "zh-Hans",
        initialFontName=font,
        invariant=True,
        **MARGINS,
    )
    document.build(story, canvasmaker=_numbered_canvas(gettext("一企一档") + " · ", font))
    return out.getvalue()
