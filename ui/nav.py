"""The pages of CONTRACT.md: each file is named after its URL path, so a shared link opens it directly."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class PageSpec:
    """A page of the app: its file under pages/, its URL path, title and icon."""

    file: str
    url_path: str
    title: str
    icon: str


PAGES = (
    PageSpec("pages/overview.py", "", "Overview", ":material/dashboard:"),
    PageSpec("pages/product.py", "product", "Product", ":material/monitoring:"),
    PageSpec("pages/portfolio.py", "portfolio", "Portfolio", ":material/account_tree:"),
    PageSpec("pages/what-if.py", "what-if", "What-if", ":material/tune:"),
    PageSpec("pages/scenarios.py", "scenarios", "Scenarios", ":material/compare:"),
    PageSpec("pages/data.py", "data", "Data", ":material/database:"),
)


def available() -> list[PageSpec]:
    """The pages built so far: a page joins the navigation when its file exists."""
    return [spec for spec in PAGES if (ROOT / spec.file).exists()]


def is_available(url_path: str) -> bool:
    """Whether the page at ``url_path`` exists in this build (overview tiles link only to pages that do)."""
    return any(spec.url_path == url_path for spec in available())


def navigation() -> st.navigation:
    """The router: every available page, the overview as the default at ``/``."""
    pages = [
        st.Page(spec.file, title=spec.title, icon=spec.icon, url_path=spec.url_path or None, default=not spec.url_path)
        for spec in available()
    ]
    return st.navigation(pages, position="sidebar")
