"""A problem of a portfolio sheet, as people read it: ``FILE:ROW:COLUMN: message``."""

from __future__ import annotations

from dataclasses import dataclass

#: At most this many problems are listed; the rest are counted.
PROBLEM_CAP = 100
#: The column part of a problem that concerns a whole row or the whole file.
NO_COLUMN = "-"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong (or, as a warning, worth knowing) about a sheet.

    ``row`` is the line in the file (1 = the header; for a workbook, the sheet row); ``position`` orders the
    problems of one row by column; ``column`` is the file's own header text (or the field a missing column
    should have been).
    """

    row: int
    position: int
    file: str
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.row}:{self.column}: {self.message}"


def capped_lines(problems: list[Problem], file_name: str, cap: int = PROBLEM_CAP) -> list[str]:
    """Return the first ``cap`` problems (in file order) as lines, then one line counting the rest.

    Parameters
    ----------
    problems
        Every problem found.
    file_name
        The file, for the counting line.
    cap
        How many to list.

    Returns
    -------
    list of str
        ``FILE:ROW:COLUMN: message`` lines.
    """
    ordered = sorted(problems)
    lines = [str(p) for p in ordered[:cap]]
    if len(ordered) > cap:
        lines.append(f"{file_name}: and {len(ordered) - cap:,} more problems not listed ({len(ordered):,} in all)")
    return lines
