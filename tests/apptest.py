"""Running the app in-process with streamlit.testing.v1.AppTest against a given store."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_S = 60


def open_page(monkeypatch, store_path: Path, page: str | None = None, query: dict | None = None) -> AppTest:
    """Run app.py on ``store_path``, switch to ``page`` (e.g. "pages/product.py") with ``query``; return the AppTest.

    The first run lands on the overview, as a browser would; switching then runs the page with the query string.
    """
    monkeypatch.setenv("QUARTERDECK_DB", str(store_path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT_S)
    if query:
        at.query_params.update(query)
    at.run()
    if page:
        at.switch_page(page)
        if query:
            at.query_params.update(query)
        at.run()
    return at


def problems(at: AppTest) -> list[str]:
    """Exceptions and error boxes on the page: a page under test shows none."""
    return [str(e.value) for e in at.exception] + [str(e.value) for e in at.error]


def metric_values(at: AppTest) -> dict[str, str]:
    """Every metric tile on the page: label -> shown value."""
    return {m.label: m.value for m in at.metric}
