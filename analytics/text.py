"""Stored text shown as typed: one escaping for Markdown, one for Plotly.

Names, notes, labels and comments come from the store or an upload, so they may hold anything a person typed:
``**B**``, ``$K$``, ``:red[R]``, ``# Heading``, ``![p](http://host/x)`` (an image every viewer's browser would
fetch), ``<a href=...>``. Streamlit renders its texts (markdown, captions, metric labels, help, tab, expander and
button labels) as Markdown; Plotly renders titles, labels, legends and hovers as a small HTML and fills ``%{...}``
placeholders in hover templates. Each context gets exactly one function here, and every page and figure uses it.
"""

from __future__ import annotations

import re

#: Characters that act anywhere in a line: emphasis, code, links and images (``[``), HTML and entities, Streamlit's
#: ``:colour[...]``, ``:icon:`` and ``$...$`` maths, GFM strike-through and tables. A backslash escapes each
#: (CommonMark lets any ASCII punctuation be escaped); ``-``, ``.`` and the like stay as they are mid-line, so ids
#: (``P-010``) and file names read in the source as on screen.
_INLINE = re.compile(r"([\\`*_\[\]<>$:~&|])")
#: A line's first character that makes it a heading, quote, list item, rule or setext underline.
_BLOCK_START = re.compile(r"(?m)^([ \t]*)([#>+\-=])")
#: The "." or ")" after a number that starts a line makes it an ordered list item.
_NUMBERED_START = re.compile(r"(?m)^([ \t]*\d+)([.)])")


def markdown(text) -> str:
    r"""Escape text for a Streamlit Markdown context so that it shows exactly as typed.

    Parameters
    ----------
    text
        Any value; None reads as an empty string, anything else as ``str(text)``.

    Returns
    -------
    str
        The text with the characters Markdown acts on backslash-escaped, and so the first character of a line
        that would make it a heading, quote, list or rule, and each line's leading spaces made non-breaking
        (four leading spaces would start a code block).

    Examples
    --------
    >>> print(markdown("**B** costs $5"))
    \*\*B\*\* costs \$5
    >>> print(markdown("![p](http://host/x)"))
    !\[p\](http\://host/x)
    >>> print(markdown("P-010\n# Heading\n1. first"))
    P-010
    \# Heading
    1\. first
    """
    if text is None:
        return ""
    escaped = _INLINE.sub(r"\\\1", str(text))
    escaped = _NUMBERED_START.sub(r"\1\\\2", _BLOCK_START.sub(r"\1\\\2", escaped))
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
