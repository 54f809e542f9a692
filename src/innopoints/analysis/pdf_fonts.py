"""The PDFs' CJK font as TrueType, so that ReportLab can embed it: whole, and as a compact
copy for the files whose every character it holds.

The system font (Noto Sans CJK SC, ``INNOPOINTS_PDF_FONT``, from Debian's fonts-noto-cjk) has
PostScript (CFF) outlines; ReportLab embeds only TrueType (``glyf``) outlines. The copy made
here has the same characters, metrics and glyph ids, with every glyph a character maps to
converted to quadratic outlines by fontTools (cu2qu, within 1 font unit of the original:
invisible at any print size). Glyphs no character reaches (vertical and other regional forms)
are left empty, which keeps the copy to about 12 MB. Every character the system font has is
printed; ReportLab embeds only the glyphs a PDF uses.

ReportLab reads a font's whole glyph index for every subset it embeds, so a file set in the
whole font (65,535 glyphs) spends some 8 ms more than one set in the compact copy: GB 2312
(all the simplified Chinese in common use), Latin and the usual punctuation and symbols,
about 8,100 glyphs. A file with any other character (a rare one in a name) is set in the whole
font (:func:`font_for`); both have the same metrics, so the layout does not change.

The copies are made once per machine (about 15 s and a minute; ``innopoints check-deploy``
makes them ahead of the first PDF) and kept in ``INNOPOINTS_FONT_CACHE`` under names that
change with the system font's file, face, size and modification time and with
:data:`FORMAT_VERSION`."""

from __future__ import annotations

import fcntl
import functools
import hashlib
import logging
import os
import shutil
import subprocess
import threading
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont as ReportLabFont

LOG = logging.getLogger(__name__)
FORMAT_VERSION = 3
FONT_NAME, COMPACT_FONT_NAME = "InnoPDF-CJK", "InnoPDF-CJK-Compact"
RANGES = (
    (0x20, 0x7E),  # ASCII
    (0xA0, 0x17F),  # Latin-1, Latin Extended-A
    (0x2000, 0x206F),  # general punctuation: – — ‘ ’ “ ” … ‰
    (0x2100, 0x214F),  # letterlike symbols: ℃ №
    (0x2150, 0x218F),  # number forms: Ⅰ Ⅱ
    (0x2190, 0x21FF),  # arrows
    (0x2200, 0x22FF),  # mathematical operators: ≤ ≥ ±
    (0x2460, 0x24FF),  # enclosed numbers: ①
    (0x2500, 0x25FF),  # box drawing, geometric shapes: ■ ●
    (0x3000, 0x303F),  # CJK punctuation: 、。《》【】
    (0xFF00, 0xFFEF),  # full-width forms: ，：；（）％
)
MAX_ERROR = 1.0  # font units (of 1,000 per em): cu2qu's largest distance from the curve
DROPPED_TABLES = ("GSUB", "GPOS", "BASE", "vhea", "vmtx", "VORG", "DSIG")


class FontMissing(RuntimeError):
    """The system font is not installed or its TrueType copy cannot be made."""


@functools.cache
def charset() -> frozenset[int]:
    """The code points of the compact copy: :data:`RANGES` and every GB 2312 character."""
    points = {c for low, high in RANGES for c in range(low, high + 1)}
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                points.add(ord(bytes((high, low)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return frozenset(points)


def system_font(family: str) -> tuple[Path, int] | None:
    """The file and face index fontconfig gives for ``family`` (regular), if it has it."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    found = subprocess.run(
        [fc_match, "-f", "%{file}\n%{index}\n%{family}", f"{family}:style=Regular"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    ).stdout.split("\n")
    if len(found) < 3 or family.lower() not in found[2].lower().split(","):
        return None
    return Path(found[0]), int(found[1] or 0)


def _cache_name(source: Path, index: int, compact: bool) -> str:
    stat = source.stat()
    key = f"{source.resolve()}|{index}|{stat.st_size}|{stat.st_mtime_ns}|{FORMAT_VERSION}"
    kind = "compact" if compact else "full"
    return f"pdf-cjk-{kind}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.ttf"


def build(source: Path, index: int, target: Path, compact: bool = False) -> None:
    """Write face ``index`` of ``source`` to ``target`` with TrueType outlines, only the
    characters of :func:`charset` when ``compact``."""
    font = TTFont(source, fontNumber=index, lazy=not compact)
    if compact:
        options = subset.Options()
        options.notdef_outline = True
        options.hinting = False
        options.drop_tables += list(DROPPED_TABLES)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=charset())
        subsetter.subset(font)
    for record in font["name"].names:
        if record.nameID == 6:  # PostScript name: ReportLab tells fonts apart by it
            record.string = COMPACT_FONT_NAME if compact else FONT_NAME
    if "glyf" in font:  # already TrueType
        _save(font, target)
        return
    order = font.getGlyphOrder()
    reached = {".notdef", *font.getBestCmap().values()}
    outlines = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(None)
        if name in reached:
            outlines[name].draw(Cu2QuPen(pen, MAX_ERROR, reverse_direction=True))
        glyphs[name] = pen.glyph()
    for tag in ("CFF ", *DROPPED_TABLES):
        if tag in font:
            del font[tag]
    font["loca"] = newTable("loca")
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    glyf.compile(font)  # bounding boxes, then the left side bearings follow them
    metrics = font["hmtx"].metrics
    for name in order:
        glyph = glyf[name]
        metrics[name] = (metrics[name][0], glyph.xMin if glyph.numberOfContours else 0)
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in (
        "maxZones",
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, field, 0)
    maxp.maxZones = 1
    post = font["post"]
    post.formatType = 3.0  # no glyph names: CID fonts have none worth keeping
    post.extraNames, post.mapping = [], {}
    font.sfntVersion = "\x00\x01\x00\x00"
    _save(font, target)


def _save(font: TTFont, target: Path) -> None:
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")
    font.save(partial)
    os.replace(partial, target)


@functools.cache
def truetype_font(compact: bool = False) -> Path:
    """The TrueType copy (whole or compact) of the PDF font, made now if this machine has
    none yet."""
    found = system_font(settings.INNOPOINTS_PDF_FONT)
    if found is None:
        raise FontMissing(
            f"PDF font “{settings.INNOPOINTS_PDF_FONT}” not found by fontconfig: "
            "install fonts-noto-cjk or set INNOPOINTS_PDF_FONT"
        )
    source, index = found
    directory = Path(settings.INNOPOINTS_FONT_CACHE)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / _cache_name(source, index, compact)
    if target.exists():
        return target
    with open(directory / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one process builds, the others wait for it
        if not target.exists():
            LOG.info("building the TrueType copy %s of the PDF font %s", target, source)
            try:
                build(source, index, target, compact)
            except Exception as error:  # a font fontTools cannot read, a full disk
                raise FontMissing(f"cannot convert {source} to TrueType: {error}") from error
    return target


_REGISTERED = threading.Lock()


def registered(compact: bool = False) -> str:
    """The ReportLab name of the PDF font (whole or compact), registered in this process."""
    name = COMPACT_FONT_NAME if compact else FONT_NAME
    with _REGISTERED:
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(ReportLabFont(name, str(truetype_font(compact))))
    return name


def font_for(text: Iterable[str]) -> str:
    """The ReportLab name of the font to set ``text`` in: the compact copy when it holds
    every character, else the whole font."""
    points = charset()
    return registered(compact=all(ord(c) in points for chunk in text for c in chunk))
