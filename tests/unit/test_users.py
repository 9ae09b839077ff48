"""Role grants (CONTRACT.md, "Sign-in"; the `users` CLI row): principals, the highest role wins, none = no access."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from analytics import store, users
from tests.cli import run_cli


def run_users(*args: str) -> subprocess.CompletedProcess:
    """``python -m analytics users ARGS``, run in this process (the entry point's own test is in test_cli.py)."""
    return run_cli("users", *args)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        (" Ana@Example.COM ", "ana@example.com"),
        ("group:portfolio-office", "group:portfolio-office"),
        ("GROUP:Board", "group:Board"),  # the prefix in any case; the group's name as the provider sends it
    ],
)
def test_a_principal_is_an_email_in_lower_case_or_a_group(typed, stored):
    assert users.principal_of(typed) == stored


@pytest.mark.parametrize("typed", ["ana", "ana@", "@example.com", "ana @example.com", "group:", "group:two words", ""])
def test_anything_else_is_refused_with_a_sentence_naming_both_forms(typed):
    with pytest.raises(users.GrantError, match=r"email address|group"):
        users.principal_of(typed)


def test_a_role_is_viewer_editor_or_admin():
    assert [users.role_named(r) for r in ("viewer", " Editor ", "ADMIN")] == ["viewer", "editor", "admin"]
    with pytest.raises(users.GrantError, match="use one of viewer, editor, admin"):
        users.role_named("owner")


def test_the_highest_of_the_email_and_group_grants_wins_and_none_means_no_access(empty_con):
    users.grant(empty_con, "ana@example.com", "viewer", granted_by="test")
    users.grant(empty_con, "group:pmo", "editor")
    users.grant(empty_con, "group:it", "admin")
    assert users.role_of(empty_con, "ANA@example.com", ()) == "viewer"
    assert users.role_of(empty_con, "ana@example.com", ["pmo"]) == "editor"
    assert users.role_of(empty_con, "ana@example.com", ["pmo", "it"]) == "admin"
    assert users.role_of(empty_con, "bo@example.com", ["PMO"]) is None  # group names match as sent
    assert users.role_of(empty_con, None, ["pmo"]) == "editor"
    assert users.role_of(empty_con, None, ()) is None


def test_a_grant_replaces_the_role_a_principal_had_and_a_revoke_removes_it(empty_con):
    users.grant(empty_con, "ana@example.com", "admin", granted_by="first")
    users.grant(empty_con, "Ana@example.com", "viewer", granted_by="second")
    grants = users.list_grants(empty_con)
    assert grants[["principal", "role", "granted_by"]].values.tolist() == [["ana@example.com", "viewer", "second"]]
    assert users.revoke(empty_con, "ana@example.com") is True
    assert users.revoke(empty_con, "ana@example.com") is False
    assert users.grant_count(empty_con) == 0


def test_admins_are_listed_first_and_only_admin_emails_are_whom_to_ask(empty_con):
    for principal, role in [("zoe@example.com", "viewer"), ("group:it", "admin"), ("bo@example.com", "admin")]:
        users.grant(empty_con, principal, role)
    assert users.list_grants(empty_con)["principal"].tolist() == ["bo@example.com", "group:it", "zoe@example.com"]
    assert users.admin_emails(empty_con) == ["bo@example.com"]


def test_a_grant_bumps_the_store_version_so_every_session_sees_it_on_its_next_rerun(empty_con):
    before = store.data_version(empty_con)
    users.grant(empty_con, "ana@example.com", "editor")
    assert store.data_version(empty_con) == before + 1


@pytest.fixture
def store_file(empty_store_file, tmp_path) -> Path:
    path = tmp_path / "store.duckdb"
    shutil.copyfile(empty_store_file, path)
    return path


def test_the_command_line_grants_lists_and_revokes(store_file):
    done = run_users("grant", "--db", str(store_file), "Ana@Example.com", "admin")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"granted admin to ana@example.com in {store_file}"
    listed = run_users("list", "--db", str(store_file))
    assert listed.returncode == 0
    principal, role, _, granted_by = listed.stdout.strip().split("\t")
    assert (principal, role) == ("ana@example.com", "admin") and granted_by.startswith("command line (")
    assert run_users("revoke", "--db", str(store_file), "ana@example.com").returncode == 0
    empty = run_users("list", "--db", str(store_file))
    assert "no grants" in empty.stdout


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["grant", "ana@example.com", "owner"], "'owner' is not a role: use one of viewer, editor, admin."),
        (["grant", "ana", "viewer"], "'ana' is neither an email address"),
        (["revoke", "bo@example.com"], "bo@example.com has no grant"),
    ],
)
def test_the_command_line_exits_2_with_a_sentence_for_a_bad_role_or_principal(store_file, args, said):
    action, *rest = args
    done = run_users(action, "--db", str(store_file), *rest)
    assert done.returncode == 2
    assert said in done.stderr and done.stderr.startswith("error: ")
    with store.connect(store_file, read_only=True) as con:
        assert users.grant_count(con) == 0
