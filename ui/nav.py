"""The pages of CONTRACT.md: each file is named after its URL path, so a shared link opens it directly."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class PageSpec:
    """A page of the app: its file under pages/, its URL path, title and icon; its tabs, if it has any, with the
    query-string key that names the open one (``?tab=Strategy``), so a link opens a tab."""

    file: str
    url_path: str
    title: str
    icon: str
    tab_key: str | None = None
    tabs: tuple[str, ...] = ()


PRODUCT_SECTIONS = ("Trends", "Customer voice", "Retention", "Roadmap", "Backlog", "Investment")
PORTFOLIO_TABS = ("Value map", "Strategy", "Capacity", "Risk", "Dependencies", "Health and money")
WHAT_IF_TABS = (
    "Frontier and changes",
    "Budget",
    "Capacity",
    "Why not?",
    "Price tags",
    "Uncertainty",
    "Save as scenario",
)


PAGES = (
    PageSpec("pages/overview.py", "", "Overview", ":material/dashboard:"),
    PageSpec("pages/product.py", "product", "Product", ":material/monitoring:", "section", PRODUCT_SECTIONS),
    PageSpec("pages/portfolio.py", "portfolio", "Portfolio", ":material/account_tree:", "tab", PORTFOLIO_TABS),
    PageSpec("pages/what-if.py", "what-if", "What-if", ":material/tune:", "tab", WHAT_IF_TABS),
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
