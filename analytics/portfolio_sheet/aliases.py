"""The portfolio sheet's columns and every other tool's name for them, in one table.

A header is matched after :func:`normalise` (case, spaces and punctuation ignored) against the canonical field
names of CONTRACT.md ("The portfolio sheet") and against ``ALIASES``, the column names of the exports PMOs
already have: ServiceNow SPM, Microsoft Project / Project Online, Smartsheet, OpenProject and Jira. A header
that matches nothing is listed as unknown and never guessed at. Headers ``fte_<TEAM_ID>`` and
``fit_<OBJECTIVE_ID>`` name a team or an objective after the prefix, kept as written.

The status columns of those tools carry their own words for a project's stage; ``STAGE_VALUES`` says which
Quarterdeck stage each word is, tool by tool, and ``HEALTH_VALUES`` does the same for health.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

QUARTERDECK = "Quarterdeck"
SERVICENOW = "ServiceNow SPM"
MS_PROJECT = "Microsoft Project"
PROJECT_ONLINE = "Project Online"
SMARTSHEET = "Smartsheet"
OPENPROJECT = "OpenProject"
JIRA = "Jira"

#: The canonical fields of the sheet, in the order the export and the template write them.
FIELDS = (
    "project_id",
    "name",
    "program",
    "product_id",
    "sponsor",
    "manager",
    "stage",
    "start",
    "end",
    "cost",
    "budget",
    "benefit",
    "annual_benefit",
    "benefit_years",
    "probability_of_success",
    "mandatory",
    "stop_cost",
    "earliest_start",
    "latest_start",
    "depends_on",
    "health",
    "description",
    "strategic_fit",
)
REQUIRED_FIELDS = ("project_id", "name", "start", "end")
#: A field that several columns may give at once (Jira repeats its link column once per link): their lists join.
MULTI_COLUMN_FIELDS = ("depends_on",)
#: Recognised columns that Quarterdeck has no field for: listed as known, with the reason, and not imported.
NOT_IMPORTED = "not imported"

TEAM_PREFIX = "fte_"
OBJECTIVE_PREFIX = "fit_"
_TEAM_HEADER = re.compile(r"^\s*fte[\s_:\-]+(\S.*?)\s*$", re.IGNORECASE)
_OBJECTIVE_HEADER = re.compile(r"^\s*fit[\s_:\-]+(\S.*?)\s*$", re.IGNORECASE)
#: The objective a single ``strategic_fit`` column scores against.
OVERALL_OBJECTIVE = "overall"


@dataclass(frozen=True)
class Alias:
    """One other tool's name for a field; among columns giving the same field, the lower ``rank`` wins."""

    header: str
    field: str
    tool: str
    rank: int = 1
    note: str = ""


