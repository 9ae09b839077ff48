"""The Data page's reads, writes and store administration, so that the page imports no store layer and opens no cursor.

Reads go through ``ui.data.query`` (cached by store version); an import runs through ``ui.data.write`` on a cursor
of its own; store actions (open, create, rebuild the demo) switch the store every session serves.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from analytics import demo, ingest, store
from analytics.spreadsheets import EXCEL_MAX_ROWS
from ui import data

__all__ = [
    "EXCEL_MAX_ROWS",
    "IMPORTABLE_TABLES",
    "StoreError",
    "create_and_open_store",
    "describe",
    "export_download",
    "import_file",
    "open_store",
    "other_stores",
    "preview",
    "rebuild_demo",
    "recent_imports",
    "store_overview",
    "template_csv",
    "template_xlsx",
]

# Passed through as they are: they read the schema or the uploaded file, never the store, so need no cursor or cache.
IMPORTABLE_TABLES = ingest.IMPORTABLE_TABLES
StoreError = store.StoreError
describe = ingest.describe
preview = ingest.preview
template_csv = ingest.template_csv
template_xlsx = ingest.template_xlsx


def store_overview() -> pd.DataFrame:
    """Every contract table of the open store with its row count and its last import."""
    return data.query(store.store_overview)


def recent_imports(limit: int = 10) -> pd.DataFrame:
    """The open store's latest ``limit`` imports, newest first."""
    return data.query(store.recent_imports, limit)


def import_file(
    table: str, path: Path, *, file_name: str, imported_by: str, progress: ingest.Progress
) -> ingest.ImportResult:
    """Import the file at ``path`` into ``table`` of the open store: all rows or none.

    The import's transaction bumps the store version, so every cached read shows it on the next rerun.
    """
    return data.write(ingest.import_into, table, path, file_name=file_name, imported_by=imported_by, progress=progress)


def export_download(fmt: str) -> Callable[[], bytes]:
    """The whole store as one download, built only when its button is pressed."""
    # The download is built on another thread, where the session's cached connection cannot be looked up: the
    # connection is taken now and the builder opens a cursor of its own on it.
    con = data.connection()

    def build() -> bytes:
        with con.cursor() as cur:
            return ingest.export_bytes(cur, fmt)

    return build


def other_stores(open_path: Path) -> list[Path]:
    """The stores beside the open one, which the page offers to open instead."""
    return [path for path in store.stores_in(open_path.parent) if path != open_path]


def open_store(path: Path) -> None:
    """Serve the store at ``path`` in every session, once it opens as a Quarterdeck store.

    Raises ``StoreError`` (a sentence: not a Quarterdeck store, damaged, held by another process, gone) and then
    switches nothing, so every session keeps the store it had.
    """
    data.check_store(str(path))
    data.switch_store(str(path))


def create_and_open_store(folder: Path, name: str) -> Path:
    """Create an empty store called ``name`` in ``folder`` and serve it; raises ``StoreError`` for a bad name."""
    path = store.create_empty_store(store.new_store_path(folder, name))
    data.switch_store(str(path))
    return path


def rebuild_demo(demo_path: Path) -> None:
    """Build the demo store afresh at ``demo_path`` and serve it.

    Raises ``StoreError`` when another process holds the demo store; it is then left as it was.
    """
    # The app's connection to the demo store is closed first: the new file is renamed over it. Closed again after,
    # in case a session reopened the old file meanwhile.
    data.release(str(demo_path))
    demo.build_demo(demo_path)
    data.release(str(demo_path))
    data.switch_store(str(demo_path))
