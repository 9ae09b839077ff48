"""The marks tests/conftest.py gives by folder: ``make test-fast`` (``-m unit``) selects the unit tests and leaves out
those of tests/unit marked ``process`` or ``render``, which ``make test`` (no ``-m``) still runs."""

from __future__ import annotations

import pytest

from tests import conftest


class FakeItem:
    """What ``pytest_collection_modifyitems`` reads of a collected test: its file, its marks, its id."""

    def __init__(self, folder: str, *marks: str):
        self.fspath = conftest.TESTS / folder / "test_x.py"
        self.nodeid = f"tests/{folder}/test_x.py::test_x"
        self.marks = set(marks)

    def get_closest_marker(self, name: str):
        return name if name in self.marks else None

    def add_marker(self, name: str) -> None:
        self.marks.add(name)


def marks_given(*items: FakeItem) -> list[set[str]]:
    conftest.pytest_collection_modifyitems(None, list(items))
    return [item.marks for item in items]


def test_each_folder_gives_its_mark_and_a_child_process_or_a_render_is_not_a_unit_test():
    assert marks_given(
        FakeItem("unit"),
        FakeItem("unit", "process"),
        FakeItem("unit", "render"),
        FakeItem("pages"),
        FakeItem("browser"),
    ) == [{"unit"}, {"process"}, {"render"}, {"page"}, {"browser"}]


@pytest.mark.parametrize(
    ("item", "says"),
    [
        (FakeItem("unit", "unit", "process"), "is not a unit test"),
        (FakeItem("pages", "render"), "only a test of tests/unit"),
        (FakeItem("elsewhere"), "a test lives in tests/unit"),
    ],
)
def test_a_mark_that_contradicts_the_folder_stops_the_run(item, says):
    with pytest.raises(pytest.UsageError, match=says):
        marks_given(item)
