"""Comparing what an applicant typed with the registry: the credit code and the legal
representative's name, written the way people type them (full-width letters and digits,
spaces, the several middle dots of names such as 阿卜杜·热合曼)."""

from __future__ import annotations

import re
import unicodedata

# the separator of names of minority nationalities, as the input methods write it
MIDDLE_DOTS = "\u00b7\u2022\u2027\u2219\u30fb\uff65\u318d\u16eb\u2e31.\uff0e"
_DOTS = str.maketrans(dict.fromkeys(MIDDLE_DOTS, "·"))
_SPACE = re.compile(r"\s+")
MOBILE = re.compile(r"1[3-9]\d{9}")


def normalise_name(text: str) -> str:
    """Full-width forms folded (NFKC), every space removed, middle dots made one, Latin
    letters case-folded: ``" 阿卜杜・热合曼 "`` and ``"阿卜杜·热合曼"`` are the same name."""
    folded = unicodedata.normalize("NFKC", text or "")
    return _SPACE.sub("", folded).translate(_DOTS).casefold()


def normalise_code(text: str) -> str:
    """A credit code as typed: full-width digits and letters folded, spaces and hyphens
    removed, upper case."""
    folded = unicodedata.normalize("NFKC", text or "")
    return re.sub(r"[\s\-]+", "", folded).upper()


def names_match(registered: str, typed: str) -> bool:
    """The typed name is the registered legal representative (an empty record matches
    nothing)."""
    wanted = normalise_name(registered)
    return bool(wanted) and wanted == normalise_name(typed)


def normalise_mobile(text: str) -> str | None:
    """A mainland mobile number (11 digits, 13x–19x), with or without +86 / 0086 and spaces
    or hyphens; None when it is not one."""
    digits = re.sub(r"[\s\-()]+", "", unicodedata.normalize("NFKC", text or ""))
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == 11 + len(prefix):
            digits = digits[len(prefix) :]
            break
    return digits if MOBILE.fullmatch(digits) else None