# The table. A header that several tools share has one row per tool. Rank 0 is Quarterdeck's own name; a
# tool's specific column outranks a fallback it also exports (Jira's Created stands in for a start date only
# when the issue has no "Start date"; Microsoft Project's ID is the row's number, its Unique ID the stable key).
ALIASES: tuple[Alias, ...] = (
    # Quarterdeck's own per-table names (the projects table) and spellings people type.
    Alias("start_date", "start", QUARTERDECK, 0),
    Alias("end_date", "end", QUARTERDECK, 0),
    Alias("probability", "probability_of_success", QUARTERDECK, 1),
    Alias("dependencies", "depends_on", QUARTERDECK, 1),
    # ServiceNow SPM project export (pm_project).
    Alias("Number", "project_id", SERVICENOW),
    Alias("Short description", "name", SERVICENOW),
    Alias("Planned start date", "start", SERVICENOW),
    Alias("Planned end date", "end", SERVICENOW),
    Alias("Planned cost", "cost", SERVICENOW),
    Alias("Planned benefit", "benefit", SERVICENOW),
    Alias("Project manager", "manager", SERVICENOW),
    Alias("State", "stage", SERVICENOW),
    Alias("Program", "program", SERVICENOW),
    Alias("Overall health", "health", SERVICENOW),
    Alias("Description", "description", SERVICENOW),
    Alias("Portfolio", NOT_IMPORTED, SERVICENOW, note="Quarterdeck holds one portfolio per store"),
    Alias("Percent complete", NOT_IMPORTED, SERVICENOW, note="progress needs planned and earned value"),
    # Microsoft Project (desktop export) and Project Online (its OData / Excel report names).
    Alias("Unique ID", "project_id", MS_PROJECT, 1),
    Alias("ID", "project_id", MS_PROJECT, 2, "numeric predecessors refer to it"),
    Alias("Name", "name", MS_PROJECT, 0),
    Alias("Start", "start", MS_PROJECT, 0),
    Alias("Finish", "end", MS_PROJECT),
    Alias("Cost", "cost", MS_PROJECT, 0),
    Alias("Predecessors", "depends_on", MS_PROJECT),
    Alias("Notes", "description", MS_PROJECT),
    Alias("Work", NOT_IMPORTED, MS_PROJECT, note="hours without a team; give fte_<TEAM_ID> columns instead"),
    Alias("% Complete", NOT_IMPORTED, MS_PROJECT, note="progress needs planned and earned value"),
    Alias("Duration", NOT_IMPORTED, MS_PROJECT, note="start and end give the months"),
    Alias("Resource Names", NOT_IMPORTED, MS_PROJECT, note="people, not teams; give fte_<TEAM_ID> columns"),
    Alias("ProjectId", "project_id", PROJECT_ONLINE),
    Alias("ProjectName", "name", PROJECT_ONLINE, 2),
    Alias("ProjectStartDate", "start", PROJECT_ONLINE),
    Alias("ProjectFinishDate", "end", PROJECT_ONLINE),
    Alias("ProjectCost", "cost", PROJECT_ONLINE),
    Alias("ProjectOwnerName", "manager", PROJECT_ONLINE),
    Alias("ProjectWork", NOT_IMPORTED, PROJECT_ONLINE, note="hours without a team; give fte_<TEAM_ID> columns"),
    Alias("ProjectPercentCompleted", NOT_IMPORTED, PROJECT_ONLINE, note="progress needs planned and earned value"),
    # Smartsheet project sheets.
    Alias("ID", "project_id", SMARTSHEET, 2, "an auto-number column; numeric predecessors refer to it"),
    Alias("Task Name", "name", SMARTSHEET),
    Alias("Start Date", "start", SMARTSHEET),
    Alias("End Date", "end", SMARTSHEET),
    Alias("Predecessors", "depends_on", SMARTSHEET),
    Alias("Assigned To", "manager", SMARTSHEET),
    Alias("Status", "stage", SMARTSHEET),
    Alias("% Complete", NOT_IMPORTED, SMARTSHEET, note="progress needs planned and earned value"),
    Alias("Duration", NOT_IMPORTED, SMARTSHEET, note="start and end give the months"),
    # OpenProject work-package CSV.
    Alias("ID", "project_id", OPENPROJECT, 2),
    Alias("Subject", "name", OPENPROJECT),
    Alias("Status", "stage", OPENPROJECT),
    Alias("Start date", "start", OPENPROJECT),
    Alias("Finish date", "end", OPENPROJECT),
    Alias("Accountable", "manager", OPENPROJECT),
    Alias("Assignee", "manager", OPENPROJECT, 2),
    Alias("Description", "description", OPENPROJECT),
    Alias("Work", NOT_IMPORTED, OPENPROJECT, note="hours without a team; give fte_<TEAM_ID> columns instead"),
    Alias("Estimated time", NOT_IMPORTED, OPENPROJECT, note="hours without a team; give fte_<TEAM_ID> columns"),
    Alias("Type", NOT_IMPORTED, OPENPROJECT, note="every row is a project"),
    # Jira issue CSV (no money: a Jira sheet imports without cost and says which views stay empty).
    Alias("Issue key", "project_id", JIRA),
    Alias("Summary", "name", JIRA),
    Alias("Status", "stage", JIRA),
    Alias("Start date", "start", JIRA),
    Alias("Target start", "start", JIRA),
    Alias("Created", "start", JIRA, 3, "the creation date stands in when the issue has no start date"),
    Alias("Due date", "end", JIRA),
    Alias("Target end", "end", JIRA),
    Alias("Assignee", "manager", JIRA, 2),
    Alias("Description", "description", JIRA),
    Alias("Inward issue link (Blocks)", "depends_on", JIRA, 1, "the issues that block this one"),
    Alias("Issue id", NOT_IMPORTED, JIRA, note="the issue key is the project id"),
    Alias("Original Estimate", NOT_IMPORTED, JIRA, note="seconds without a team; give fte_<TEAM_ID> columns"),
    Alias("Issue Type", NOT_IMPORTED, JIRA, note="every row is a project"),
)


