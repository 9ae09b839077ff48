"""The store connection and cached calls into analytics.

The app holds one read-write connection per store (``st.cache_resource``); every call runs on its own
``cursor()`` because DuckDB connections are not shared across threads and Streamlit serves each session on
its own thread. Results are cached per store version, so an import or a saved scenario shows everywhere on
the next rerun without clearing caches by hand.

The file a connection opened is remembered by its identity (device, inode). Every call compares it with what
the path names now, before a write and again after it: a store replaced (rebuilt, restored, moved over) or
removed while served is said in a sentence (``StoreReplacedError``, ``StoreRemovedError``) instead of being
read or written as the deleted file, and a write into a file that is no longer there is never confirmed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import streamlit as st

from analytics import store

T = TypeVar("T")
log = logging.getLogger("quarterdeck")

StoreError = store.StoreError
SettingsError = store.SettingsError


class StoreReplacedError(store.StoreError):
    """The store's path names another file than the one the app opened."""


class StoreRemovedError(store.StoreError):
    """The store's file was deleted while the app served it."""


@dataclass(frozen=True)
class _Opened:
    con: duckdb.DuckDBPyConnection
    #: (device, inode) of the file opened; while the app holds it open, no other file can have it.
    identity: tuple[int, int] | None
    #: Whether opening it created the store (the path named no file).
    created: bool


# The connections the app holds, by store path, so that one can be closed before its file is replaced.
_OPENED: dict[str, _Opened] = {}


@st.cache_resource(show_spinner=False)
def _connection(path: str) -> _Opened:
    existed = Path(path).exists()
    con = store.connect(path)
    if not existed:
        log.warning("There was no store at %s: created a new, empty one there.", path)
    opened = _Opened(con, store.file_identity(path), created=not existed)
    _OPENED[path] = opened
    return opened


def _same_file(path: str, opened: _Opened, saving: bool = False) -> None:
    """Raise a sentence when ``path`` no longer names the file ``opened`` holds."""
    now = store.file_identity(path)
    if now == opened.identity:
        return
    outcome = "this change was not saved" if saving else "nothing more was read from or written to it"
    if now is None:
        # The old connection is kept (never used again) rather than closed: reopening would create an empty store.
        log.error("The store %s was removed while served.", path)
        raise StoreRemovedError(
            f"The store {path} was removed while the app served it, so {outcome}: put the file back "
            "(from a backup, or rebuild it with `python -m analytics demo`) and reload the page."
        )
    log.warning("The store %s was replaced by another file while served; reopening it.", path)
    release(path)  # the next call opens the file that is there now
    raise StoreReplacedError(
        f"The store {path} was replaced by another file while the app served it (a rebuild, a restore or a copy), "
        f"so {outcome}: reload the page to open the new file."
    )


def _opened() -> tuple[str, _Opened]:
    path = store_path()
    opened = _connection(path)
    _same_file(path, opened)
    return path, opened


@st.cache_resource(show_spinner=False)
def _switched() -> dict[str, str]:
    # Stores opened on the Data page in place of the configured one (configured path -> opened path), for every
    # session until the server restarts. Keyed by the configured path so a different QUARTERDECK_DB starts afresh.
    return {}


def store_path() -> str:
    """The store this app serves: the one opened on the Data page, else ``$QUARTERDECK_DB`` or ``data/demo.duckdb``."""
    configured = str(store.resolve_path())
    return _switched().get(configured, configured)


def switch_store(path: str) -> None:
    """Serve the store at ``path`` from now on, in every session (the Data page's "open" and "new store")."""
    _switched()[str(store.resolve_path())] = str(path)


def release(path: str | None = None) -> None:
    """Close the app's connection to a store (default: the open one) and forget cached results, so that the
    store's file can be replaced (rebuilding the demo); the next call opens it again."""
    target = str(path or store_path())
    opened = _OPENED.pop(target, None)
    _connection.clear(target)
    _cached_call.clear()
    if opened is not None:
        opened.con.close()


