"""Sign-in and roles in the app (issue 11, item 2): the guard before every page, what each role sees, and every
write refused on the server for a viewer and for a person without access, allowed for the right role, with the
signed-in identity recorded.

AppTest stands in for Streamlit's sign-in: ``at.secrets["auth"]`` turns sign-in on for the app (it reads
``st.secrets``) and ``at.user`` is the identity ``st.user`` returns. The store holds one grant per role, by email
and by group, so every rule can be checked by hand from ``GRANTS``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest

from analytics import scenarios, store, users
from tests.apptest import ROOT, TIMEOUT_S
from ui.auth import SIGN_IN_OFF_ELSEWHERE

AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "a test secret, long enough for the cookie's signature",
    "client_id": "quarterdeck",
    "client_secret": "test",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}
VIEWER, EDITOR, ADMIN, NOBODY = "vera@example.com", "eddie@example.com", "ada@example.com", "nobody@example.com"
GRANTS = [(VIEWER, "viewer"), (EDITOR, "editor"), (ADMIN, "admin"), ("group:board", "editor")]
DOOMED = {"editor": "Doomed by the editor", "admin": "Doomed by the admin", "viewer": "Kept", "nobody": "Kept"}


@pytest.fixture(scope="module")
def granted_store(demo_store_path, tmp_path_factory) -> Path:
    """The demo with ``GRANTS`` and a scenario for each role to try deleting (a store of this module alone)."""
    path = tmp_path_factory.mktemp("roles") / "roles.duckdb"
    shutil.copyfile(demo_store_path, path)
    with store.connect(path) as con:
        for principal, role in GRANTS:
            users.grant(con, principal, role, granted_by="test")
        for name in sorted(set(DOOMED.values())):
            scenarios.save_scenario(con, name, {}, [], created_by="test")
    return path


def run_app(monkeypatch, path: Path, user: dict | None, page: str | None = None, query: dict | None = None):
    """app.py on ``path`` with sign-in on, as ``user`` (None: not signed in), switched to ``page``."""
    monkeypatch.setenv("QUARTERDECK_DB", str(path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT_S)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": False} if user is None else {"is_logged_in": True, **user}
    at.run()
    if page:
        at.switch_page(page)
        at.query_params.update(query or {})
        at.run()
    return at


def shown_text(at) -> str:
    """Every text the page and the sidebar show."""
    parts = [
        str(e.value) for kind in ("markdown", "caption", "info", "warning", "error", "title") for e in at.get(kind)
    ]
    parts += [f"{m.label} {m.value} {m.help}" for m in at.metric]
    return "\n".join(parts)


def test_before_signing_in_there_is_a_sign_in_button_and_no_data(monkeypatch, granted_store):
    at = run_app(monkeypatch, granted_store, None)
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.metric and not at.sidebar.toggle  # no tiles, not even the sidebar's presentation toggle
    assert "Halyard" not in shown_text(at)  # the company's name is data too


def test_a_signed_in_person_without_a_grant_is_told_whom_to_ask_and_sees_no_data(monkeypatch, granted_store):
    at = run_app(monkeypatch, granted_store, {"email": NOBODY}, "pages/portfolio.py")
    assert not at.exception and not at.metric
    [sentence] = [i.value for i in at.info]
    assert NOBODY in sentence and "no access" in sentence and ADMIN in sentence
    assert [b.label for b in at.button] == ["Sign out"]


def test_on_a_store_without_any_grant_the_first_person_is_told_the_command_that_grants_the_first_admin(
    monkeypatch, empty_store_file, tmp_path
):
    path = tmp_path / "fresh.duckdb"
    shutil.copyfile(empty_store_file, path)
    at = run_app(monkeypatch, path, {"email": ADMIN})
    [sentence] = [i.value for i in at.info]
    assert "`python -m analytics users grant --db fresh.duckdb EMAIL admin`" in sentence
    assert str(tmp_path) not in sentence  # no server path for someone without access


def test_a_group_grant_lets_a_member_in_with_that_role(monkeypatch, granted_store):
    at = run_app(monkeypatch, granted_store, {"email": NOBODY, "groups": ["board"]})
    assert not at.exception and at.metric
    assert any(c.value == f"Signed in as **{NOBODY}** · editor" for c in at.sidebar.caption)


def test_a_viewer_sees_every_page_with_its_levers_but_no_save_and_no_import(monkeypatch, granted_store):
    at = run_app(monkeypatch, granted_store, {"email": VIEWER})
    # The sidebar is checked on the first run, the one app.py frames (AppTest runs a switched-to page bare).
    assert any(c.value == f"Signed in as **{VIEWER}** · viewer" for c in at.sidebar.caption)
    assert [b.label for b in at.sidebar.button] == ["Sign out"]
    at.switch_page("pages/what-if.py")
    at.query_params["tab"] = "Save as scenario"
    at.run()
    assert not at.exception and at.slider
    assert any("Saving a scenario needs the editor role" in i.value for i in at.info)
    assert not at.text_input  # no name to type, no form

    at.switch_page("pages/data.py")
    at.run()
    assert not at.exception
    assert at.get("file_uploader")[0].proto.disabled and at.get("file_uploader")[1].proto.disabled
    assert not [s for s in at.subheader if s.value in ("Stores", "Who may sign in")]
    assert str(granted_store.parent) not in shown_text(at)  # no file-system path of the server

    at.switch_page("pages/scenarios.py")
    at.run()
    assert at.selectbox(key="delete_scenario").disabled


def test_an_editor_gets_the_save_form_without_a_name_field_and_no_import(monkeypatch, granted_store):
    at = run_app(monkeypatch, granted_store, {"email": EDITOR}, "pages/what-if.py", {"tab": "Save as scenario"})
    assert [t.label for t in at.text_input] == ["Name"]  # the author is the signed-in identity, never typed
    at.switch_page("pages/data.py")
    at.run()
    assert at.get("file_uploader")[0].proto.disabled


def test_an_admin_manages_stores_and_roles_and_sees_the_store_path(monkeypatch, granted_store):
    at = run_app(monkeypatch, granted_store, {"email": ADMIN}, "pages/data.py")
    assert not at.exception
    assert {"Stores", "Who may sign in"} <= {s.value for s in at.subheader}
    assert not at.get("file_uploader")[0].proto.disabled
    assert str(granted_store) in shown_text(at)


def attempt_every_write(files: dict) -> None:
    """An AppTest script: call every write helper in this session and record what each did."""
    import io
    from pathlib import Path

    import streamlit as st

    from analytics import optimize
    from ui import admin, auth, decisions, portfolio_sheet, whatif

    class Upload(io.BytesIO):
        name = "products.csv"

    def quiet(done, text):
        return None

    outcomes = {}

    def attempt(write, call):
        try:
            call()
        except auth.Refused as refusal:
            outcomes[write] = f"refused: {refusal}"
        else:
            outcomes[write] = "done"

    csv = Path(files["csv"])
    attempt("save scenario", lambda: whatif.save_scenario(files["name"], optimize.WhatIf(), [], None))
    attempt("delete scenario", lambda: whatif.delete_scenario(files["doomed"]))
    attempt("record decision", lambda: decisions.record(files["kept"], f"Chosen by the {files['name']}"))
    attempt("import", lambda: admin.import_file("products", csv, file_name=csv.name, progress=quiet))
    attempt("import upload", lambda: admin.import_upload("products", Upload(csv.read_bytes()), progress=quiet))
    attempt("import sheet", lambda: portfolio_sheet.run_import(files["sheet"], "sheet.csv", False))
    attempt("grant role", lambda: admin.grant_role("new@example.com", "viewer"))
    attempt("revoke role", lambda: admin.revoke_role("new@example.com"))
    attempt("start empty store", lambda: admin.create_and_open_store(Path(files["folder"]), files["new_store"]))
    attempt("open store", lambda: admin.open_store(Path(files["store"])))
    if files["rebuild"]:  # an admin's rebuild is tests/pages/test_data.py's (it costs a demo build)
        attempt("rebuild demo", lambda: admin.rebuild_demo(Path(files["folder"]) / "demo.duckdb"))
    st.session_state["outcomes"] = outcomes


EDITOR_WRITES = {"save scenario", "delete scenario", "record decision"}
ADMIN_WRITES = EDITOR_WRITES | {"import", "import upload", "import sheet", "grant role", "revoke role"}
ADMIN_WRITES |= {"start empty store", "open store"}


def scenario_id(path: Path, name: str) -> str:
    with store.connect(path) as con:
        saved = scenarios.list_scenarios(con)
    return saved.set_index("name").loc[name, "scenario_id"]


def writes_as(monkeypatch, path: Path, tmp_path: Path, role: str, user: dict | None, sign_in: bool = True) -> dict:
    """Run ``attempt_every_write`` in a session of ``user`` (None: not signed in); return its outcomes."""
    monkeypatch.setenv("QUARTERDECK_DB", str(path))
    csv = tmp_path / "products.csv"
    csv.write_text("product_id,name,segment,owner,lifecycle_stage,launched_on\nPR-NEW,New,SMB,Ana,growth,2026-01-05\n")
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("project_id,name,start,end\nP-NEW,From the sheet,2027-01-01,2027-06-30\n")
    files = {
        "name": f"Saved by the {role}",
        "doomed": scenario_id(path, DOOMED[role]),
        "kept": scenario_id(path, "Kept"),
        "csv": str(csv),
        "sheet": str(sheet),
        "folder": str(tmp_path),
        "new_store": f"new-{role}",
        "store": str(path),
        "rebuild": role != "admin",
    }
    at = AppTest.from_function(attempt_every_write, args=(files,), default_timeout=TIMEOUT_S)
    if sign_in:
        at.secrets["auth"] = AUTH
        at.user = {"is_logged_in": False} if user is None else {"is_logged_in": True, **user}
    at.run()
    assert not at.exception, at.exception
    return at.session_state["outcomes"]


@pytest.mark.parametrize(
    ("role", "user", "why"),
    [
        ("viewer", {"email": VIEWER}, f"{VIEWER} has the viewer role"),
        ("nobody", {"email": NOBODY}, f"{NOBODY} has no role: ask an admin of this Quarterdeck ({ADMIN})"),
        ("nobody", None, "needs you to sign in first"),
        ("viewer", {"email": VIEWER, "email_verified": False}, "has no role"),
    ],
    ids=["viewer", "no grant", "not signed in", "unverified email"],
)
def test_every_write_is_refused_on_the_server_for_a_viewer_and_for_anyone_without_access(
    monkeypatch, granted_store, tmp_path, role, user, why
):
    outcomes = writes_as(monkeypatch, granted_store, tmp_path, role, user)
    assert set(outcomes) == ADMIN_WRITES | {"rebuild demo"}
    assert {w: o for w, o in outcomes.items() if not o.startswith("refused: ") or why not in o} == {}
    assert not list(tmp_path.glob("*.duckdb"))  # no store started, none rebuilt


def test_an_editor_saves_and_deletes_scenarios_as_themselves_and_nothing_else(monkeypatch, granted_store, tmp_path):
    outcomes = writes_as(monkeypatch, granted_store, tmp_path, "editor", {"email": EDITOR})
    assert {w for w, o in outcomes.items() if o == "done"} == EDITOR_WRITES
    assert all("needs the admin role" in o for w, o in outcomes.items() if w not in EDITOR_WRITES)
    with store.connect(granted_store) as con:
        saved = scenarios.list_scenarios(con).set_index("name")
    assert saved.loc["Saved by the editor", "created_by"] == EDITOR
    assert DOOMED["editor"] not in saved.index


def test_an_admin_makes_every_write_and_each_records_the_admin(monkeypatch, granted_store, tmp_path):
    outcomes = writes_as(monkeypatch, granted_store, tmp_path, "admin", {"email": ADMIN})
    assert outcomes == dict.fromkeys(ADMIN_WRITES, "done")
    with store.connect(granted_store) as con:
        assert scenarios.list_scenarios(con).set_index("name").loc["Saved by the admin", "created_by"] == ADMIN
        by = con.execute("SELECT DISTINCT imported_by FROM import_log WHERE file_name IN ('products.csv', 'sheet.csv')")
        assert by.fetchall() == [(ADMIN,)]
        assert users.role_of(con, "new@example.com") is None  # granted, then revoked
    assert (tmp_path / "new-admin.duckdb").exists()


@pytest.fixture
def served_on_every_interface():
    before = config.get_option("server.address")
    config.set_option("server.address", "0.0.0.0")  # noqa: S104 - what `make run HOST=0.0.0.0` does
    yield
    config.set_option("server.address", before)


def test_served_to_other_machines_with_sign_in_off_every_write_is_refused_saying_how_to_sign_in(
    monkeypatch, granted_store, tmp_path, served_on_every_interface
):
    outcomes = writes_as(monkeypatch, granted_store, tmp_path, "viewer", None, sign_in=False)
    assert set(outcomes) == ADMIN_WRITES | {"rebuild demo"}
    assert [o for o in outcomes.values() if not (o.startswith("refused: ") and o.endswith(SIGN_IN_OFF_ELSEWHERE))] == []


def open_other_store(target: str) -> None:
    """An AppTest script: open the store at ``target`` in this session; record what happened and what is served."""
    from pathlib import Path

    import streamlit as st

    from ui import admin, auth, data

    try:
        admin.open_store(Path(target))
    except auth.Refused as refusal:
        st.session_state["outcome"] = f"refused: {refusal}"
    else:
        st.session_state["outcome"] = "done"
    st.session_state["served"] = data.store_path()


@pytest.mark.parametrize(
    ("grants_there", "user", "outcome"),
    [
        ([(EDITOR, "admin")], {"email": ADMIN}, f"{ADMIN} is admin here but has no role in there.duckdb"),
        ([(ADMIN, "viewer")], {"email": ADMIN}, f"{ADMIN} is admin here but has only the viewer role in there.duckdb"),
        ([("group:board", "admin")], {"email": ADMIN, "groups": ["board"]}, "done"),
        ([], None, "done"),
    ],
    ids=["no grant there", "viewer there", "admin there by group", "sign-in off"],
)
def test_opening_another_store_needs_the_admin_role_in_that_store_too(
    monkeypatch, granted_store, demo_store_path, tmp_path, grants_there, user, outcome
):
    # Grants live in each store: an admin here with no admin grant there must not be handed a store they may not
    # manage. Each case serves a store of its own (the switch is the server's, keyed by the configured store).
    here, there = tmp_path / "here.duckdb", tmp_path / "there.duckdb"
    shutil.copyfile(granted_store, here)
    shutil.copyfile(demo_store_path, there)
    with store.connect(there) as con:
        users.grant_each(con, grants_there, granted_by="test")
    monkeypatch.setenv("QUARTERDECK_DB", str(here))
    at = AppTest.from_function(open_other_store, args=(str(there),), default_timeout=TIMEOUT_S)
    if user is not None:
        at.secrets["auth"] = AUTH
        at.user = {"is_logged_in": True, **user}
    at.run()
    assert not at.exception, at.exception
    if outcome == "done":
        assert (at.session_state["outcome"], at.session_state["served"]) == ("done", str(there))
    else:
        refusal = at.session_state["outcome"]
        assert refusal.startswith("refused: Opening the store there.duckdb was refused: ") and outcome in refusal
        assert f"users grant --db there.duckdb {ADMIN} admin" in refusal
        assert at.session_state["served"] == str(here)  # refused before the switch: everyone keeps this store
