"""Fixtures of the unit tests' ingest modules."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture
def small_store(small_store_file, tmp_path) -> Path:
    """A fresh copy of the requesting module's ``small_store_file`` for one test to change (copying costs less than
    building it): each ingest module defines the small store it needs."""
    path = tmp_path / "small.duckdb"
    shutil.copyfile(small_store_file, path)
    return path
