"""Problems found in an input file, and the exception that rejects a file.

Every problem names the file, the row as a person counts it in that file (the header is
row 1), the column, the offending value and what was expected, so the secretariat can fix
the file without guessing.
"""
from __future__ import annotations

from dataclasses import dataclass, field

#: How many problems one rejection lists in full; the total is always reported.
MAX_LISTED_PROBLEMS = 200


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None
    column: str | None
    value: str | None
    expected: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        value = "" if self.value is None else f": value {_shorten(self.value)!r}"
        return f"{', '.join(where)}{value}: expected {self.expected}"

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "expected": self.expected,
        }


def _shorten(value: str, limit: int = 80) -> str:
    return value if len(value) <= limit else value[:limit] + f"... ({len(value)} characters)"


@dataclass
class LoadRejected(Exception):
    """Raised when a file is rejected; nothing of it has entered the database."""

    problems: list[Problem]
    total: int | None = None
    summary: str = field(default="")

    def __post_init__(self) -> None:
        if self.total is None:
            self.total = len(self.problems)
        super().__init__(self.report())

    def report(self) -> str:
        listed = self.problems[:MAX_LISTED_PROBLEMS]
        head = f"rejected: {self.total} problem{'s' if self.total != 1 else ''}"
        if self.summary:
            head += f" ({self.summary})"
        lines = [head] + [f"  {p}" for p in listed]
        if self.total > len(listed):
            lines.append(f"  ... and {self.total - len(listed)} more problems not listed")
        lines.append("Nothing of this file was loaded; the database is unchanged.")
        return "\n".join(lines)


class ProblemList:
    """Collects problems up to a cap while counting all of them."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.total = 0

    def add(self, file, row, column, value, expected) -> None:
        self.total += 1
        if len(self.problems) < MAX_LISTED_PROBLEMS:
            self.problems.append(Problem(file, row, column, value, expected))

    def extend(self, problems) -> None:
        for p in problems:
            self.add(p.file, p.row, p.column, p.value, p.expected)

    def raise_if_any(self, summary: str = "") -> None:
        if self.total:
            raise LoadRejected(self.problems, self.total, summary)

    def __bool__(self) -> bool:
        return self.total > 0
