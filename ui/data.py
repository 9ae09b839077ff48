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


@st.cache_resource(show_spinner=False)
def _connection(path: str) -> duckdb.DuckDBPyConnection:
    return store.connect(path)


def store_path() -> str:
    """The store this app serves: ``$QUARTERDECK_DB`` or ``data/demo.duckdb``."""
    return str(store.resolve_path())


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


def settings() -> store.Settings:
    """The store's settings (as_of, currency, company, discount rate, fiscal year start)."""
    return query(store.read_settings)
