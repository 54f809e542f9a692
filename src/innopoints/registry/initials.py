"""Pinyin initials of an enterprise name (成都华智科技有限公司 → CDHZKJYXGS), the way people
type a name they half remember. Stored on the enterprise (``Enterprise.initials``), kept on
every save and bulk path, searched like the name (registry/search.py)."""

from __future__ import annotations

import re
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

MAX_LENGTH = 200
_KEEP = re.compile(r"[^0-9A-Z]")


@lru_cache(maxsize=4096)
def _piece(text: str) -> str:
    # characters with no reading (Latin letters, digits) come back as they are: keep them
    return "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default"))


def initials(name: str | None) -> str:
    """Upper-case initials of every Chinese character, Latin letters and digits kept as they
    are, everything else dropped: ``TCL科技集团`` → ``TCLKJJT``."""
    if not name:
        return ""
    return _KEEP.sub("", _piece(name).upper())[:MAX_LENGTH]
