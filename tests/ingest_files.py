"""Shared by the ingest test modules: writing a file and loading it (``small_store`` is in tests/unit/conftest.py)."""

from __future__ import annotations

from pathlib import Path

from analytics import ingest


def write(folder: Path, text: str, name: str = "f.csv", encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def load(store_path: Path, table: str, path: Path) -> ingest.ImportResult:
    return ingest.import_file(store_path, table, path, imported_by="test")
