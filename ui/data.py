"""The store connection and cached calls into analytics.

The app holds one read-write connection per store (``st.cache_resource``); every call runs on its own
``cursor()`` because DuckDB connections are not shared across threads and Streamlit serves each session on
its own thread. Results are cached per store version, so an import or a saved scenario shows everywhere on
the next rerun without clearing caches by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import duckdb
import streamlit as st

from analytics import store

T = TypeVar("T")


# The connections the app holds, by store path, so that one can be closed before its file is replaced.
_OPENED: dict[str, duckdb.DuckDBPyConnection] = {}


@st.cache_resource(show_spinner=False)
def _connection(path: str) -> duckdb.DuckDBPyConnection:
    con = store.connect(path)
    _OPENED[path] = con
    return con


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
    con = _OPENED.pop(target, None)
    _connection.clear(target)
    _cached_call.clear()
    if con is not None:
        con.close()


def connection() -> duckdb.DuckDBPyConnection:
    """The app's connection to its store; raises ``store.StoreError`` with a sentence when it cannot open."""
    return _connection(store_path())


def store_version() -> int:
    """The store's write counter: part of every cache key so a committed write refreshes what it changed."""
    with connection().cursor() as cur:
        return store.data_version(cur)


@st.cache_data(max_entries=512, ttl=3600, show_spinner=False)
def _cached_call(_fn: Callable[..., T], fn_name: str, path: str, version: int, args: tuple, kwargs: dict) -> T:
    with _connection(path).cursor() as cur:
        return _fn(cur, *args, **kwargs)


def query(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call ``fn(cursor, *args, **kwargs)`` from analytics, cached by its name, its arguments and the store version.

    Never mutate what this returns in place: cached frames are shared between reruns.
    """
    name = f"{fn.__module__}.{fn.__qualname__}"
    return _cached_call(fn, name, store_path(), store_version(), args, kwargs)


def write(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call ``fn(cursor, *args, **kwargs)`` from analytics uncached: a write (analytics runs it as one transaction,
    which bumps the store version, so cached reads refresh on the next rerun) or a read that must not be cached.

    Pages call this instead of opening a cursor themselves.
    """
    with connection().cursor() as cur:
        return fn(cur, *args, **kwargs)


def settings() -> store.Settings:
    """The store's settings (as_of, currency, company, discount rate, fiscal year start)."""
    return query(store.read_settings)
