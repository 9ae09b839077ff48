"""Which file column gives which field: the header row matched through the alias table, conflicts settled.

Rules (the dry-run shows the result column by column):

- A column whose header no alias knows is *unknown*: listed, warned about, not imported.
- A column the table knows but Quarterdeck has no field for (Work, % Complete, ...) is *not imported*, with
  the reason.
- When several columns give the same field, the best-ranked alias wins (Quarterdeck's own name first, then the
  tool's specific column, then fallbacks such as Jira's Created); the others are *ignored*, with a warning.
  Two columns for the same team or objective are a problem. Every column giving ``depends_on`` counts (Jira
  writes one column per link).
- A Microsoft Project or Smartsheet ``ID`` column that loses ``project_id`` to ``Unique ID`` is kept as the
  *reference* numeric predecessors point to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from analytics.portfolio_sheet import aliases
from analytics.portfolio_sheet.problems import Problem

MAPPED, UNKNOWN, NOT_IMPORTED, IGNORED, REFERENCE = "mapped", "unknown", "not imported", "ignored", "reference"
HEADER_LINE = 1


@dataclass(frozen=True)
class ColumnMap:
    """One column of the file and what the importer makes of it."""

    index: int
    header: str
    status: str
    field: str | None = None
    alias: str | None = None
    tools: tuple[str, ...] = ()
    #: The team (``fte``) or objective (``fit``) a prefixed column names, as written.
    key: str | None = None
    note: str = ""


@dataclass
class Mapping:
    """The columns of a sheet: what each one is, and the problems and warnings of the header row."""

    columns: list[ColumnMap]
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    #: The required fields no column gives (the rows are not checked then).
    missing: list[str] = field(default_factory=list)

    @cached_property
    def _by_field(self) -> dict[str, list[ColumnMap]]:
        found: dict[str, list[ColumnMap]] = {}
        for col in self.columns:
            if col.status == MAPPED:
                found.setdefault(col.field, []).append(col)
        return found

    def of(self, name: str) -> ColumnMap | None:
        """Return the column that gives field ``name``, if one does."""
        found = self._by_field.get(name)
        return found[0] if found else None

    def all_of(self, name: str) -> list[ColumnMap]:
        """Return every column that gives field ``name`` (several only for ``depends_on``, ``fte``, ``fit``)."""
        return list(self._by_field.get(name, ()))

    @property
    def reference(self) -> ColumnMap | None:
        """The ID column numeric predecessors refer to, when it is not the project id itself."""
        return next((c for c in self.columns if c.status == REFERENCE), None)

    def gives(self, *names: str) -> bool:
        """Whether the sheet has a column for any of the fields ``names``."""
        return any(self.of(n) for n in names)


def map_header(header: list[str], file_name: str) -> Mapping:
    """Match every header cell, settle conflicts and check the required fields are there.

    Parameters
    ----------
    header
        The header row as read.
    file_name
        The name problems are reported under.

    Returns
    -------
    Mapping
        A problem for each missing required field (``FILE:1:field``), each second column for one team or
        objective, and a ``strategic_fit`` beside ``fit_`` columns; warnings for unknown and ignored columns.
    """
    found: list[ColumnMap] = []
    problems: list[Problem] = []
    warnings: list[Problem] = []
    ranks: dict[int, int] = {}

    def warn(col: ColumnMap, message: str) -> None:
        warnings.append(Problem(HEADER_LINE, col.index, file_name, col.header or f"column {col.index + 1}", message))

    for index, text in enumerate(header):
        match = aliases.match_header(text) if text else None
        if match is None:
            found.append(ColumnMap(index, text, UNKNOWN))
            continue
        status = NOT_IMPORTED if match.field == aliases.NOT_IMPORTED else MAPPED
        found.append(ColumnMap(index, text, status, match.field, match.alias, match.tools, match.key, match.note))
        ranks[index] = match.rank
    settled: list[ColumnMap] = []
    winners: dict[tuple[str, str | None], ColumnMap] = {}
    for col in sorted(found, key=lambda c: (ranks.get(c.index, 99), c.index)):
        if col.status != MAPPED or col.field in aliases.MULTI_COLUMN_FIELDS:
            settled.append(col)
            continue
        slot = (col.field, col.key.casefold() if col.key else None)
        if slot not in winners:
            winners[slot] = col
            settled.append(col)
        elif col.key is not None:
            kind = "team" if col.field == "fte" else "objective"
            message = f"a second column for {kind} {col.key}; column {winners[slot].header!r} already gives it"
            problems.append(Problem(HEADER_LINE, col.index, file_name, col.header, message))
            settled.append(col)
        elif col.field == "project_id" and col.alias == "ID":
            settled.append(ColumnMap(col.index, col.header, REFERENCE, col.field, col.alias, col.tools, None, col.note))
        else:
            settled.append(ColumnMap(col.index, col.header, IGNORED, col.field, col.alias, col.tools))
    columns = sorted(settled, key=lambda c: c.index)
    mapping = Mapping(columns, problems, warnings)
    for col in columns:
        if col.status == UNKNOWN and col.header:
            warn(col, "unknown column, not imported (no Quarterdeck field or alias of a supported tool has this name)")
        elif col.status == NOT_IMPORTED:
            warn(col, f"known from {', '.join(col.tools)} but not imported: {col.note}")
        elif col.status == IGNORED:
            warn(col, f"ignored: {col.field} comes from column {mapping.of(col.field).header!r}")
    if mapping.of("strategic_fit") and mapping.all_of("fit"):
        col = mapping.of("strategic_fit")
        message = "strategic_fit is for a sheet without fit_<OBJECTIVE_ID> columns; give the score as fit_overall"
        problems.append(Problem(HEADER_LINE, col.index, file_name, col.header, message))
    for name in aliases.REQUIRED_FIELDS:
        if not mapping.of(name):
            mapping.missing.append(name)
            others = [a.header for a in aliases.ALIASES if a.field == name]
            message = f"required column missing: name one column {name} (or {', '.join(others)})"
            problems.append(Problem(HEADER_LINE, len(header), file_name, name, message))
    return mapping
