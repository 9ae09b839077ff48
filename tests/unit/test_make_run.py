"""`make run` listens on this machine only unless told otherwise (issue 16, case 11): imports, rebuilds and store
switches need no sign-in yet, so serving every address is a choice the README names, not the default."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def run_command(*overrides: str) -> str:
    """The command `make run` would run, as make prints it (``-n``: nothing is run)."""
    done = subprocess.run(["make", "-n", "run", *overrides], cwd=ROOT, capture_output=True, text=True, check=True)
    [line] = [line for line in done.stdout.splitlines() if "streamlit run app.py" in line]
    return line


def test_make_run_binds_to_localhost_by_default():
    assert "--server.address 127.0.0.1" in run_command()


def test_make_run_host_serves_the_address_asked_for():
    assert "--server.address 0.0.0.0" in run_command("HOST=0.0.0.0")


def test_the_readme_says_how_to_serve_other_machines_and_that_sign_in_is_separate():
    [line] = [line for line in README.splitlines() if "HOST=0.0.0.0" in line]
    assert "make run HOST=0.0.0.0" in line and "127.0.0.1" in line and re.search(r"sign-in", line, re.I)


def test_the_server_watches_no_source_files_and_the_readme_says_how_to_get_reload_back():
    # Each new session's watchers cost more server CPU than its page (10.3 vs 4.6 CPU-s over the six pages on
    # the demo): a served dashboard does not reload its code.
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["fileWatcherType"] == "none"
    assert "--server.fileWatcherType auto" in README
