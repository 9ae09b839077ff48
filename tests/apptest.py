"""Running the app in-process with streamlit.testing.v1.AppTest against a given store."""

from __future__ import annotations

from pathlib import Path

from streamlit.components.v2.component_manager import BidiComponentManager
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_S = 60

_shared_components: list[BidiComponentManager] = []


def share_component_discovery() -> None:
    """Give every AppTest of this process one component registry, discovered once, as a server has one for all
    its sessions. Each AppTest otherwise scans every installed distribution's metadata for v2 component manifests
    on its first run: about 0.45 CPU-seconds, a few minutes over the suite's AppTests.

    ``AppTest._bidi_component_manager`` is private (Streamlit 1.67 has no supported way to share it): when
    Streamlit renames it, this raises, and every page test fails loudly here rather than silently slowing down.
    """
    if getattr(AppTest.__init__, "shares_components", False):
        return
    original_init = AppTest.__init__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        if getattr(self, "_bidi_component_manager", "missing") is not None:
            raise RuntimeError(
                "streamlit.testing.v1.AppTest no longer starts with _bidi_component_manager = None: "
                "update tests/apptest.share_component_discovery for this Streamlit"
            )
        if not _shared_components:
            manager = BidiComponentManager()
            manager.discover_and_register_components(start_file_watching=False)
            _shared_components.append(manager)
        self._bidi_component_manager = _shared_components[0]

    init.shares_components = True
    AppTest.__init__ = init


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
