"""Promises the README and the contract make: the two commands, the CLI lines, the page paths."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from analytics.__main__ import _parser, main

ROOT = Path(__file__).resolve().parents[2]
ANALYTICS = ROOT / "analytics"
README = (ROOT / "README.md").read_text(encoding="utf-8")
CONTRACT_PATHS = ["/", "/product", "/portfolio", "/what-if", "/scenarios", "/data"]


def readme_cli_lines():
    return [m.group(1).split("#")[0].strip() for m in re.finditer(r"^(python -m analytics .+)$", README, re.M)]


def readme_analytics_entries() -> set[str]:
    """The names the README's "## Layout" code block gives at the first level under ``analytics/``."""
    section = README.split("\n## Layout\n", 1)[1]
    block = re.search(r"^```\n(.*?)^```", section, re.M | re.S).group(1).splitlines()
    start = next(i for i, line in enumerate(block) if line.startswith("analytics/"))
    children = []
    for line in block[start + 1 :]:
        if not line.startswith(" "):
            break
        children.append(line)
    depth = min(len(line) - len(line.lstrip()) for line in children)
    return {line.split()[0] for line in children if len(line) - len(line.lstrip()) == depth}


def test_readme_gives_the_two_setup_commands():
    assert "make run" in README and "make test" in README


def test_readme_shows_a_screenshot_that_exists():
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README)
    assert images, "the README shows the app"
    for image in images:
        assert (ROOT / image).is_file(), image


def test_makefile_has_the_targets_the_readme_names():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in re.findall(r"`make (\w+)`", README):
        assert re.search(rf"^{target}:", makefile, re.M), target


@pytest.mark.parametrize("line", readme_cli_lines())
def test_every_cli_line_in_the_readme_parses(line):
    args = shlex.split(line)[3:]
    parsed = _parser().parse_args(args)
    assert parsed.command in ("demo", "import", "export", "review", "users")


def test_the_readme_demo_command_builds_a_store(tmp_path):
    demo_line = next(line for line in readme_cli_lines() if " demo " in line and "bench" not in line)
    args = shlex.split(demo_line)[3:]
    args[args.index("--db") + 1] = str(tmp_path / "readme.duckdb")
    assert main(args) == 0
    assert (tmp_path / "readme.duckdb").exists()


def test_every_contract_page_is_known_to_the_router_with_a_file_named_after_its_path():
    # ui.nav imports Streamlit (half a second of CPU): imported here, only the worker that runs this test pays.
    from ui import nav

    assert ["/" + spec.url_path for spec in nav.PAGES] == CONTRACT_PATHS
    for spec in nav.PAGES:
        if spec.url_path:
            assert Path(spec.file).stem == spec.url_path, "a deep link needs the file named after its path"


def test_ci_script_installs_chromium_requires_the_browser_and_runs_make_test():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "chromium" in ci and "REQUIRE_BROWSER=1" in ci and "make test" in ci


def test_the_readme_layout_lists_every_module_and_package_of_analytics():
    listed = {name for name in readme_analytics_entries() if name.endswith((".py", "/"))}
    present = {path.name for path in ANALYTICS.glob("*.py") if path.name != "__init__.py"}
    present |= {f"{path.name}/" for path in ANALYTICS.iterdir() if path.is_dir() and path.name != "__pycache__"}
    if "__main__.py" not in listed:
        present.discard("__main__.py")
    missing, stale = sorted(present - listed), sorted(listed - present)
    assert not missing and not stale, f"README's ## Layout: add {missing}, drop {stale}"
