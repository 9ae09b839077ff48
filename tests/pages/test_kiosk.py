"""Wall mode in-process (AppTest): a kiosk URL turns presentation mode on, hides the sidebar and every control,
schedules the next page of its rotation and keeps its parameters in the URL; a bad value is said in a sentence."""

from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import ROOT, TIMEOUT_S, open_page, problems
from ui import kiosk

ROTATION = {"kiosk": "30", "pages": "/,/portfolio"}


def kiosk_css_drawn(at) -> bool:
    return any("stSidebar" in str(h.proto.body) and "stSelectbox" in str(h.proto.body) for h in at.get("html"))


def wall_caption(at) -> str:
    return " ".join(c.value for c in at.caption if c.value.startswith("Wall mode"))


@pytest.fixture(scope="module")
def wall(app_store_path):
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield open_page(monkeypatch, app_store_path, query=ROTATION)


def test_a_kiosk_url_is_presentation_mode_without_sidebar_or_controls(wall):
    assert problems(wall) == []
    assert wall.session_state["present"] is True
    assert kiosk_css_drawn(wall)
    assert wall_caption(wall) == "Wall mode · next: Portfolio, every 30 s"


def test_when_its_time_is_up_the_wall_turns_to_the_next_page_with_its_parameters(monkeypatch, app_store_path):
    # The fragment's timer is the browser's (tests/browser/test_kiosk.py watches it); here the overview has been
    # up longer than its interval when the run starts, so the fragment turns the page, keeping the wall's
    # parameters. A fresh AppTest, so that the run is app.py's (a rerun of an AppTest may run the page alone).
    monkeypatch.setenv("QUARTERDECK_DB", str(app_store_path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT_S)
    at.query_params.update(ROTATION)
    at.session_state["kiosk_index"] = 0
    at.session_state["kiosk_since"] = time.monotonic() - 31
    at.run()
    assert problems(at) == []
    assert at.title[0].value == "Portfolio"
    assert dict(at.query_params) == {"kiosk": "30", "pages": "/,/portfolio", "present": "1"}
    assert at.session_state["kiosk_index"] == 1


@pytest.mark.parametrize(
    ("query", "sentence"),
    [
        ({"kiosk": "abc"}, "whole number of seconds from 10 to 3600, not “abc”"),
        ({"kiosk": "5"}, "whole number of seconds from 10 to 3600, not “5”"),
        ({"kiosk": "30", "pages": "/,/nowhere"}, "cannot show /nowhere"),
    ],
)
def test_a_bad_kiosk_value_is_said_and_nothing_rotates(monkeypatch, app_store_path, query, sentence):
    monkeypatch.delenv(kiosk.MIN_SECONDS_ENV, raising=False)
    at = open_page(monkeypatch, app_store_path, query=query)
    assert [e.value for e in at.error if sentence in e.value]
    assert not kiosk_css_drawn(at) and wall_caption(at) == ""


def test_parse_reads_the_rotation_in_order_without_repeats():
    pages = kiosk.parse("60", "/portfolio, /, portfolio", kiosk.nav.available())
    assert [p.url_path for p in pages.pages] == ["portfolio", ""]
    assert pages.query() == {"kiosk": "60", "pages": "/portfolio,/", "present": "1"}
    assert kiosk.parse(None, "/", kiosk.nav.available()) is None
    assert len(kiosk.parse("3600", None, kiosk.nav.available()).pages) == len(kiosk.nav.available())
