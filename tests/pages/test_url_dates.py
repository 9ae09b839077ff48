"""Bad dates in a product link (issue 16, case 8): clamped or ignored with a note, the page draws, and the URL the
page writes back is a good one, so reloading it shows no note again."""

from __future__ import annotations

from datetime import date

import pytest

from tests.apptest import open_page, problems

PAGE = "pages/product.py"
AS_OF = date(2026, 10, 15)  # the demo store's settings.as_of
EARLIEST = date(2016, 10, 15)  # ten years before: the oldest date the window takes
YEAR_START = date(2026, 1, 1)  # the custom window's start when the link has none


def notes(at) -> list[str]:
    return [t.proto.body for t in at.toast] + [c.value for c in at.caption if "link" in c.value]


@pytest.mark.parametrize(
    ("start", "end", "shown", "note"),
    [
        ("abc", "9999-12-31", (YEAR_START, AS_OF), ["not a date", "after"]),
        ("0001-01-01", "2026-06-30", (EARLIEST, date(2026, 6, 30)), ["before"]),
        ("1990-01-01", "1991-01-01", (EARLIEST, EARLIEST), ["before", "before"]),
        ("2030-01-01", "2031-01-01", (AS_OF, AS_OF), ["after", "after"]),
        ("2026-02-30", "", (YEAR_START, AS_OF), ["not a date"]),
        ("0000-01-01", "2026-03-31", (YEAR_START, date(2026, 3, 31)), ["not a date"]),
    ],
)
def test_bad_link_dates_are_clamped_or_ignored_with_a_note(monkeypatch, app_store_path, start, end, shown, note):
    query = {"product": "ATLAS", "window": "custom", "start": start, "end": end}
    at = open_page(monkeypatch, app_store_path, PAGE, query=query)
    assert problems(at) == []
    assert (at.date_input(key="start").value, at.date_input(key="end").value) == shown
    said = " ".join(notes(at))
    assert all(word in said for word in note), said
    assert len(at.metric) >= 6  # the page drew its tiles
    # The URL now holds the dates shown: reloading that link is quiet.
    fixed = {key: at.query_params[key] for key in ("product", "window", "start", "end")}
    assert (fixed["start"], fixed["end"]) == (shown[0].isoformat(), shown[1].isoformat())
    again = open_page(monkeypatch, app_store_path, PAGE, query=fixed)
    assert problems(again) == [] and notes(again) == []


def test_a_start_after_the_end_is_read_the_right_way_round_with_a_note(monkeypatch, app_store_path):
    query = {"product": "ATLAS", "window": "custom", "start": "2026-06-30", "end": "2026-04-01"}
    at = open_page(monkeypatch, app_store_path, PAGE, query=query)
    assert problems(at) == []
    assert "after" in " ".join(notes(at))
    assert "1 Apr 2026 – 30 Jun 2026" in at.caption[0].value
