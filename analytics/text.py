"""Stored text shown as typed: one escaping for Markdown, one for Plotly.

Names, notes, labels and comments come from the store or an upload, so they may hold anything a person typed:
``**B**``, ``$K$``, ``:red[R]``, ``# Heading``, ``![p](http://host/x)`` (an image every viewer's browser would
fetch), ``<a href=...>``. Streamlit renders its texts (markdown, captions, metric labels, help, tab, expander and
button labels) as Markdown; Plotly renders titles, labels, legends and hovers as a small HTML and fills ``%{...}``
placeholders in hover templates. Each context gets exactly one function here, and every page and figure uses it.
"""

from __future__ import annotations

import re

#: Every ASCII punctuation character: CommonMark lets any of them be escaped with a backslash, and escaping all of
#: them covers emphasis, links and images, headings, quotes, lists (``-``, ``1.``), tables, HTML, Streamlit's
#: ``:colour[...]`` directives and ``$...$`` maths alike.
_MARKDOWN_PUNCTUATION = re.compile(r"""([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])""")


def markdown(text) -> str:
    r"""Escape text for a Streamlit Markdown context so that it shows exactly as typed.

    Parameters
    ----------
    text
        Any value; None reads as an empty string, anything else as ``str(text)``.

    Returns
    -------
    str
        The text with every ASCII punctuation character backslash-escaped and each line's leading spaces made
        non-breaking (four leading spaces would start a code block).

    Examples
    --------
    >>> print(markdown("**B** costs $5"))
    \*\*B\*\* costs \$5
    >>> print(markdown("![p](http://host/x)"))
    \!\[p\]\(http\:\/\/host\/x\)
    """
    if text is None:
        return ""
    escaped = _MARKDOWN_PUNCTUATION.sub(r"\\\1", str(text))
    return re.sub(r"(?m)^[ \t]+", lambda m: "\u00a0" * len(m.group(0)), escaped)


def plotly(text) -> str:
    """Escape text for Plotly (titles, axis and tick labels, legends, annotations, hovers) to show as typed.

    Plotly reads ``<b>``, ``<a href>`` and the like as markup and fills ``%{...}`` in hover and text templates;
    the escaped text has ``&``, ``<`` and ``>`` as entities and ``%{`` as ``&#37;{``, which Plotly shows as
    ``%{`` without filling it.

    Examples
    --------
    >>> plotly("<b>x</b> & %{y}")
    '&lt;b&gt;x&lt;/b&gt; &amp; &#37;{y}'
    """
    if text is None:
        return ""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("%{", "&#37;{")
