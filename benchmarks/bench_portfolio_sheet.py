"""Importing a portfolio sheet of 5,000 projects (the issue's bar: under 5 s), as CSV and as Excel, into an empty
store each run, and exporting it back. Also runs alone: ``python -m benchmarks.bench_portfolio_sheet``."""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

import pandas as pd

from analytics import store
from analytics.portfolio_sheet import import_sheet, portfolio_xlsx
from analytics.portfolio_sheet.export import sheet_workbook

# Imports write: no warm-up needed, three timed runs each.
WARMUP = False
REPEAT = 3
PROJECTS = 5_000
TEAMS = ("T-DATA", "T-WEB", "T-OPS")
OBJECTIVES = ("GROWTH", "EFFICIENCY")


def portfolio_sheet_frame(projects: int = PROJECTS, seed: int = 7) -> pd.DataFrame:
    """A sheet of ``projects`` rows: 6-24 months each, cost, annual benefit, three teams, two fits, and a
    dependency on an earlier project for every third one (so the graph has no cycle)."""
    rng = random.Random(seed)
    rows = []
    for i in range(projects):
        start = date(2026 + rng.randrange(3), rng.randrange(1, 13), 1)
        months = rng.randrange(6, 25)
        end_index = start.year * 12 + start.month - 1 + months - 1
        end = date(end_index // 12, end_index % 12 + 1, 28)
        row = {
            "project_id": f"P-{i:05d}",
            "name": f"Project {i}",
            "program": f"Program {i % 12}",
            "stage": rng.choice(["proposed", "approved", "active"]),
            "start": start.isoformat(),
            "end": end.isoformat(),
            "cost": round(rng.uniform(50_000, 5_000_000), 2),
            "annual_benefit": round(rng.uniform(0, 3_000_000), 2),
            "benefit_years": rng.randrange(1, 6),
            "probability_of_success": round(rng.uniform(0.3, 1), 2),
            "mandatory": "yes" if rng.random() < 0.05 else "no",
            "depends_on": f"P-{rng.randrange(i):05d}" if i and i % 3 == 0 else "",
        }
        for team in TEAMS:
            row[f"fte_{team}"] = round(rng.uniform(0, 4), 1) if rng.random() < 0.6 else ""
        for objective in OBJECTIVES:
            row[f"fit_{objective}"] = rng.randrange(6)
        rows.append(row)
    return pd.DataFrame(rows)


def cases():
    folder = Path(tempfile.mkdtemp(prefix="quarterdeck-bench-sheet-"))
    frame = portfolio_sheet_frame()
    csv_path = folder / "portfolio.csv"
    frame.to_csv(csv_path, index=False)
    xlsx_path = folder / "portfolio.xlsx"
    sheet_workbook(frame.replace("", None)).save(xlsx_path)

    def import_into_empty(path: Path):
        def run():
            target = folder / "target.duckdb"
            target.unlink(missing_ok=True)
            con = store.connect(target)
            try:
                result = import_sheet(con, path, imported_by="bench")
                assert result.accepted, result.problem_lines()[:3]
            finally:
                con.close()

        return run

    def export_back():
        con = store.connect(folder / "target.duckdb", read_only=True)
        try:
            portfolio_xlsx(con)
        finally:
            con.close()

    return [
        (
            f"import a portfolio sheet of {PROJECTS:,} projects from CSV into an empty store",
            import_into_empty(csv_path),
        ),
        (
            f"import a portfolio sheet of {PROJECTS:,} projects from Excel into an empty store",
            import_into_empty(xlsx_path),
        ),
        (f"export the portfolio sheet of {PROJECTS:,} projects to Excel", export_back),
    ]


def main() -> None:
    for name, run in cases():
        timings = []
        for _ in range(REPEAT):
            started = time.perf_counter()
            run()
            timings.append(time.perf_counter() - started)
        shown = ", ".join(f"{t:.2f}" for t in timings)
        print(f"{name}: median {statistics.median(timings):.2f} s ({shown})")


if __name__ == "__main__":
    main()
