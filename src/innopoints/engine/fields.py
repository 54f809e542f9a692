"""The input field catalogue (docs/METHOD.md §1–§2): which columns an input file may carry.

The catalogue itself is data (``innopoints/schemes/fields.yaml``); a scheme may declare extra
fields for its local indicators, so the reader always works from a scheme's full field set.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

import yaml

FieldKind = Literal["id", "text", "region", "date", "amount", "count", "ratio", "bool"]
FIELD_KINDS: tuple[FieldKind, ...] = (
    "id",
    "text",
    "region",
    "date",
    "amount",
    "count",
    "ratio",
    "bool",
)
NUMERIC_KINDS: frozenset[str] = frozenset({"amount", "count", "ratio"})
TEXT_MAX_LENGTH = 200
"""Longest text value of a field whose definition names no ``max_length``."""
VALUE_MAX_LENGTH = 64
"""Longest cell of any other kind (a code, number, date or yes/no is never longer)."""


@dataclass(frozen=True)
class Field:
    code: str
    header: str
    kind: FieldKind
    signed: bool = False
    aliases: tuple[str, ...] = ()
    max_length: int | None = None
    """Longest value accepted, in characters (text fields; None: :data:`TEXT_MAX_LENGTH`)."""

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS

    @property
    def longest(self) -> int:
        """The longest value accepted in this field's column, in characters."""
        if self.kind == "text":
            return self.max_length or TEXT_MAX_LENGTH
        return self.max_length or VALUE_MAX_LENGTH


class FieldCatalogue:
    """An ordered set of fields with lookup by code or by any accepted header."""

    def __init__(self, fields: Iterable[Field]) -> None:
        self._by_code: dict[str, Field] = {}
        self._by_header: dict[str, Field] = {}
        for field in fields:
            if field.code in self._by_code:
                raise ValueError(f"field {field.code!r} is defined twice")
            self._by_code[field.code] = field
            for header in (field.code, field.header, *field.aliases):
                other = self._by_header.get(header)
                if other is not None and other.code != field.code:
                    raise ValueError(
                        f"header {header!r} names both {other.code!r} and {field.code!r}"
                    )
                self._by_header[header] = field

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __getitem__(self, code: str) -> Field:
        return self._by_code[code]

    def get(self, code: str) -> Field | None:
        return self._by_code.get(code)

    def __iter__(self) -> Iterator[Field]:
        return iter(self._by_code.values())

    def __len__(self) -> int:
        return len(self._by_code)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self._by_code)

    def for_header(self, header: str) -> Field | None:
        return self._by_header.get(header.strip().lstrip("\ufeff"))

    def extended(self, extra: Iterable[Field]) -> FieldCatalogue:
        return FieldCatalogue([*self._by_code.values(), *extra])

    def with_aliases(self, aliases: Mapping[str, str]) -> FieldCatalogue:
        """A copy that also reads the given headers (header → field code), e.g. the column
        names one data source's files use."""
        fields = []
        for field in self._by_code.values():
            extra = tuple(h for h, code in aliases.items() if code == field.code)
            fields.append(
                Field(
                    field.code,
                    field.header,
                    field.kind,
                    field.signed,
                    (*field.aliases, *extra),
                    field.max_length,
                )
            )
        unknown = sorted({code for code in aliases.values() if code not in self._by_code})
        if unknown:
            raise ValueError(f"aliases name unknown fields: {', '.join(unknown)}")
        return FieldCatalogue(fields)


def field_from_mapping(raw: Mapping[str, object]) -> Field:
    kind = str(raw["kind"])
    if kind not in FIELD_KINDS:
        raise ValueError(f"field {raw.get('code')!r}: unknown kind {kind!r}")
    aliases = raw.get("aliases") or ()
    if not isinstance(aliases, list | tuple):
        raise ValueError(f"field {raw.get('code')!r}: aliases must be a list")
    max_length = raw.get("max_length")
    if max_length is not None and (not isinstance(max_length, int) or max_length < 1):
        raise ValueError(f"field {raw.get('code')!r}: max_length must be a positive whole number")
    return Field(
        code=str(raw["code"]),
        header=str(raw["header"]),
        kind=kind,
        signed=bool(raw.get("signed", False)),
        aliases=tuple(str(a) for a in aliases),
        max_length=max_length,
    )


@cache
def base_catalogue() -> FieldCatalogue:
    """The built-in catalogue shipped in ``innopoints/schemes/fields.yaml``."""
    text = resources.files("innopoints.schemes").joinpath("fields.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    return FieldCatalogue(field_from_mapping(item) for item in data["fields"])
