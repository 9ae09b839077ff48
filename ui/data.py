"""The store connection and cached calls into analytics.

The app holds one read-write connection per store (``st.cache_resource``); every call runs on its own
``cursor()`` because DuckDB connections are not shared across threads and Streamlit serves each session on
its own thread. Results are cached per store version, so an import or a saved scenario shows everywhere on
the next rerun without clearing caches by hand.

The file a connection opened is remembered by its identity (device, inode). Every call compares it with what
the path names now, before a write and again after it: a store replaced (rebuilt, restored, moved over) or
removed while served is said in a sentence (``StoreReplacedError``, ``StoreRemovedError``) instead of being
read or written as the deleted file, and a write into a file that is no longer there is never confirmed.

Store maintenance (rebuilding the demo, opening another store, starting an empty one) serves every session, so
it never closes a connection under a running query: every cursor is a lease on its connection (``_Opened``), and a
connection taken out of service (``release``) is closed by whichever lease ends last. A rebuild holds its path
(``maintaining``): sessions that open it meanwhile wait for the new file instead of reading the old one, because
DuckDB hands a process that opens a path again the database it already has open there. Each maintenance action
is announced (``announce``), and every other session is told on its next rerun (``unseen_changes``).
"""

from __future__ import annotations

import logging
import pickle
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import plotly.graph_objects as go
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


@dataclass(eq=False)
class _Opened:
    con: duckdb.DuckDBPyConnection
    #: (device, inode) of the file opened; while the app holds it open, no other file can have it.
    identity: tuple[int, int] | None
    #: Whether opening it created the store (the path named no file).
    created: bool
    #: Cursors open on it now; a retired connection is closed when the last of them ends.
    leases: int = 0
    #: Taken out of service: no new cursor, closed once unused.
    retired: bool = False
    changed: threading.Condition = field(default_factory=threading.Condition)

    def enter(self) -> bool:
        """Take a lease; ``False`` when the connection is retired (look the store's connection up again)."""
        with self.changed:
            if self.retired:
                return False
            self.leases += 1
            return True

    def leave(self) -> None:
        with self.changed:
            self.leases -= 1
            if self.retired and self.leases == 0:
                self.con.close()
            self.changed.notify_all()

    def retire(self, wait_s: float | None) -> bool:
        """Take it out of service; close it now if unused, else when its last lease ends. With ``wait_s``, wait
        that long for the running queries to end; return whether it is closed."""
        with self.changed:
            self.retired = True
            if wait_s is not None:
                self.changed.wait_for(lambda: self.leases == 0, timeout=wait_s)
            if self.leases == 0:
                self.con.close()
                return True
            return False


# The connections the app holds, by store path, so that one can be retired before its file is replaced.
_OPENED: dict[str, _Opened] = {}
# One lock per store path under maintenance: opening that path waits while a rebuild holds it.
_MAINTAINED: dict[str, threading.Lock] = {}
_MAINTAINED_GUARD = threading.Lock()
#: How long a rebuild waits for queries still running on the old store before it gives up with a sentence.
DRAIN_WAIT_S = 120.0


def _maintenance_lock(path: str) -> threading.Lock:
    with _MAINTAINED_GUARD:
        return _MAINTAINED.setdefault(path, threading.Lock())


@st.cache_resource(show_spinner=False)
def _connection(path: str) -> _Opened:
    with _maintenance_lock(path):  # a rebuild of this path finishes before it is opened again
        existed = Path(path).exists()
        con = store.connect(path)
        if not existed:
            log.warning("There was no store at %s: created a new, empty one there.", path)
        opened = _Opened(con, store.file_identity(path), created=not existed)
        _OPENED[path] = opened
    return opened


@contextmanager
def _cursor(path: str) -> Iterator[tuple[_Opened, duckdb.DuckDBPyConnection]]:
    """A cursor on the app's connection to ``path``, leased so that no maintenance closes it while in use."""
    while True:
        opened = _connection(path)
        if opened.enter():
            break
        _connection.clear(path)  # retired after it was cached: the next look-up opens the store afresh
    try:
        with opened.con.cursor() as cur:
            yield opened, cur
    finally:
        opened.leave()


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


def release(path: str | None = None, wait_s: float | None = None) -> bool:
    """Take the app's connection to a store (default: the open one) out of service and forget cached results, so
    the next call opens the store's file afresh; return whether the old connection is closed.

    It is closed once no cursor uses it: at once if none does, else by the last query still running on it. With
    ``wait_s``, wait that long for those queries (a rebuild must, before it replaces the file).
    """
    target = str(path or store_path())
    opened = _OPENED.pop(target, None)
    _connection.clear(target)
    _cached_call.clear()
    return True if opened is None else opened.retire(wait_s)


