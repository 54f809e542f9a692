"""A compact copy of the PDFs' CJK font, so that WeasyPrint embeds a subset of it quickly.

The system font (Noto Sans CJK SC, ``INNOPOINTS_PDF_FONT``) holds 65,535 glyphs; WeasyPrint
subsets the font for every PDF it writes, and on a font that size the subsetting alone takes
about 40 ms and leaves some 80 KB per PDF even for a single line. A copy holding only the
characters of GB 2312 (all the simplified Chinese in common use), Latin and the usual
punctuation and symbols has about 8,300 glyphs: subsetting it takes a few ms and the embedded
font is far smaller. A character the copy lacks (a rare one in an enterprise's name) is still
printed: the stylesheet names the full system font next, and the text falls back to it.

The copy is made once per machine with fontTools (a few seconds) and kept in
``INNOPOINTS_FONT_CACHE`` under a name that changes with the system font's file, size and
modification time and with :data:`CHARSET_VERSION`."""

from __future__ import annotations

import fcntl
import functools
import hashlib
import logging
import os
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from fontTools import subset
from fontTools.ttLib import TTFont

LOG = logging.getLogger(__name__)
CHARSET_VERSION = 1
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


def charset() -> set[int]:
    """The code points the compact copy holds: :data:`RANGES` and every GB 2312 character."""
    points = {c for low, high in RANGES for c in range(low, high + 1)}
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                points.add(ord(bytes((high, low)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return points


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
    key = f"{source.resolve()}|{index}|{stat.st_size}|{stat.st_mtime_ns}|{CHARSET_VERSION}"
    return f"pdf-cjk-{hashlib.sha256(key.encode()).hexdigest()[:16]}.otf"


def build(source: Path, index: int, target: Path) -> None:
    """Write the compact copy of face ``index`` of ``source`` to ``target``. The vertical
    metrics and the layout tables go (the PDFs are set horizontally, and WeasyPrint drops
    the layout tables from what it embeds anyway)."""
    font = TTFont(source, fontNumber=index)
    options = subset.Options()
    options.notdef_outline = True
    options.hinting = False
    options.drop_tables += ["GSUB", "GPOS", "BASE", "vhea", "vmtx", "VORG"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=charset())
    subsetter.subset(font)
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")
    font.save(partial)
    os.replace(partial, target)


@functools.cache
def compact_font() -> Path | None:
    """The compact copy of the PDF font (made now if this machine has none yet), or None
    when the system font is missing or the copy cannot be made: the PDFs then use the system
    font as before, only slower."""
    found = system_font(settings.INNOPOINTS_PDF_FONT)
    if found is None:
        LOG.warning("PDF font %s not found by fontconfig", settings.INNOPOINTS_PDF_FONT)
        return None
    source, index = found
    directory = Path(settings.INNOPOINTS_FONT_CACHE)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        target = directory / _cache_name(source, index)
        if target.exists():
            return target
        with open(directory / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one process builds, the others wait for it
            if not target.exists():
                LOG.info("building the compact PDF font %s from %s", target, source)
                build(source, index, target)
        return target
    except Exception:  # a read-only disk, a font fontTools cannot read: keep working
        LOG.exception("compact PDF font not built; PDFs use %s directly", source)
        return None
