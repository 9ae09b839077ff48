"""A served store in Chromium (issue 16, cases 1, 2, 9): the CLI will not rebuild it under the server, a file
renamed over it is said and then served, a bad setting leaves /data usable, a damaged store is one sentence."""

from __future__ import annotations

import os
import shutil

import pytest

from analytics import store
from tests.chromium import READY, chromium_page, open_and_wait, require_chromium, served_app
from tests.cli import run_cli
from tests.damaged import damaged_copy

PATHS = ["/", "/product", "/portfolio", "/what-if", "/scenarios", "/data"]


def shows(page, url: str, text: str) -> None:
    """Open ``url`` and wait until ``text`` is on the page and the script has finished."""
    page.goto(url)
    page.get_by_text(text, exact=False).first.wait_for(timeout=90_000)
    page.wait_for_selector(READY, timeout=90_000)


def test_a_served_store_is_not_rebuilt_under_the_server_and_a_replacement_is_said(demo_store_path, tmp_path):
    require_chromium()
    served = tmp_path / "served.duckdb"
    shutil.copyfile(demo_store_path, served)
    with served_app(served, tmp_path / "streamlit.log") as url, chromium_page() as page:
        open_and_wait(page, url + "/data")
        page.get_by_text("CSV or Excel file, up to 200 MB").wait_for()
        before = served.read_bytes()
        done = run_cli("demo", "--db", str(served))  # in this process: the server is the other one
        assert done.returncode == 2
        [line] = done.stderr.splitlines()
        assert f"The store {served} is open in another process (" in line and "so it was not rebuilt" in line
        assert served.read_bytes() == before
        # Renamed over, as a restore or a rebuild elsewhere would: the next view says so, the one after serves it.
        replacement = tmp_path / "replacement.duckdb"
        store.create_empty_store(replacement)
        os.replace(replacement, served)
        shows(page, url + "/data", f"The store {served} was replaced by another file")
        assert page.locator("[data-testid='stException']").count() == 0
        open_and_wait(page, url + "/data")
        page.get_by_text("0 of 23").wait_for()  # the new, empty store's tables


def test_a_bad_setting_leaves_the_data_page_with_its_importer(demo_store_path, tmp_path):
    require_chromium()
    path = tmp_path / "bad-setting.duckdb"
    shutil.copyfile(demo_store_path, path)
    con = store.connect(path)
    con.execute("UPDATE settings SET value = '1.5' WHERE key = 'fiscal_year_start_month'")
    con.close()
    with served_app(path, tmp_path / "streamlit.log") as url, chromium_page() as page:
        open_and_wait(page, url + "/data")
        page.get_by_text("CSV or Excel file, up to 200 MB").wait_for()
        sidebar = page.locator("[data-testid='stSidebar']")
        assert 'The setting fiscal_year_start_month in this store is "1.5"' in sidebar.inner_text()
        assert page.get_by_text("This view could not be drawn").count() == 0
        assert page.locator("[data-testid='stException']").count() == 0


@pytest.mark.parametrize("how", ["truncated to 4 KB", "corrupted mid-file"])
def test_a_damaged_store_is_one_sentence_on_every_page(demo_store_path, tmp_path, how):
    require_chromium()
    path = damaged_copy(demo_store_path, tmp_path / "damaged.duckdb", how)
    with served_app(path, tmp_path / "streamlit.log") as url, chromium_page() as page:
        for route in PATHS:
            shows(page, url + route, f"The store {path} is damaged: restore a backup")
            assert page.locator("[data-testid='stAlertContentError']").count() == 1
            assert page.locator("[data-testid='stException']").count() == 0