@contextmanager
def maintaining(path: str) -> Iterator[None]:
    """Hold the store at ``path`` for replacing its file: sessions that open it meanwhile wait for the new file.

    Its connection is retired first and the block runs once the queries still using it have ended; raises
    ``StoreError`` (and changes nothing) when they have not within ``DRAIN_WAIT_S``.
    """
    target = str(path)
    with _maintenance_lock(target):
        if not release(target, wait_s=DRAIN_WAIT_S):
            raise StoreError(
                f"A long query is still running on {Path(target).name}, so it was not replaced: try again in a minute."
            )
        yield
        release(target)  # in case a session reopened the old file meanwhile


@dataclass(frozen=True)
class StoreChange:
    """One store maintenance action, told to every session on its next rerun."""

    number: int
    sentence: str


@st.cache_resource(show_spinner=False)
def _changes() -> list[StoreChange]:
    # Every maintenance action since the server started, oldest first (a few a day: never trimmed).
    return []


_CHANGES_GUARD = threading.Lock()
_SEEN_KEY = "_store_changes_seen"


def announce(sentence: str) -> None:
    """Tell every other open session, on its next rerun, that the data changed (``sentence`` says how)."""
    changes = _changes()
    with _CHANGES_GUARD:
        number = len(changes) + 1
        changes.append(StoreChange(number, f"{sentence} ({time.strftime('%H:%M')}): the figures are from it now."))
    st.session_state[_SEEN_KEY] = number  # the session that did it knows


def unseen_changes() -> list[str]:
    """The maintenance actions this session has not been told of yet (none on its first run), oldest first."""
    changes = _changes()
    seen = st.session_state.get(_SEEN_KEY)
    st.session_state[_SEEN_KEY] = len(changes)
    if seen is None:
        return []
    return [change.sentence for change in changes[seen:]]


def check_store(path: str) -> None:
    """Open the store at ``path`` as the app would, raising ``StoreError`` when it is not one it can serve.

    Nothing is switched: the Data page's "open" calls this first, so a refused file changes no session.
    """
    if not Path(path).exists():
        raise StoreError(f"There is no store at {path} any more: choose another one, or start an empty store.")
    _same_file(path, _connection(path))


def query_in(path: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call ``fn(cursor, *args, **kwargs)`` on the store at ``path`` (not the one served), uncached: what holds in
    another store now, before switching to it (its grants, say). ``StoreError`` when it cannot be opened."""
    with store.reporting_damage(path), _cursor(path) as (_, cur):
        return fn(cur, *args, **kwargs)


def reader() -> Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]:
    """A cursor for later, on another thread (a download built when its button is pressed), where the session's
    cached connection cannot be looked up: ``with reader()() as cur``. The connection is leased while the cursor is
    open; one retired meanwhile (the store rebuilt or replaced) is a ``StoreReplacedError`` sentence.

    Raises ``store.StoreError`` with a sentence now when the store cannot open.
    """
    path, opened = _opened()

    @contextmanager
    def cursor() -> Iterator[duckdb.DuckDBPyConnection]:
        if not opened.enter():
            raise StoreReplacedError(
                f"The store {Path(path).name} was rebuilt or replaced since this page was drawn: reload the page."
            )
        try:
            with store.reporting_damage(path), opened.con.cursor() as cur:
                yield cur
        finally:
            opened.leave()

    return cursor


def opened_new_store() -> bool:
    """Whether the app created the store it serves (its path named no file) and nothing is written to it yet."""
    _, opened = _opened()
    return opened.created and store_version() == 0


def store_version() -> int:
    """The store's write counter: part of every cache key so a committed write refreshes what it changed."""
    path, _ = _opened()
    with store.reporting_damage(path), _cursor(path) as (_, cur):
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
    with store.reporting_damage(path), _cursor(path) as (_, cur):
        return _as_a_hit_returns(_fn(cur, *args, **kwargs))


def _as_a_hit_returns(value: T) -> T:
    """What a cache hit will return for ``value``: a figure as its unpickled copy, anything else as it is.

    ``st.cache_data`` returns the built object on a miss and an unpickled copy on every hit. An unpickled figure lists
    its layout's properties in Plotly's own order, a built one in the order they were set; Streamlit hashes that JSON
    into a chart's element id, so the id changed between a page's first run and its second, and the browser's
    selection on the value map, sent for the first run's id, was dropped (the bubble click that opened nothing).
    """
    if isinstance(value, go.Figure):
        return pickle.loads(pickle.dumps(value))  # noqa: S301 -- our own object, pickled just now
    return value


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
    return _as_a_hit_returns(_build(*_frames, **kwargs))


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
    _same_file(path, _connection(path), saving=True)
    with store.reporting_damage(path), _cursor(path) as (opened, cur):
        result = fn(cur, *args, **kwargs)
    _same_file(path, opened, saving=True)
    return result


def settings() -> store.Settings:
    """The store's settings (as_of, currency, company, discount rate, fiscal year start)."""
    return query(store.read_settings)
