"""Problems with input data, reported all at once with row, column and reason."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class InputProblem:
    """One reason an input row (or the file) cannot be used.

    ``row`` is the spreadsheet row number (the header is row 1, the first enterprise row 2);
    None for a problem of the whole file. ``column`` is the header as written in the file.
    """

    row: int | None
    column: str | None
    reason: str

    def describe(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.reason}" if where else self.reason


class InputError(ValueError):
    """Input that cannot be scored; ``problems`` lists every problem found, in row order."""

    def __init__(self, source: str, problems: list[InputProblem]) -> None:
        self.source = source
        self.problems = sorted(problems, key=lambda p: (p.row or 0, p.column or "", p.reason))
        count = len(self.problems)
        lines = "\n".join(f"{source}: {p.describe()}" for p in self.problems)
        super().__init__(f"{source}: {count} problem(s); nothing was written.\n{lines}")
