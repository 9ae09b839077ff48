"""The two escapings of stored text (issue 16, case 3): Markdown shows it as typed, Plotly too."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

from analytics import charts, text


@pytest.mark.parametrize(
    ("typed", "escaped"),
    [
        ("**B**", r"\*\*B\*\*"),
        ("$K$", r"\$K\$"),
        (":red[R]", r"\:red\[R\]"),
        ("# Heading", r"\# Heading"),
        ("![p](http://host/x)", r"!\[p\](http\://host/x)"),
        ("<b>x</b>", r"\<b\>x\</b\>"),
        ("P-010 · bad.csv, 20%", "P-010 · bad.csv, 20%"),
        ("> q\n- l\n+ m\n===\n2) n", "\\> q\n\\- l\n\\+ m\n\\===\n2\\) n"),
        ("a\n1. b\n    code", "a\n1\\. b\n\u00a0\u00a0\u00a0\u00a0code"),
        (None, ""),
    ],
)
def test_markdown_escapes_every_trap(typed, escaped):
    assert text.markdown(typed) == escaped


def test_plotly_escapes_markup_and_placeholders():
    assert text.plotly('<a href="http://host/y">y</a> & %{y}') == (
        '&lt;a href="http://host/y"&gt;y&lt;/a&gt; &amp; &#37;{y}'
    )


def test_every_styled_figure_has_its_data_and_axis_text_escaped_once():
    fig = go.Figure(go.Bar(x=["<b>x</b>", "plain"], y=[1, 2], name="%{y}", customdata=[["<i>", 1], ["ok", 2]]))
    fig.update_layout(yaxis_title="<b>unit</b>")
    charts.styled(fig, present=False, title="Top: <b>x</b>")
    assert list(fig.data[0].x) == ["&lt;b&gt;x&lt;/b&gt;", "plain"]
    assert fig.data[0].name == "&#37;{y}"
    assert [list(row) for row in fig.data[0].customdata] == [["&lt;i&gt;", 1], ["ok", 2]]
    assert fig.layout.yaxis.title.text == "&lt;b&gt;unit&lt;/b&gt;"
    assert fig.layout.title.text == "Top: &lt;b&gt;x&lt;/b&gt;"
