"""Shared fixtures: the demo store built once per test session (shared by every xdist worker), read-only
connections to it."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
from pathlib import Path

import duckdb
import pytest
from hypothesis import settings

from analytics import store

DEMO_SEED = 7

# Hypothesis profiles, chosen with HYPOTHESIS_PROFILE (loaded here, before any test module is imported, so that
# tests/properties.examples scales each test's budget by the loaded profile's max_examples): the default runs a
# quarter of every property test's examples, `thorough` four times as many. No deadline in either: two shared cores
# make an example's time meaningless.
settings.register_profile("default", max_examples=25, deadline=None)
settings.register_profile("thorough", max_examples=400, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(scope="session", autouse=True)
def temporary_files_in_the_test_run(tmp_path_factory):
    """The app's temporary files (an upload's ``quarterdeck-upload-*`` folder, kept while its session previews it)
    go under this run's pytest folder, for the in-process app and every served one: a test's session ends without
    the upload being removed, and a full run left about 19 such folders in /tmp. Pytest keeps the last three runs'
    folders and deletes older ones, these with them."""
    folder = tmp_path_factory.getbasetemp() / "tmp"
    folder.mkdir(exist_ok=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TMPDIR", str(folder))  # served apps (subprocesses) inherit it
        patch.setattr(tempfile, "tempdir", str(folder))
        yield folder


@pytest.fixture(scope="session")
def demo_store_path(tmp_path_factory, worker_id):
    """Path of a demo-scale store at seed 7, built once for the whole session; tests must not write to it.

    Under xdist the workers share one build (pytest-xdist's recipe for session data): the first to take the lock
    builds into the session's common folder, the others wait for it and reuse the file.
    """
    from analytics.demo import build_demo

    if worker_id == "master":
        path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
        build_demo(path, scale="demo", seed=DEMO_SEED)
        return path
    shared = tmp_path_factory.getbasetemp().parent
    path = shared / "demo.duckdb"
    with open(shared / "demo.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            # Built aside and renamed, so a worker never sees a half-built store, even after a crash.
            partial = shared / f"demo-{worker_id}.duckdb"
            build_demo(partial, scale="demo", seed=DEMO_SEED)
            os.replace(partial, path)
    return path


@pytest.fixture
def demo_con(demo_store_path):
    """A read-only connection to the shared demo store."""
    con = store.connect(demo_store_path, read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="session")
def empty_store_file(tmp_path_factory):
    """A store just created by ``store.connect``, for ``empty_con`` to copy: copying costs less than creating."""
    path = tmp_path_factory.mktemp("empty") / "empty.duckdb"
    store.connect(path).close()
    return path


@pytest.fixture
def empty_con(empty_store_file, tmp_path):
    """A read-write connection to a new, empty store with every contract table (a copy of one just created)."""
    path = tmp_path / "empty.duckdb"
    shutil.copyfile(empty_store_file, path)
    con = store.connect(path)
    yield con
    # The store goes with tmp_path: closing it without the checkpoint (a write and an fsync of every table the test
    # filled) loses nothing, and takes 8 ms instead of 25 (5 CPU-ms instead of 9), over some 360 unit tests.
    with contextlib.suppress(duckdb.ConnectionException):  # a test may have closed it already
        con.execute("PRAGMA disable_checkpoint_on_shutdown")
    con.close()


@pytest.fixture(scope="session")
def app_store_path(demo_store_path, tmp_path_factory):
    """A copy of the demo store for the in-process app (AppTest), which opens its store read-write."""
    path = tmp_path_factory.mktemp("app") / "app.duckdb"
    shutil.copyfile(demo_store_path, path)
    return path


TESTS = Path(__file__).resolve().parent
DEPTHS = ("unit", "pages", "browser")
MARK_OF_DEPTH = {"unit": "unit", "pages": "page", "browser": "browser"}
# Tests of tests/unit that mark themselves so (a child process, a render through Chromium): not functions of
# analytics called in the test's own process, so they stay out of `-m unit`; `make test` runs them with the rest.
NOT_UNIT = ("process", "render")


def pytest_collection_modifyitems(config, items):
    """Mark every test by the folder it lives in, so ``-m unit`` (``make test-fast``) selects the unit tests."""
    for item in items:
        depth = Path(item.fspath).resolve().relative_to(TESTS).parts[0]
        if depth not in DEPTHS:
            raise pytest.UsageError(f"{item.nodeid}: a test lives in tests/unit, tests/pages or tests/browser")
        kinds = [kind for kind in NOT_UNIT if item.get_closest_marker(kind)]
        if kinds and depth != "unit":
            raise pytest.UsageError(f"{item.nodeid}: only a test of tests/unit is marked {kinds[0]}")
        if item.get_closest_marker("unit") and kinds:
            raise pytest.UsageError(f"{item.nodeid}: a {kinds[0]} test is not a unit test: drop its unit mark")
        if not kinds:
            item.add_marker(MARK_OF_DEPTH[depth])
