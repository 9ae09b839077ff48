"""What an import reports: each problem as ``FILE:ROW:COLUMN: message``, and the result of the whole file.

ROW is the line of the file (1 = the header); COLUMN is the header cell, or ``NO_COLUMN`` for a problem of the
whole line or file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from analytics.formatting import counted, plural

#: At most this many problems are listed; the rest are counted.
PROBLEM_CAP = 100
#: The COLUMN of a problem that is about a whole line or the whole file.
NO_COLUMN = "-"

#: Called with (fraction done, what is happening) as an import goes.
Progress = Callable[[float, str], None]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a file: where (ROW is the line in the file, 1 = header) and what."""

    row: int
    position: int
    file: str
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.row}:{self.column}: {self.message}"


@dataclass
class ImportResult:
    """What an import did: rows read, rows new and updated, or the problems that stopped it."""

    table: str
    file_name: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    problems: list[Problem] = field(default_factory=list)
    #: Every problem found; ``problems`` lists at most PROBLEM_CAP of them.
    problem_count: int = 0
    import_id: str | None = None
    seconds: float = 0.0

    @property
    def accepted(self) -> bool:
        """Whether the file was written to the store."""
        return not self.problem_count

    def problems_as_lines(self) -> list[str]:
        """Every listed problem as ``FILE:ROW:COLUMN: message``, then how many more were not listed."""
        lines = [str(p) for p in self.problems]
        rest = self.problem_count - len(self.problems)
        if rest > 0:
            more = f"and {rest:,} more {plural(rest, 'problem')} not listed"
            lines.append(f"{self.file_name}: {more} ({self.problem_count:,} in all)")
        return lines

    def problems_frame(self) -> pd.DataFrame:
        """Return the listed problems as a table: row, column, message."""
        return pd.DataFrame(
            {
                "row": [p.row for p in self.problems],
                "column": [p.column for p in self.problems],
                "problem": [p.message for p in self.problems],
            }
        )

    def summary(self) -> str:
        """One line for people and for ``import_log.message``."""
        if self.accepted:
            rows = counted(self.rows, "row")
            return f"{rows}: {self.inserted:,} new, {self.updated:,} updated"
        first = str(self.problems[0]) if self.problems else ""
        return f"{counted(self.problem_count, 'problem')}; first: {first}"[:1000]
