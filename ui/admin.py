"""The Data page's reads, writes and store administration, so that the page imports no store layer and opens no cursor.

Reads go through ``ui.data.query`` (cached by store version); an import runs through ``ui.data.write`` on a cursor
of its own; store actions (open, create, rebuild the demo) switch the store every session serves, and tell every
other session so on its next rerun. Every write here is the admin's: each helper calls ``auth.require("admin", ...)``
before it writes, and records the identity it returns (a refusal is ``auth.Refused``, a ``StoreError`` sentence).

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

from analytics import demo, ingest, store, users
from analytics.spreadsheets import EXCEL_MAX_ROWS
from ui import auth, data

__all__ = [
    "EXCEL_MAX_ROWS",
    "IMPORTABLE_TABLES",
    "ROLES",
    "GrantError",
    "StoreError",
    "counted",
    "create_and_open_store",
    "describe",
    "export_download",
    "grant_role",
    "grants",
    "import_file",
    "import_upload",
    "open_store",
    "other_stores",
    "preview_upload",
    "rebuild_demo",
    "recent_imports",
    "revoke_role",
    "store_overview",
    "sweep_stale_uploads",
    "template_csv",
    "template_xlsx",
]

# Passed through as they are: they read the schema or the uploaded file, never the store, so need no cursor or cache.
IMPORTABLE_TABLES = ingest.IMPORTABLE_TABLES
StoreError = store.StoreError
counted = ingest.counted
ROLES = users.ROLES
GrantError = users.GrantError
describe = ingest.describe
template_csv = ingest.template_csv
template_xlsx = ingest.template_xlsx


def store_overview() -> pd.DataFrame:
    """Every contract table of the open store with its row count and its last import."""
    return data.query(store.store_overview)


def recent_imports(limit: int = 10) -> pd.DataFrame:
    """The open store's latest ``limit`` imports, newest first."""
    return data.query(store.recent_imports, limit)


def import_file(table: str, path: Path, *, file_name: str, progress: ingest.Progress) -> ingest.ImportResult:
    """Import the file at ``path`` into ``table`` of the open store as the signed-in admin: all rows or none.

    The import's transaction bumps the store version, so every cached read shows it on the next rerun.
    """
    identity = auth.require("admin", f"Importing into {table}")
    return data.write(
        ingest.import_into, table, path, file_name=file_name, imported_by=identity.name, progress=progress
    )


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


def import_upload(table: str, upload: Upload, *, progress: ingest.Progress) -> ingest.ImportResult:
    """Import an upload into ``table``: written to a folder of its own for the import, deleted when it ends."""
    auth.require("admin", f"Importing into {table}")  # before the upload touches the disk
    sweep_stale_uploads()
    folder = Path(tempfile.mkdtemp(prefix=UPLOAD_PREFIX))
    try:
        # The user's file name is kept only for its extension; messages use the name as uploaded.
        path = folder / f"upload{Path(upload.name).suffix.lower()}"
        upload.seek(0)
        with open(path, "wb") as saved:
            shutil.copyfileobj(upload, saved, 1 << 22)  # type: ignore[arg-type]
        upload.seek(0)
        return import_file(table, path, file_name=upload.name, progress=progress)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def export_download(fmt: str) -> Callable[[], bytes]:
    """The whole store as one download, built only when its button is pressed."""
    # The download is built on another thread, where the session's cached connection cannot be looked up: the
    # connection is taken now and the builder opens a cursor of its own on it.
    cursor = data.reader()

    def build() -> bytes:
        with cursor() as cur:
            return ingest.export_bytes(cur, fmt)

    return build


def other_stores(open_path: Path) -> list[Path]:
    """The stores beside the open one, which the page offers to open instead."""
    return [path for path in store.stores_in(open_path.parent) if path != open_path]


def open_store(path: Path) -> None:
    """Serve the store at ``path`` in every session, once it opens as a Quarterdeck store (admin only).

    Raises ``StoreError`` (a sentence: not a Quarterdeck store, damaged, held by another process, gone; or
    ``auth.Refused``, also for a signed-in admin with no admin grant in that store) and then switches nothing, so
    every session keeps the store it had. The store served before stays open for the queries still running on it.
    """
    auth.require("admin", "Opening another store")  # before the other store's file is even opened
    data.check_store(str(path))
    identity = auth.require_in(path, "admin", f"Opening the store {path.name}")
    data.switch_store(str(path))
    data.announce(f"{identity.name} opened the store {path.name} for everyone")


def create_and_open_store(folder: Path, name: str) -> Path:
    """Create an empty store called ``name`` in ``folder`` and serve it (admin only); ``StoreError`` for a bad
    name or a refusal.

    The open store's role grants are carried into it: the same people use it, and an admin who started it must
    not be locked out of it (grants live in each store).
    """
    identity = auth.require("admin", "Starting an empty store")
    carried = data.query(users.list_grants)
    path = store.create_empty_store(store.new_store_path(folder, name))
    if not carried.empty:
        with store.connect(path) as con:
            users.grant_each(con, zip(carried["principal"], carried["role"], strict=True), granted_by=identity.name)
    data.switch_store(str(path))
    data.announce(f"{identity.name} started the empty store {path.name} for everyone")
    return path


def rebuild_demo(demo_path: Path) -> None:
    """Build the demo store afresh at ``demo_path`` and serve it (admin only).

    Raises ``StoreError`` when another process holds the demo store, or a query on it runs on and on; it is then
    left as it was. Queries running on the old file finish first; sessions opening it meanwhile wait for the new one.
    """
    identity = auth.require("admin", "Rebuilding the demo store")
    with data.maintaining(str(demo_path)):
        demo.build_demo(demo_path)
    data.switch_store(str(demo_path))
    data.announce(f"{identity.name} rebuilt the demo store {demo_path.name}")


def grants() -> pd.DataFrame:
    """Every role grant of the open store (admins first)."""
    return data.query(users.list_grants)


def grant_role(principal: str, role: str) -> str:
    """Give ``principal`` (an email or ``group:NAME``) ``role``, as the signed-in admin; return it as stored.

    Raises ``users.GrantError`` for a bad principal or role, ``auth.Refused`` for anyone but an admin.
    """
    identity = auth.require("admin", "Granting a role")
    return data.write(users.grant, principal, role, granted_by=identity.name)


def revoke_role(principal: str) -> bool:
    """Remove ``principal``'s grant, as the signed-in admin; return whether it had one.

    An admin may not revoke their own grant when it is the last admin one: nobody could manage roles after.
    """
    identity = auth.require("admin", "Revoking a role")
    who = users.principal_of(principal)
    if identity.email == who and data.query(users.admin_emails) == [who]:
        raise users.GrantError(f"{who} is the only admin: grant admin to someone else before revoking it.")
    return data.write(users.revoke, who)
