"""The Data page's reads, writes and store administration, so that the page imports no store layer and opens no cursor.

Reads go through ``ui.data.query`` (cached by store version); an import runs through ``ui.data.write`` on a cursor
of its own; store actions (open, create, rebuild the demo) switch the store every session serves.

An upload stays in memory (Streamlit holds it) for its preview; only an import writes it to a file, in a
``quarterdeck-upload-*`` folder of its own that is deleted when the import ends, accepted or not. Folders left by
a server that died mid-import are swept at the next upload once they are a day old.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import pandas as pd

from analytics import demo, ingest, store
from analytics.spreadsheets import EXCEL_MAX_ROWS
from ui import data

__all__ = [
    "EXCEL_MAX_ROWS",
    "IMPORTABLE_TABLES",
    "StoreError",
    "counted",
    "create_and_open_store",
    "describe",
    "export_download",
    "import_file",
    "import_upload",
    "open_store",
    "other_stores",
    "preview_upload",
    "rebuild_demo",
    "recent_imports",
    "store_overview",
    "sweep_stale_uploads",
    "template_csv",
    "template_xlsx",
]

# Passed through as they are: they read the schema or the uploaded file, never the store, so need no cursor or cache.
IMPORTABLE_TABLES = ingest.IMPORTABLE_TABLES
StoreError = store.StoreError
counted = ingest.counted
describe = ingest.describe
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


#: The folders an import writes its upload into, in the system's temporary folder.
UPLOAD_PREFIX = "quarterdeck-upload-"
#: An upload folder this old is left over from a server that stopped mid-import (no import takes a day).
STALE_UPLOAD_SECONDS = 24 * 3600


class Upload(Protocol):
    """What the page's file uploader gives: a name and the bytes, as a binary file in memory."""

    name: str

    def seek(self, offset: int, whence: int = 0) -> int: ...

    def read(self, size: int = -1) -> bytes: ...


def sweep_stale_uploads(now: float | None = None) -> int:
    """Delete upload folders older than a day from the temporary folder; return how many went."""
    cutoff = (time.time() if now is None else now) - STALE_UPLOAD_SECONDS
    swept = 0
    for folder in Path(tempfile.gettempdir()).glob(f"{UPLOAD_PREFIX}*"):
        try:
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
                swept += 1
        except OSError:  # another server's sweep got there first
            continue
    return swept


def preview_upload(upload: Upload, table: str) -> pd.DataFrame:
    """The first rows of an upload as they will be read for ``table``, from memory (no file is written)."""
    sweep_stale_uploads()
    return ingest.preview(upload, table, name=upload.name)  # type: ignore[arg-type]


def import_upload(table: str, upload: Upload, *, imported_by: str, progress: ingest.Progress) -> ingest.ImportResult:
    """Import an upload into ``table``: written to a folder of its own for the import, deleted when it ends."""
    sweep_stale_uploads()
    folder = Path(tempfile.mkdtemp(prefix=UPLOAD_PREFIX))
    try:
        # The user's file name is kept only for its extension; messages use the name as uploaded.
        path = folder / f"upload{Path(upload.name).suffix.lower()}"
        upload.seek(0)
        with open(path, "wb") as saved:
            shutil.copyfileobj(upload, saved, 1 << 22)  # type: ignore[arg-type]
        upload.seek(0)
        return import_file(table, path, file_name=upload.name, imported_by=imported_by, progress=progress)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


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
