"""A copy of the demo store whose every free-text column holds text that Markdown or Plotly would act on."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from analytics import optimize, scenarios, store

#: What a person might type, each piece a different trap: Markdown emphasis, maths, a colour directive, a tracking
#: pixel, HTML, a Plotly placeholder, a script in an image, and line starts that make headings, quotes and lists.
HOSTILE = (
    ' **B** $K$ :red[R] ![p](http://tracker.invalid/x) <b>x</b> <a href="http://tracker.invalid/y">y</a> '
    "«%{y}» <img src=x onerror=alert(1)>\n# Heading\n> quote\n- item\n1. first"
)
TRACKING_HOST = "tracker.invalid"
#: Columns whose values the code matches against fixed sets (stages, statuses...) or that hold keys or JSON.
NOT_FREE_TEXT = {
    "stage",
    "status",
    "health",
    "lifecycle_stage",
    "direction",
    "aggregation",
    "kind",
    "role",
    "params",
    "metric",
    "depends_on",
}
#: Tables not shown as text on any page, or (settings) parsed per key.
SKIPPED_TABLES = {"settings", "import_log", "user_roles"}

#: What must never be in a Markdown text (escaped, each of these is broken by a backslash).
RAW_MARKDOWN = [
    re.compile(p)
    for p in (
        r"\*\*B\*\*",
        r"(?<!\\)\$K(?<!\\)\$",
        r"(?<!\\):red(?<!\\)\[",
        r"(?<!\\)!(?<!\\)\[p",
        r"(?<!\\)<a ",
        r"(?<!\\)<b>x",
        r"(?<!\\)<img",
        r"(?m)^# Heading",
        r"(?m)^> quote",
        r"(?m)^- item",
        r"(?m)^1\. first",
    )
]
#: What must never be in a figure's JSON: store markup and a placeholder Plotly would fill.
RAW_PLOTLY = ("<b>x</b>", '<a href="http', "<img", "«%{y}»")


def free_text_columns(con) -> list[tuple[str, str]]:
    """Every (table, column) of text that is not a key, a reference or a coded value."""
    rows = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'main' AND data_type = 'VARCHAR' ORDER BY 1, 2"
    ).fetchall()
    return [
        (table, column)
        for table, column in rows
        if table not in SKIPPED_TABLES and column not in NOT_FREE_TEXT and not column.endswith("_id")
    ]


def hostile_store(demo_store_path: Path, path: Path) -> Path:
    """Copy the demo store to ``path``, append :data:`HOSTILE` to every free-text value, save two scenarios."""
    shutil.copyfile(demo_store_path, path)
    with store.connect(path) as con:
        model = optimize.prepare_model(con)
        plan = list(model.project_ids[model.in_plan])
        for i, name in enumerate(("Plan <b>x</b> **B**", "Cut $K$ :red[R] «%{y}»")):
            scenarios.save_scenario(con, name, optimize.WhatIf(budget_pct=100 - 10 * i).to_dict(), plan, note="n")
        for table, column in free_text_columns(con):
            # Appended, so unique names stay unique; SQL, as an import or another tool could have written it.
            con.execute(f'UPDATE "{table}" SET "{column}" = coalesce("{column}", \'\') || ?', [HOSTILE])  # noqa: S608
    return path


def strings(value, skip=()):
    """Every string inside a JSON-like value, leaving out the values of keys in ``skip``."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in skip:
                yield from strings(item, skip)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item, skip)


def raw_in_figure(spec: str) -> list[str]:
    """The store markup found unescaped anywhere in a Plotly figure's JSON."""
    return [s for s in strings(json.loads(spec)) for raw in RAW_PLOTLY if raw in s]


def raw_in_markdown(text: str) -> list[str]:
    """The Markdown traps of :data:`HOSTILE` that ``text`` holds unescaped."""
    return [p.pattern for p in RAW_MARKDOWN if p.search(text)]
