"""The import rules of docs/architecture.md, read from the source with ``ast``.

Every ``import`` counts, also those inside functions (kept there to make ``--help`` fast or to
load an optional dependency late): a lazy import that closes a cycle is still a cycle a reader
has to untangle.  A module's parent packages are not counted as its imports.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "civicnews"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(path: Path) -> Iterator[str]:
    """Every module name ``path`` imports (absolute imports; the project uses no others)."""
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import"
            for alias in node.names:
                # `from package import module` imports the module; `from module import name`
                # the module.
                full = f"{node.module}.{alias.name}"
                yield full if full in MODULES else node.module


def _graph() -> dict[str, set[str]]:
    return {
        name: {target for target in _imports(path) if target in MODULES and target != name}
        for name, path in MODULES.items()
    }


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_imports_inside_functions():
    graph = _graph()
    # civicnews.commands.crawl imports civicnews.crawl inside a function (keeps --help fast).
    assert "civicnews.crawl" in graph["civicnews.commands.crawl"]
    assert "civicnews.commands.crawl" in graph["civicnews.cli"]


def test_civicnews_has_no_import_cycles():
    assert _cycles(_graph()) == []


def _room(module: str) -> str:
    """``civicnews.archive.writer`` -> ``archive``; ``civicnews.crawl`` -> ``crawl``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


# room -> what its modules must not import (rooms of civicnews, or outside packages).
FORBIDDEN = {
    # Pure functions of a page: testable on saved HTML, without Scrapy or an archive.
    "parsers": {"scrapy", "archive", "spiders", "pipelines", "middlewares", "commands", "cli"},
    # The SQLite library: usable without a crawl (search, export, Datasette).
    "archive": {"scrapy", "spiders", "pipelines", "middlewares", "parsers", "commands", "cli"},
    # Readers of the archive.
    "export": {"scrapy", "spiders", "pipelines", "middlewares", "parsers", "commands", "cli"},
    "report": {"scrapy", "spiders", "pipelines", "middlewares", "parsers", "commands", "cli"},
    # Spiders decide what to crawl; what is archived is the middlewares' and pipelines' business.
    "spiders": {"archive", "pipelines", "commands", "cli"},
    "pipelines": {"spiders", "commands", "cli"},
    "middlewares": {"spiders", "commands", "cli"},
    # The replica is a stand-alone portal: it knows the family names, not the crawler.
    "replica": {"scrapy", "archive", "spiders", "parsers", "pipelines", "middlewares", "crawl"},
}


@pytest.mark.parametrize("room", sorted(FORBIDDEN))
def test_layer_rules(room):
    broken = []
    for name, path in MODULES.items():
        if _room(name) != room:
            continue
        for target in set(_imports(path)):
            top = target.split(".")[0]
            other = _room(target) if top == "civicnews" else top
            if other in FORBIDDEN[room] and other != room:
                broken.append(f"{name} imports {target}")
    assert broken == []


def test_only_the_command_line_imports_the_commands():
    importers = {
        name
        for name, targets in _graph().items()
        for target in targets
        if _room(target) in ("commands", "cli") and _room(name) not in ("commands", "cli")
    }
    assert importers == {"civicnews.__main__"}
