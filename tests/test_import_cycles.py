"""No import cycle anywhere in shared/, counting every import Python runs.

grimp (which import-linter ships) reads every import statement, including those inside functions, so
a local import does not hide a cycle. Imports under `if TYPE_CHECKING:` never run and are left out.
Python also runs a package's __init__ before any module inside it: importing `a.b.c` runs `a/__init__`
and `a/b/__init__` first. So a module that imports `shared.content.actions.uploads` depends on whatever
`shared/content/actions/__init__.py` re-exports; the check adds those edges too (except for the packages
the importer itself is inside, which are already being initialised by then).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from pathlib import Path

import grimp
import pytest


def runtime_graph(package: str) -> dict[str, set[str]]:
    """Module -> the modules importing it makes Python run (directly)."""
    graph = grimp.build_graph(package, exclude_type_checking_imports=True, cache_dir=None)
    edges: dict[str, set[str]] = {module: set() for module in graph.modules}
    for importer in graph.modules:
        for imported in graph.find_modules_directly_imported_by(importer):
            edges[importer].add(imported)
            parts = imported.split(".")
            for size in range(1, len(parts)):
                ancestor = ".".join(parts[:size])
                if ancestor in edges and not (importer == ancestor or importer.startswith(ancestor + ".")):
                    edges[importer].add(ancestor)
    return edges


def import_cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One shortest cycle per strongly connected group of modules (Tarjan, then a breadth-first search)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(start: str) -> None:
        # Iterative Tarjan: the module graph is deep enough to trouble recursion.
        work: list[tuple[str, Iterable[str]]] = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.add(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(group)

    for module in sorted(edges):
        if module not in index:
            visit(module)
    return [_shortest_cycle(edges, group) for group in groups]


def _shortest_cycle(edges: dict[str, set[str]], group: set[str]) -> list[str]:
    start = min(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for child in sorted(edges[node] & group):
            if child == start:
                return [*paths[node], start]
            if child not in paths:
                paths[child] = [*paths[node], child]
                queue.append(child)
    raise AssertionError(f"no cycle through {start}")  # a strongly connected group always has one


def test_it_finds_no_import_cycle_in_shared() -> None:
    cycles = import_cycles(runtime_graph("shared"))
    assert not cycles, "Import cycles in shared/ (break each one; a local import does not):\n" + "\n".join(
        " -> ".join(cycle) for cycle in cycles
    )


def test_it_keeps_the_storage_interface_free_of_our_imports() -> None:
    # The backends import the interface; the factory (storage_factory.py) imports the backends.
    graph = grimp.build_graph("shared", cache_dir=None)
    ours = {m for m in graph.find_modules_directly_imported_by("shared.integrations.storage") if m.startswith("shared")}
    assert ours == set()


def _package(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def test_it_counts_an_import_inside_a_function(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _package(
        tmp_path / "cyclic_local",
        {
            "__init__.py": "",
            "jobs.py": "from cyclic_local.actions import act\n",
            "actions.py": "def act():\n    from cyclic_local.jobs import queue\n",
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_cycles(runtime_graph("cyclic_local")) == [
        ["cyclic_local.actions", "cyclic_local.jobs", "cyclic_local.actions"]
    ]


def test_it_counts_the_package_init_python_runs_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # tasks imports actions.upkeep, which runs actions/__init__, which re-exports uploads, which imports tasks.
    _package(
        tmp_path / "cyclic_init",
        {
            "__init__.py": "",
            "tasks.py": "from cyclic_init.actions.upkeep import record\n",
            "actions/__init__.py": "from cyclic_init.actions.uploads import upload\n",
            "actions/uploads.py": "from cyclic_init.tasks import task\n",
            "actions/upkeep.py": "def record(): ...\n",
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_cycles(runtime_graph("cyclic_init")) == [
        ["cyclic_init.actions", "cyclic_init.actions.uploads", "cyclic_init.tasks", "cyclic_init.actions"]
    ]


def test_it_ignores_imports_only_type_checkers_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _package(
        tmp_path / "typed_only",
        {
            "__init__.py": "",
            "a.py": "from typed_only.b import B\n",
            "b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from typed_only.a import A\nB = 1\n",
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_cycles(runtime_graph("typed_only")) == []
