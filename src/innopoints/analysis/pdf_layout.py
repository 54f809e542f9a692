"""Light ReportLab flowables for the 一企一档 PDF: a grid table of plain text and a one-line
heading, drawn straight onto the canvas.

ReportLab's own ``Table`` and ``Paragraph`` give every cell a style object and every line a
run of fragments; on a file of some 250 cells that was two thirds of the time. Here a table's
text goes out in one text object, its rules in one path, and a cell wraps (by character for
Chinese, by word for Latin text) only when it does not fit its column."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

PADDING_X, PADDING_TOP, PADDING_BOTTOM = 4.0, 1.5, 2.5
TOKENS = re.compile(r"[\u2e80-\uffff]|[^\s\u2e80-\uffff]+\s*|\s+")
NO_LINE_START = set("，。、；：？！）》」』】〕’”%％,.;:?!)]}")  # kept on the line before


def _tokens(text: str) -> list[str]:
    """Chinese characters one by one, Latin words with their trailing spaces, and closing
    punctuation at the start of a word on its own (so that it can stay on the line before)."""
    tokens = []
    for token in TOKENS.findall(text):
        lead = len(token) - len(token.lstrip("".join(NO_LINE_START)))
        tokens += [*token[:lead], *([token[lead:]] if token[lead:] else [])]
    return tokens


def wrap_text(text: str, font: str, size: float, width: float) -> list[str]:
    """``text`` broken into lines no wider than ``width``: between Chinese characters,
    between Latin words, inside a word only when it alone is too wide; closing punctuation
    never starts a line (it stays on the line before, even past the width)."""

    def measure(part: str) -> float:
        return float(stringWidth(part, font, size))

    if measure(text) <= width:
        return [text]
    lines: list[str] = []
    line, used = "", 0.0
    for token in _tokens(text):
        breakable = not (token in NO_LINE_START or token.isspace())
        if line and breakable and used + measure(token.rstrip()) > width:
            lines.append(line.rstrip())
            line, used = "", 0.0
        if not line and token.isspace():
            continue  # no line starts with a space
        if not line and measure(token.rstrip()) > width:  # a word wider than the column
            for char in token:
                step = measure(char)
                if line and used + step > width and char not in NO_LINE_START:
                    lines.append(line.rstrip())
                    line, used = "", 0.0
                line, used = line + char, used + step
            continue
        line, used = line + token, used + measure(token)
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


@dataclass(frozen=True)
class GridStyle:
    font: str
    size: float
    leading: float
    ink: colors.Color
    rule: colors.Color
    shade: colors.Color
    accent: colors.Color
    rule_width: float = 0.5


class GridTable(Flowable):  # type: ignore[misc]
    """Rows of text in columns of fixed ``widths`` with ruled cells. ``None`` in a row joins
    that cell to the one on its left. The first ``header_rows`` rows are shaded, and repeated
    at the top of each page the table runs onto; ``shaded`` names further (column, row) cells
    to shade, such as the labels of a two-column form."""

    def __init__(
        self,
        rows: list[list[str | None]],
        widths: Sequence[float],
        style: GridStyle,
        header_rows: int = 1,
        shaded: frozenset[tuple[int, int]] = frozenset(),
    ) -> None:
        super().__init__()
        self.rows, self.widths, self.style = rows, list(widths), style
        self.header_rows, self.shaded = header_rows, shaded
        self._lines: list[list[list[str]]] = []
        self._heights: list[float] = []
        for row in rows:
            cells = []
            for k, text in enumerate(row):
                if text is None:
                    cells.append([])
                    continue
                inner = self._span(row, k) - 2 * PADDING_X
                cells.append(wrap_text(text, style.font, style.size, inner))
            self._lines.append(cells)
            depth = max(len(c) for c in cells)
            self._heights.append(PADDING_TOP + depth * style.leading + PADDING_BOTTOM)

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width, self.height = sum(self.widths), sum(self._heights)
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        used, fits = 0.0, 0
        for height in self._heights:
            if used + height > available_height:
                break
            used, fits = used + height, fits + 1
        if fits <= self.header_rows or fits == len(self.rows):
            return []  # nothing but the header fits: the whole table goes to the next page
        head = self.rows[: self.header_rows]
        return [
            GridTable(self.rows[:fits], self.widths, self.style, self.header_rows, self.shaded),
            GridTable(
                head + self.rows[fits:],
                self.widths,
                self.style,
                self.header_rows,
                frozenset((c, r - fits + self.header_rows) for c, r in self.shaded if r >= fits),
            ),
        ]

    def _shaded(self, column: int, row: int) -> bool:
        return row < self.header_rows or (column, row) in self.shaded

    def draw(self) -> None:
        s, canvas = self.style, self.canv
        lefts = [sum(self.widths[:k]) for k in range(len(self.widths))]
        tops, top = [], self.height
        for height in self._heights:
            tops.append(top)
            top -= height
        canvas.setFillColor(s.shade)
        for r, row in enumerate(self.rows):
            for k, text in enumerate(row):
                if text is not None and self._shaded(k, r):
                    span = self._span(row, k)
                    canvas.rect(lefts[k], tops[r] - self._heights[r], span, self._heights[r], 0, 1)
        text_object = canvas.beginText()
        text_object.setFont(s.font, s.size, s.leading)
        colour = None
        ascent = PADDING_TOP + (s.leading - s.size) / 2 + 0.86 * s.size
        for r, cells in enumerate(self._lines):
            for k, lines in enumerate(cells):
                wanted = s.accent if self._shaded(k, r) else s.ink
                if lines and wanted is not colour:
                    text_object.setFillColor(wanted)
                    colour = wanted
                for n, line in enumerate(lines):
                    text_object.setTextOrigin(
                        lefts[k] + PADDING_X, tops[r] - ascent - n * s.leading
                    )
                    text_object.textOut(line)
        canvas.drawText(text_object)
        canvas.setStrokeColor(s.rule)
        canvas.setLineWidth(s.rule_width)
        rules = [(0.0, y, self.width, y) for y in [*tops, 0.0]]
        for r, row in enumerate(self.rows):
            bottom = tops[r] - self._heights[r]
            rules += [
                (lefts[k], tops[r], lefts[k], bottom)
                for k, text in enumerate(row)
                if text is not None
            ]
            rules.append((self.width, tops[r], self.width, bottom))
        canvas.lines(rules)

    def _span(self, row: Sequence[str | None], k: int) -> float:
        width = self.widths[k]
        for w, text in zip(self.widths[k + 1 :], row[k + 1 :], strict=True):
            if text is not None:
                break
            width += w
        return width


class TextLine(Flowable):  # type: ignore[misc]
    """A line of text (a title, a heading, a list item) in ``colour`` at ``size``, wrapped if
    too wide, optionally over a rule the full width, kept with what follows when ``keep``;
    ``accent`` (n, colour) sets its first n characters (a label) in another colour."""

    def __init__(
        self,
        text: str,
        font: str,
        size: float,
        colour: colors.Color,
        rule: colors.Color | None = None,
        before: float = 0.0,
        after: float = 0.0,
        keep: bool = True,
        accent: tuple[int, colors.Color | None] = (0, None),
    ) -> None:
        super().__init__()
        self.text, self.font, self.size, self.colour, self.rule = text, font, size, colour, rule
        self.accent = accent
        self.spaceBefore, self.spaceAfter, self.keepWithNext = before, after, keep
        self.leading = size * 1.4
        self.lines: list[str] = []

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        self.lines = wrap_text(self.text, self.font, self.size, available_width)
        self.height = len(self.lines) * self.leading + (2.5 if self.rule else 0.0)
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        text_object = canvas.beginText()
        text_object.setFont(self.font, self.size, self.leading)
        text_object.setFillColor(self.colour)
        rule_gap = 2.5 if self.rule else 0.0
        text_object.setTextOrigin(0, self.height - (self.leading + 0.72 * self.size) / 2)
        accented, accent = self.accent
        for line in self.lines:
            if accented > 0 and accent is not None:
                head = line[:accented]
                text_object.setFillColor(accent)
                text_object.textOut(head)
                text_object.setFillColor(self.colour)
                line = line[len(head) :]  # noqa: PLW2901
                accented -= len(head)
            text_object.textLine(line)
        canvas.drawText(text_object)
        if self.rule is not None:
            canvas.setStrokeColor(self.rule)
            canvas.setLineWidth(0.75)
            canvas.line(0, rule_gap / 5, self.width, rule_gap / 5)


class Beside(Flowable):  # type: ignore[misc]
    """A column of flowables with one more flowable (a chart) to its right, tops aligned;
    kept on one page."""

    def __init__(self, column: list[Flowable], aside: Flowable, gap: float) -> None:
        super().__init__()
        self.column, self.aside, self.gap = column, aside, gap

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        aside_width, self.aside_height = self.aside.wrap(available_width, available_height)
        self.column_width = available_width - aside_width - self.gap
        self.placed, height = [], 0.0
        for k, flowable in enumerate(self.column):
            height += flowable.getSpaceBefore() if k else 0.0
            _w, h = flowable.wrap(self.column_width, available_height)
            self.placed.append(height + h)
            height += h + flowable.getSpaceAfter()
        self.width = available_width
        self.height = max(height, self.aside_height)
        return self.width, self.height

    def draw(self) -> None:
        for flowable, bottom in zip(self.column, self.placed, strict=True):
            flowable.drawOn(self.canv, 0, self.height - bottom)
        self.aside.drawOn(self.canv, self.width - self.aside.width, self.height - self.aside_height)
