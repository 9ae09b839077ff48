"""Shared fixtures: the demo store built once per test session (per xdist worker), read-only connections to it."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics import store

DEMO_SEED = 7


@pytest.fixture(scope="session")
def demo_store_path(tmp_path_factory):
    """Path of a demo-scale store at seed 7, built once; tests must not write to it."""
    from analytics.demo import build_demo

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    build_demo(path, scale="demo", seed=DEMO_SEED)
    return path


@pytest.fixture
def demo_con(demo_store_path):
    """A read-only connection to the shared demo store."""
    con = store.connect(demo_store_path, read_only=True)
    yield con
    con.close()


@pytest.fixture
def empty_con(tmp_path):
    """A read-write connection to a new, empty store with every contract table."""
    con = store.connect(tmp_path / "empty.duckdb")
    yield con
    con.close()


@pytest.fixture(scope="session")
def app_store_path(demo_store_path, tmp_path_factory):
    """A copy of the demo store for the in-process app (AppTest), which opens its store read-write."""
    import shutil

    path = tmp_path_factory.mktemp("app") / "app.duckdb"
    shutil.copyfile(demo_store_path, path)
    return path


TESTS = Path(__file__).resolve().parent
DEPTHS = ("unit", "pages", "browser")
MARK_OF_DEPTH = {"unit": "unit", "pages": "page", "browser": "browser"}


def pytest_collection_modifyitems(config, items):
    """Mark every test by the folder it lives in, so ``-m unit`` (``make test-fast``) selects the unit tests."""
    for item in items:
        depth = Path(item.fspath).resolve().relative_to(TESTS).parts[0]
        if depth not in DEPTHS:
            raise pytest.UsageError(f"{item.nodeid}: a test lives in tests/unit, tests/pages or tests/browser")
        item.add_marker(MARK_OF_DEPTH[depth])
