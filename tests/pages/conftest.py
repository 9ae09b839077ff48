"""The page tests' set-up: here rather than in tests/conftest.py, so that the unit tests alone (``make test-fast``) do
not import Streamlit."""

from __future__ import annotations

from tests.apptest import share_component_discovery

share_component_discovery()