def check_store(path: str) -> None:
    """Open the store at ``path`` as the app would, raising ``StoreError`` when it is not one it can serve.

    Nothing is switched: the Data page's "open" calls this first, so a refused file changes no session.
    """
    if not Path(path).exists():
        raise StoreError(f"There is no store at {path} any more: choose another one, or start an empty store.")
    _same_file(path, _connection(path))


def connection() -> duckdb.DuckDBPyConnection:
    """The app's connection to its store; raises ``store.StoreError`` with a sentence when it cannot open.

    Also when the store's file was replaced or removed since it was opened (``StoreReplacedError``,
    ``StoreRemovedError``).
    """
    return _opened()[1].con


def opened_new_store() -> bool:
    """Whether the app created the store it serves (its path named no file) and nothing is written to it yet."""
    _, opened = _opened()
    return opened.created and store_version() == 0


def store_version() -> int:
    """The store's write counter: part of every cache key so a committed write refreshes what it changed."""
    path, opened = _opened()
    with store.reporting_damage(path), opened.con.cursor() as cur:
        return store.data_version(cur)


@st.cache_data(max_entries=512, ttl=3600, show_spinner=False)
def _cached_call(
    _fn: Callable[..., T],
    fn_name: str,
    path: str,
    identity: tuple[int, int] | None,
    version: int,
    args: tuple,
    kwargs: dict,
) -> T:
    # identity is in the key so that a replaced file never gets the old file's cached results.
    with store.reporting_damage(path), _connection(path).con.cursor() as cur:
        return _fn(cur, *args, **kwargs)


def query(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call ``fn(cursor, *args, **kwargs)`` from analytics, cached by its name, its arguments and the store version.

    Never mutate what this returns in place: cached frames are shared between reruns.
    """
    name = f"{fn.__module__}.{fn.__qualname__}"
    path, opened = _opened()
    return _cached_call(fn, name, path, opened.identity, store_version(), args, kwargs)


@st.cache_data(max_entries=256, ttl=3600, show_spinner=False)
def _cached_figure(
    _build: Callable[..., T],
    build_name: str,
    path: str,
    identity: tuple[int, int] | None,
    version: int,
    key: tuple,
    _frames: tuple,
    kwargs: dict,
) -> T:
    return _build(*_frames, **kwargs)


def figure(build: Callable[..., T], key: tuple, *frames: Any, **kwargs: Any) -> T:
    """Call ``build(*frames, **kwargs)`` (a figure builder of ``analytics.charts``), cached by the builder's name,
    ``key``, ``kwargs`` and the store version.

    ``frames`` are not hashed (hashing big frames on every rerun costs what the cache saves): ``key`` must name
    every parameter they were queried with (product, window, grain...), as ``query`` would have been called.
    """
    name = f"{build.__module__}.{build.__qualname__}"
    path, opened = _opened()
    return _cached_figure(build, name, path, opened.identity, store_version(), key, frames, kwargs)


def write(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call ``fn(cursor, *args, **kwargs)`` from analytics uncached: a write (analytics runs it as one transaction,
    which bumps the store version, so cached reads refresh on the next rerun) or a read that must not be cached.

    Pages call this instead of opening a cursor themselves. The store's file is checked before and after: a
    write into a file that was replaced or removed meanwhile raises ``StoreReplacedError`` or
    ``StoreRemovedError`` (saying the change was not saved) instead of returning as if it were saved.
    """
    path = store_path()
    opened = _connection(path)
    _same_file(path, opened, saving=True)
    with store.reporting_damage(path), opened.con.cursor() as cur:
        result = fn(cur, *args, **kwargs)
    _same_file(path, opened, saving=True)
    return result


def settings() -> store.Settings:
    """The store's settings (as_of, currency, company, discount rate, fiscal year start)."""
    return query(store.read_settings)
