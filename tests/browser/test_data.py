"""The /data page in Chromium: the uploader takes a file, a bad one lists its problems, a good one is imported,
and a project called <img src=x onerror=alert(1)> shows those characters and runs nothing, here and on /portfolio."""

from __future__ import annotations

import shutil
import zipfile

import pytest

from analytics import store
from tests.chromium import READY, chromium_page, open_and_wait, require_chromium, served_app

XSS = "<img src=x onerror=alert(1)>"
HEADER = "project_id,name,stage,start_date,end_date,budget,probability_of_success\n"


@pytest.fixture(scope="module")
def data_app(demo_store_path, tmp_path_factory):
    require_chromium()
    folder = tmp_path_factory.mktemp("data-page")
    shutil.copyfile(demo_store_path, folder / "store.duckdb")
    with served_app(folder / "store.duckdb", folder / "streamlit.log") as url:
        yield url


def upload(page, path) -> None:
    # The per-table uploader (the portfolio sheet has one of its own further down).
    uploader = page.locator("[data-testid='stFileUploader']").filter(has_text="CSV or Excel file, up to")
    uploader.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(path))
    # Once the server has the file the page reruns and asks for the import (no outcome for this file yet).
    page.get_by_text("Press Import: every row is checked first").wait_for()
    page.wait_for_selector(READY)


def test_upload_a_bad_file_then_a_good_one(data_app, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "P-900,,proposed,2027-01-01,2026-12-31,5000,0.4\n")
    good = tmp_path / f"{XSS}.csv"
    good.write_text(HEADER + f"P-XSS,{XSS},proposed,2027-01-01,2027-12-31,5000,0.4\n")
    with chromium_page() as page:
        dialogs = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        open_and_wait(page, data_app + "/data")
        # A fresh server's first deep link runs the page twice (ui/shell.ensure_framed): wait for the uploader.
        page.get_by_text("CSV or Excel file, up to 200 MB").wait_for()

        upload(page, bad)
        page.get_by_role("button", name="Import into projects").click()
        page.get_by_text("2 problems").first.wait_for()
        page.wait_for_selector(READY)
        assert page.get_by_text("Not imported: 2 problems in bad.csv").count() == 1

        upload(page, good)
        page.get_by_role("button", name="Import into projects").click()
        page.get_by_text("Imported 1 row from").wait_for()
        page.wait_for_selector(READY)
        # The file name is shown as typed, in the message and in the uploader's list; nothing is run.
        assert page.get_by_text(f"Imported 1 row from {XSS}.csv into projects", exact=False).count() == 1
        assert page.locator("img[src='x']").count() == 0

        # The export is built when its button is pressed, on another thread, from the store as it now is.
        with page.expect_download() as download:
            page.get_by_role("button", name="CSV files (zip)").click()
        with zipfile.ZipFile(download.value.path()) as archive:
            assert sorted(archive.namelist()) == sorted(f"{t}.csv" for t in store.CONTRACT_TABLES)
            assert XSS.encode() in archive.read("projects.csv")
        assert page.console_errors == []

        # The portfolio page's project detail shows the name as its heading, as text.
        open_and_wait(page, data_app + "/portfolio?project=P-XSS")
        assert page.get_by_role("heading", name=f"P-XSS · {XSS}").count() == 1
        assert page.locator("img[src='x']").count() == 0
        assert page.locator("[data-testid='stException']").count() == 0
        assert dialogs == []