@dataclass(frozen=True)
class StageValue:
    """One tool's word for a stage: in a column matched through that tool, ``value`` means ``stage``."""

    tool: str
    value: str
    stage: str


STAGE_VALUES: tuple[StageValue, ...] = (
    StageValue(SERVICENOW, "Draft", "proposed"),
    StageValue(SERVICENOW, "Submitted", "proposed"),
    StageValue(SERVICENOW, "Screening", "proposed"),
    StageValue(SERVICENOW, "Qualified", "proposed"),
    StageValue(SERVICENOW, "Pending", "proposed"),
    StageValue(SERVICENOW, "Approved", "approved"),
    StageValue(SERVICENOW, "Open", "approved"),
    StageValue(SERVICENOW, "Work in Progress", "active"),
    StageValue(SERVICENOW, "On Hold", "on_hold"),
    StageValue(SERVICENOW, "Closed Complete", "completed"),
    StageValue(SERVICENOW, "Closed Incomplete", "cancelled"),
    StageValue(SERVICENOW, "Closed Skipped", "cancelled"),
    StageValue(SERVICENOW, "Canceled", "cancelled"),
    StageValue(SMARTSHEET, "Not Started", "approved"),
    StageValue(SMARTSHEET, "In Progress", "active"),
    StageValue(SMARTSHEET, "On Hold", "on_hold"),
    StageValue(SMARTSHEET, "Complete", "completed"),
    StageValue(SMARTSHEET, "Cancelled", "cancelled"),
    StageValue(OPENPROJECT, "New", "proposed"),
    StageValue(OPENPROJECT, "In specification", "proposed"),
    StageValue(OPENPROJECT, "Specified", "approved"),
    StageValue(OPENPROJECT, "Confirmed", "approved"),
    StageValue(OPENPROJECT, "To be scheduled", "approved"),
    StageValue(OPENPROJECT, "Scheduled", "approved"),
    StageValue(OPENPROJECT, "In progress", "active"),
    StageValue(OPENPROJECT, "In development", "active"),
    StageValue(OPENPROJECT, "Developed", "active"),
    StageValue(OPENPROJECT, "In testing", "active"),
    StageValue(OPENPROJECT, "Tested", "active"),
    StageValue(OPENPROJECT, "Test failed", "active"),
    StageValue(OPENPROJECT, "On hold", "on_hold"),
    StageValue(OPENPROJECT, "Closed", "completed"),
    StageValue(OPENPROJECT, "Rejected", "cancelled"),
    StageValue(JIRA, "Backlog", "proposed"),
    StageValue(JIRA, "Open", "proposed"),
    StageValue(JIRA, "To Do", "proposed"),
    StageValue(JIRA, "Selected for Development", "approved"),
    StageValue(JIRA, "In Progress", "active"),
    StageValue(JIRA, "In Review", "active"),
    StageValue(JIRA, "Done", "completed"),
    StageValue(JIRA, "Closed", "completed"),
    StageValue(JIRA, "Resolved", "completed"),
    StageValue(JIRA, "Won't Do", "cancelled"),
    StageValue(JIRA, "Cancelled", "cancelled"),
)

