"""Stored text is text everywhere (issue 16, case 3): every page and tab on a store whose every free-text column
holds Markdown, HTML and Plotly placeholders shows them as typed, in its texts and in its figures."""

from __future__ import annotations

import pytest
from google.protobuf.json_format import MessageToDict

from tests.apptest import open_page, problems
from tests.hostile import hostile_store, raw_in_figure, raw_in_markdown, strings

#: Widget values and options are shown as plain text, not Markdown, and so are a dataframe's column headers
#: (``columns``, its column config); dataframes hold Arrow bytes; figures are checked on their own.
NOT_MARKDOWN = {
    "options",
    "default",
    "value",
    "rawValue",
    "rawValues",
    "formattedOptions",
    "formattedValue",
    "spec",
    "data",
    "arrowData",
    "url",
    "placeholder",
    "columns",
}
PRODUCT_SECTIONS = ["Trends", "Customer voice", "Retention", "Roadmap", "Backlog", "Investment"]


@pytest.fixture(scope="module")
def hostile_path(demo_store_path, tmp_path_factory):
    return hostile_store(demo_store_path, tmp_path_factory.mktemp("hostile") / "hostile.duckdb")


def nodes(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from nodes(child)


def shown_raw(at) -> tuple[list, list]:
    """(Markdown texts holding a raw trap, figures holding raw store markup) anywhere on the page."""
    markdown, figures = [], []
    for node in nodes(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        if getattr(node, "type", None) == "plotly_chart":
            figures += raw_in_figure(proto.spec)
            continue
        for text in strings(MessageToDict(proto), skip=NOT_MARKDOWN):
            found = raw_in_markdown(text)
            if found:
                markdown.append((found, text[:200]))
    return markdown, figures


def figure_count(at) -> int:
    return len(at.get("plotly_chart"))


@pytest.mark.parametrize(
    ("page", "query"),
    [
        (None, None),
        ("pages/portfolio.py", {"project": "P-010"}),
        ("pages/what-if.py", None),
        ("pages/scenarios.py", None),
        ("pages/data.py", None),
        *[("pages/product.py", {"section": section}) for section in PRODUCT_SECTIONS],
    ],
)
def test_every_page_shows_stored_text_as_typed(monkeypatch, hostile_path, page, query):
    at = open_page(monkeypatch, hostile_path, page, query)
    assert problems(at) == []
    markdown, figures = shown_raw(at)
    assert markdown == []
    assert figures == []


def test_the_scenarios_page_shows_the_names_and_note_escaped(monkeypatch, hostile_path):
    at = open_page(monkeypatch, hostile_path, "pages/scenarios.py")
    assert problems(at) == [] and figure_count(at) == 2
    # The open-a-scenario box shows its note: the tracking pixel is escaped text, the heading a literal "#".
    assert any("!\\[p\\]" in c.value and "\n\\# Heading" in c.value for c in at.caption)
    opening = [link.proto.label for link in at.get("page_link") if link.proto.label.startswith("Open")]
    assert len(opening) == 1 and "\\<b\\>x\\</b\\>" in opening[0]
