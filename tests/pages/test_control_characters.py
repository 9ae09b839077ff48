"""A store that holds control characters (ESC, NUL, BEL written with SQL, past the importer that now refuses them)
still draws /portfolio, whose Excel download is built on every run, and /data (issue 16, case 7)."""

from __future__ import annotations

import shutil

import pytest

from analytics import store
from tests.apptest import open_page, problems


@pytest.fixture
def control_store(demo_store_path, tmp_path):
    path = tmp_path / "control.duckdb"
    shutil.copyfile(demo_store_path, path)
    con = store.connect(path)
    con.execute(
        "UPDATE projects SET name = 'Ev' || chr(27) || '[31mil' || chr(0) || chr(7), program = 'Core' || chr(27) "
        "WHERE project_id = (SELECT min(project_id) FROM projects)"
    )
    project_id = con.execute("SELECT min(project_id) FROM projects").fetchone()[0]
    con.close()
    return path, project_id


def download_labels(at) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


def test_the_portfolio_page_and_its_excel_download_work(monkeypatch, control_store):
    path, project_id = control_store
    at = open_page(monkeypatch, path, "pages/portfolio.py", query={"tab": "Health and money"})
    assert problems(at) == []
    assert "Download Excel" in download_labels(at)
    at = open_page(monkeypatch, path, "pages/portfolio.py", query={"project": project_id})
    assert problems(at) == []


def test_the_data_page_works(monkeypatch, control_store):
    path, _ = control_store
    at = open_page(monkeypatch, path, "pages/data.py")
    assert problems(at) == []
    assert "Excel workbook" in download_labels(at)
