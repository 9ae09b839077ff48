"""Running ``python -m analytics ...`` from a test: in-process (the CLI's own ``main``, no interpreter start-up and no
second import of pandas, DuckDB and the optimiser), or as a real child process for the tests of the entry point.

Both return a :class:`subprocess.CompletedProcess` (``returncode``, ``stdout``, ``stderr``), so a test reads the same
either way. In-process, an exception the CLI does not turn into a sentence propagates and fails the test, as a
traceback on a child's stderr would.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from pathlib import Path

from analytics.__main__ import main

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """``python -m analytics ARGS`` run in this process: its exit code and what it printed on stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exit_:  # argparse's own exit (a usage error, --help)
            code = exit_.code if isinstance(exit_.code, int) else 2
    return subprocess.CompletedProcess(["python", "-m", "analytics", *args], code, out.getvalue(), err.getvalue())


def run_cli_process(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m analytics ARGS`` as a shell user runs it: a new interpreter, through ``analytics/__main__.py``."""
    return subprocess.run(
        [sys.executable, "-m", "analytics", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
