"""Signing in for real, offline (issue 11, item 3): a local OpenID provider on loopback (oidc-provider-mock), the
served app configured for it through a secrets file of the test's own, and Chromium signing in as a viewer, an
editor, an admin and a person without a grant, each in a browser context of their own (one served app, one
browser). What each sees and may do is checked on screen; what the editor and admin wrote is checked in the store.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from analytics import scenarios, store, users
from tests.chromium import FRAMED_AND_READY, READY, chromium_pages, free_port, require_chromium, served_app

VIEWER, EDITOR, ADMIN, STRANGER = "vera@example.com", "eddie@example.com", "ada@example.com", "sam@example.com"
GRANTS = {VIEWER: "viewer", EDITOR: "editor", ADMIN: "admin"}
WAIT_MS = 90_000
DOOMED = "Budget -20 %"


@pytest.fixture(scope="module")
def provider():
    """A local OpenID provider on 127.0.0.1 that knows the four people (any client id and secret is accepted)."""
    import werkzeug.serving
    from oidc_provider_mock import User, app

    people = [User(sub=email, claims={"email": email, "email_verified": True}) for email in [*GRANTS, STRANGER]]
    server = werkzeug.serving.make_server("127.0.0.1", free_port(), app(user_claims=people), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


@pytest.fixture
def secrets_for(provider, tmp_path):
    """A secrets file that turns sign-in on with ``provider``, for the served app (``STREAMLIT_SECRETS_FILES``)."""
    secrets = tmp_path / "secrets.toml"
    # {port} is filled in by Streamlit with the port it serves on (served_app picks a free one).
    secrets.write_text(
        "[auth]\n"
        'redirect_uri = "http://localhost:{port}/oauth2callback"\n'
        'cookie_secret = "a cookie secret for the sign-in test, long enough"\n'
        'client_id = "quarterdeck"\n'
        'client_secret = "test"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n'
    )
    return secrets


@pytest.fixture
def granted_store(demo_store_path, tmp_path) -> Path:
    """A copy of the demo with ``GRANTS``."""
    require_chromium()
    path = tmp_path / "store.duckdb"
    shutil.copyfile(demo_store_path, path)
    with store.connect(path) as con:
        for email, role in GRANTS.items():
            users.grant(con, email, role, granted_by="test")
        scenarios.save_scenario(con, DOOMED, {}, [], created_by="test")
    return path


def sign_in(page, url: str, email: str) -> None:
    """Open the app, press Sign in, pick ``email`` on the provider's form, and wait for the app to be back."""
    page.goto(url)
    page.wait_for_selector(READY, timeout=WAIT_MS)
    page.get_by_role("button", name="Sign in").click()
    page.locator(f"button[name='sub'][value='{email}']").click(timeout=WAIT_MS)
    page.wait_for_selector(READY, timeout=WAIT_MS)


def open_page(page, url: str) -> None:
    page.goto(url)
    page.wait_for_function(FRAMED_AND_READY, timeout=WAIT_MS)


def sidebar(page) -> str:
    return page.locator("[data-testid='stSidebar']").inner_text()


def app_errors(page, provider: str) -> list[str]:
    """The page's console errors that are the app's: the provider's own pages (its form's CDN stylesheet, which an
    offline machine cannot resolve; its favicon, a Flask "404 (NOT FOUND)") are not."""
    return [
        e
        for e in page.console_errors
        if "ERR_NAME_NOT_RESOLVED" not in e and provider not in e and "404 (NOT FOUND)" not in e
    ]


def test_a_viewer_an_editor_an_admin_and_a_stranger_sign_in_and_each_may_do_what_their_role_allows(
    granted_store, secrets_for, provider, tmp_path, monkeypatch
):
    from playwright.sync_api import expect

    monkeypatch.setenv("STREAMLIT_SECRETS_FILES", str(secrets_for))
    with served_app(granted_store, tmp_path / "streamlit.log") as served, chromium_pages(4, 1600, 1000) as pages:
        url = served.replace("127.0.0.1", "localhost")  # the redirect URI's host, so the sign-in cookie comes back
        viewer, editor, admin, stranger = pages
        for page in pages:
            page.set_default_timeout(WAIT_MS)  # two shared cores: a first page load can take a while
        # Not signed in: a sign-in button and nothing of the store.
        stranger.goto(url + "/portfolio")
        stranger.wait_for_selector(READY, timeout=WAIT_MS)
        expect(stranger.get_by_role("button", name="Sign in")).to_be_visible(timeout=WAIT_MS)
        assert "Halyard" not in stranger.inner_text("body")

        sign_in(stranger, url, STRANGER)
        stranger.get_by_text("who has no access to this Quarterdeck").wait_for(timeout=WAIT_MS)
        assert ADMIN in stranger.inner_text("body") and "Halyard" not in stranger.inner_text("body")

        # The Scenarios page, not What-if: the optimiser costs more than a browser test should, and AppTest checks
        # the save form's rules (tests/pages/test_roles.py).
        sign_in(viewer, url, VIEWER)
        open_page(viewer, url + "/scenarios")
        assert f"Signed in as {VIEWER} · viewer" in sidebar(viewer)
        viewer.get_by_text("Deleting a scenario needs the editor role").wait_for()
        open_page(viewer, url + "/data")
        assert viewer.get_by_text("Who may sign in").count() == 0
        assert str(granted_store.parent) not in viewer.inner_text("body")

        sign_in(editor, url, EDITOR)
        open_page(editor, url + "/scenarios")
        assert f"Signed in as {EDITOR} · editor" in sidebar(editor)
        assert editor.get_by_text("Deleting a scenario needs the editor role").count() == 0

        sign_in(admin, url, ADMIN)
        open_page(admin, url + "/data")
        assert f"Signed in as {ADMIN} · admin" in sidebar(admin)
        principal = admin.get_by_label("Email, or group:NAME")
        principal.fill("group:board")
        principal.press("Enter")
        admin.get_by_role("button", name="Grant").click()
        expect(principal).to_have_value("", timeout=WAIT_MS)  # the grant's callback clears the field when done

        # Signing out ends the app's session cookie (and goes on to the provider's end-session page); the app then
        # asks for sign-in again.
        admin.get_by_role("button", name="Sign out").click()
        admin.wait_for_url(lambda address: "/data" not in address)
        admin.goto(url + "/data")
        expect(admin.get_by_role("button", name="Sign in")).to_be_visible()
        errors = {i: app_errors(p, provider) for i, p in enumerate(pages) if app_errors(p, provider)}
    with store.connect(granted_store, read_only=True) as con:
        grants = users.list_grants(con).set_index("principal")
        assert grants.loc["group:board", ["role", "granted_by"]].tolist() == ["viewer", ADMIN]
    assert errors == {}
