"""The sheet's dependencies: each ``depends_on`` entry resolved to a project, and cycles found and named.

Resolution of one entry, first match wins:

1. the entry is a project id of the sheet;
2. the entry without its link type and lag (``3FS+2d`` → ``3``) is a project id of the sheet;
3. that is a number and the sheet has an ``ID`` column beside its project id (Microsoft Project's ID next to
   Unique ID): the project whose ID it is;
4. the entry, or the entry without link type and lag, is a project already in the store.

Anything else is an unknown dependency. The dependencies checked for cycles are the ones the store will hold:
the sheet's for its projects, the store's for every other project.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from analytics.portfolio_sheet.problems import Problem
from analytics.portfolio_sheet.values import link_target

if TYPE_CHECKING:
    from analytics.portfolio_sheet.mapping import ColumnMap, Mapping
    from analytics.portfolio_sheet.plan import SheetPlan, SheetRow, StoreFacts
    from analytics.portfolio_sheet.reading import RawSheet


def _reference_ids(sheet: RawSheet, rows: list[SheetRow], mapping: Mapping) -> dict[str, str]:
    col = mapping.reference
    if col is None:
        return {}
    found = {}
    for cells, row in zip(sheet.rows, rows, strict=True):
        value = cells[col.index] if col.index < len(cells) else None
        if value is not None and row.fields.get("project_id"):
            text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value).strip()
            found[text] = row.fields["project_id"]
    return found


def _flag(plan: SheetPlan, row: SheetRow, col: ColumnMap, message: str) -> None:
    row.ok = False
    plan.problems.append(Problem(row.line, col.index, plan.file_name, col.header, message))


def check_dependencies(
    plan: SheetPlan, rows: list[SheetRow], sheet: RawSheet, mapping: Mapping, facts: StoreFacts
) -> None:
    """Resolve every row's ``depends_on`` entries into ``row.needs`` and add a problem for each bad one.

    Parameters
    ----------
    plan
        Receives the problems.
    rows
        The parsed rows, in sheet order (``rows[i]`` is ``sheet.rows[i]``).
    sheet
        The sheet as read, for the ID column numeric predecessors refer to.
    mapping
        The columns.
    facts
        The store's projects and dependencies.
    """
    in_sheet = {r.fields["project_id"] for r in rows if r.fields.get("project_id")}
    by_reference = _reference_ids(sheet, rows, mapping)

    def resolve(entry: str) -> str | None:
        target = link_target(entry)
        for candidate in (entry, target):
            if candidate in in_sheet:
                return candidate
        if by_reference and target.isdigit() and target in by_reference:
            return by_reference[target]
        for candidate in (entry, target):
            if candidate in facts.projects:
                return candidate
        return None

    for row in rows:
        own = row.fields.get("project_id")
        for entry, col in row.depends:
            target = resolve(entry)
            if target is None:
                message = f"unknown dependency {entry!r}: no project {link_target(entry)} in the sheet or the store"
                _flag(plan, row, col, message)
            elif target == own:
                _flag(plan, row, col, f"{entry!r} is the project itself: a project cannot depend on itself")
            elif target not in row.needs:
                row.needs.append(target)
    edges: dict[str, list[str]] = {}
    for (a, b), _kind in sorted(facts.dependencies.items()):
        if a not in in_sheet:
            edges.setdefault(a, []).append(b)
    order = {}
    for row in rows:
        own = row.fields.get("project_id")
        if own and own not in order:
            order[own] = row
            edges.setdefault(own, []).extend(row.needs)
    column = mapping.all_of("depends_on")[0]
    for cycle in find_cycles(edges, list(order)):
        first = order[cycle[0]]
        _flag(plan, first, column, f"dependency cycle {' → '.join(cycle)}: remove one of these dependencies")


def find_cycles(edges: dict[str, list[str]], preferred: list[str]) -> list[list[str]]:
    """Return one cycle for every group of projects that need each other, each as a closed path.

    Parameters
    ----------
    edges
        Project → the projects it needs.
    preferred
        Projects in the order a cycle should start from (the sheet's rows); a cycle starts at the first of
        its projects in this list.

    Returns
    -------
    list of list of str
        Each cycle as ``[a, b, ..., a]``, in the order of its first project in ``preferred``.
    """
    components = _strongly_connected(edges)
    rank = {p: i for i, p in enumerate(preferred)}
    groups: dict[int, list[str]] = {}
    for node, group in components.items():
        groups.setdefault(group, []).append(node)
    cycles = []
    for members in groups.values():
        if len(members) < 2:
            continue
        start = min(members, key=lambda p: (rank.get(p, len(rank)), p))
        cycles.append(_path_back(edges, set(members), start))
    return sorted(cycles, key=lambda c: (rank.get(c[0], len(rank)), c[0]))


def _path_back(edges: dict[str, list[str]], members: set[str], start: str) -> list[str]:
    """Return the shortest path from ``start`` back to itself inside one strongly connected group."""
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for nxt in edges.get(node, []):
                if nxt not in members:
                    continue
                if nxt == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [start, *reversed(path[:-1]), start] if len(path) > 1 else [start, start]
                if nxt not in previous:
                    previous[nxt] = node
                    following.append(nxt)
        frontier = following
    return [start, start]


def _strongly_connected(edges: dict[str, list[str]]) -> dict[str, int]:
    """Tarjan's algorithm without recursion (a sheet may chain thousands of projects): node → group number."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    group: dict[str, int] = {}
    counter = 0
    nodes = list(dict.fromkeys([*edges, *(b for targets in edges.values() for b in targets)]))
    for root in nodes:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            targets = edges.get(node, [])
            if position < len(targets):
                work.append((node, position + 1))
                nxt = targets[position]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            for nxt in targets:
                if nxt in on_stack:
                    low[node] = min(low[node], low[nxt])
            if low[node] == index[node]:
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group[member] = index[node]
                    if member == node:
                        break
    return group
