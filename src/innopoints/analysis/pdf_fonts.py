"""The PDFs' CJK font as TrueType, so that ReportLab can embed it.

The system font (Noto Sans CJK SC, ``INNOPOINTS_PDF_FONT``, from Debian's fonts-noto-cjk) has
PostScript (CFF) outlines; ReportLab embeds only TrueType (``glyf``) outlines. The copy made
here has the same characters, metrics and glyph ids, with every glyph a character maps to
converted to quadratic outlines by fontTools (cu2qu, within 1 font unit of the original:
invisible at any print size). Glyphs no character reaches (vertical and other regional forms)
are left empty, which keeps the copy to about 12 MB. Every character the system font has is
printed; ReportLab embeds only the glyphs a PDF uses.

The copy is made once per machine (about a minute; ``innopoints check-deploy`` makes it
ahead of the first PDF) and kept in ``INNOPOINTS_FONT_CACHE`` under a name that changes with
the system font's file, face, size and modification time and with :data:`FORMAT_VERSION`."""

from __future__ import annotations

import fcntl
import functools
import hashlib
import logging
import os
import shutil
import subprocess
import threading
from pathlib import Path

from django.conf import settings
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont as ReportLabFont

LOG = logging.getLogger(__name__)
FORMAT_VERSION = 2
FONT_NAME = "InnoPDF-CJK"
MAX_ERROR = 1.0  # font units (of 1,000 per em): cu2qu's largest distance from the curve
DROPPED_TABLES = ("GSUB", "GPOS", "BASE", "vhea", "vmtx", "VORG", "DSIG")


class FontMissing(RuntimeError):
    """The system font is not installed or its TrueType copy cannot be made."""


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


def _cache_name(source: Path, index: int) -> str:
    stat = source.stat()
    key = f"{source.resolve()}|{index}|{stat.st_size}|{stat.st_mtime_ns}|{FORMAT_VERSION}"
    return f"pdf-cjk-{hashlib.sha256(key.encode()).hexdigest()[:16]}.ttf"


def build(source: Path, index: int, target: Path) -> None:
    """Write face ``index`` of ``source`` to ``target`` with TrueType outlines."""
    font = TTFont(source, fontNumber=index, lazy=True)
    if "glyf" in font:  # already TrueType: copy the face as it is
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
def truetype_font() -> Path:
    """The TrueType copy of the PDF font, made now if this machine has none yet."""
    found = system_font(settings.INNOPOINTS_PDF_FONT)
    if found is None:
        raise FontMissing(
            f"PDF font “{settings.INNOPOINTS_PDF_FONT}” not found by fontconfig: "
            "install fonts-noto-cjk or set INNOPOINTS_PDF_FONT"
        )
    source, index = found
    directory = Path(settings.INNOPOINTS_FONT_CACHE)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / _cache_name(source, index)
    if target.exists():
        return target
    with open(directory / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one process builds, the others wait for it
        if not target.exists():
            LOG.info("building the TrueType copy %s of the PDF font %s", target, source)
            try:
                build(source, index, target)
            except Exception as error:  # a font fontTools cannot read, a full disk
                raise FontMissing(f"cannot convert {source} to TrueType: {error}") from error
    return target


_REGISTERED = threading.Lock()


def registered() -> str:
    """The ReportLab name of the PDF font, registered in this process."""
    with _REGISTERED:
        if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(ReportLabFont(FONT_NAME, str(truetype_font())))
    return FONT_NAME