#: Quarterdeck's stages (schema.sql's CHECK), accepted in every stage column.
STAGES = ("proposed", "approved", "active", "on_hold", "completed", "cancelled")
HEALTHS = ("green", "amber", "red")
#: Other words for health, in any health column: ServiceNow's yellow, status-report words.
HEALTH_VALUES = {"yellow": "amber", "ontrack": "green", "atrisk": "amber", "offtrack": "red"}


def normalise(text: str) -> str:
    """Return ``text`` lower-cased with everything but letters and digits removed (``% Complete`` → ``complete``).

    Parameters
    ----------
    text
        A header or a cell value.

    Returns
    -------
    str
        The key headers and status words are matched on.
    """
    return "".join(ch for ch in str(text).casefold() if ch.isalnum())


@dataclass(frozen=True)
class Match:
    """What one file column is: a field (or ``NOT_IMPORTED``), the alias that matched and the tools it is from."""

    field: str
    alias: str
    tools: tuple[str, ...]
    rank: int
    note: str = ""
    #: For ``fte_``/``fit_`` columns: the team or objective id, as written after the prefix.
    key: str | None = None


def _alias_index() -> dict[str, list[Alias]]:
    index: dict[str, list[Alias]] = {}
    for field in FIELDS:
        index.setdefault(normalise(field), []).append(Alias(field, field, QUARTERDECK, 0))
    for alias in ALIASES:
        index.setdefault(normalise(alias.header), []).append(alias)
    return index


_INDEX = _alias_index()


def match_header(header: str) -> Match | None:
    """Return what a file's column header means, or ``None`` for a column no table row knows.

    Parameters
    ----------
    header
        The header cell as written in the file.

    Returns
    -------
    Match or None
        The field, the alias that matched (as the table spells it), every tool that exports it, and its rank.
        A header known to several tools as different fields keeps the best-ranked one (the table is built so
        that this never happens between two fields; a test holds it to that).
    """
    if m := _TEAM_HEADER.match(str(header)):
        return Match("fte", TEAM_PREFIX + "<TEAM_ID>", (QUARTERDECK,), 0, key=m.group(1))
    if m := _OBJECTIVE_HEADER.match(str(header)):
        return Match("fit", OBJECTIVE_PREFIX + "<OBJECTIVE_ID>", (QUARTERDECK,), 0, key=m.group(1))
    found = _INDEX.get(normalise(header))
    if not found:
        return None
    best = min(found, key=lambda a: a.rank)
    tools = tuple(dict.fromkeys(a.tool for a in found if a.field == best.field))
    note = next((a.note for a in found if a.field == best.field and a.note), "")
    return Match(best.field, best.header, tools, best.rank, note)


@lru_cache(maxsize=4096)
def stage_of(value: str, tools: tuple[str, ...]) -> str | None:
    """Return the Quarterdeck stage a status word means in a column from ``tools``, or ``None`` if it means none.

    Parameters
    ----------
    value
        The cell text, e.g. ``Work in Progress`` or ``on hold``.
    tools
        The tools whose alias matched the column (``Match.tools``); Quarterdeck's stage names count in any.

    Returns
    -------
    str or None
        One of ``STAGES``.
    """
    key = normalise(value)
    for stage in STAGES:
        if key == normalise(stage):
            return stage
    for row in STAGE_VALUES:
        if row.tool in tools and normalise(row.value) == key:
            return row.stage
    return None


def stage_words(tools: tuple[str, ...]) -> list[str]:
    """Return the words a stage column from ``tools`` accepts, Quarterdeck's first (for error messages)."""
    return [*STAGES, *dict.fromkeys(row.value for row in STAGE_VALUES if row.tool in tools)]


def health_of(value: str) -> str | None:
    """Return the health (green, amber or red) a cell means, or ``None`` if it means none."""
    key = normalise(value)
    if key in HEALTHS:
        return key
    return HEALTH_VALUES.get(key)
