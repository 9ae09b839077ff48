"""Text from an upload or the store, made safe to put in a Markdown sentence on a page."""

from __future__ import annotations

import re

# Mid-sentence, these are the characters Markdown (and Streamlit's :icon: and $math$) would act on.
_MARKDOWN = re.compile(r"([\\`*_\[\]<>~$:&#|])")


def as_text(text: str) -> str:
    """Text escaped so that Markdown shows every character as typed (``<img ...>``, ``#``, ``|`` included)."""
    return _MARKDOWN.sub(r"\\\1", text)
