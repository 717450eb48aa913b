"""Dependencies point inward and never go round in a circle.

Every module of the package is covered, and imports inside functions count as much as those at
the top: a cycle hidden in a function is still a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "propwatch"

# top-level part of propwatch -> the parts it may import (besides itself)
ALLOWED: dict[str, set[str]] = {
    "doc": set(), "errors": set(), "techniques": set(),
    "config": {"errors"},
    "ingest": {"config", "doc", "errors"},
    "pipeline": {"config", "doc", "errors", "ingest"},
    "detect": {"doc", "errors", "techniques", "pipeline"},
    "attribution": {"detect", "doc", "errors"},
    "components": {"attribution", "detect", "doc", "errors", "kb", "narratives", "pipeline",
                   "roles", "store"},
    "kb": {"detect", "doc", "errors"},
    "narratives": {"detect", "doc", "errors", "kb", "pipeline"},
    "roles": {"attribution", "detect", "doc", "errors", "pipeline"},
    "reuse": {"doc", "errors"},
    "store": {"doc", "errors", "kb"},
    "engines": {"config", "doc", "errors", "pipeline", "reuse"},
    "corpus": {"config", "doc", "engines", "errors", "ingest", "pipeline", "reuse", "store"},
    # eval and train read datasets as the pipeline reads articles (ingest's boilerplate marking)
    "eval": {"attribution", "detect", "doc", "errors", "ingest", "kb", "narratives", "roles",
             "techniques"},
    "render": {"doc", "errors", "pipeline", "reuse", "techniques"},
    "server": {"config", "doc", "errors", "ingest", "kb", "pipeline", "render", "reuse", "store",
               "techniques"},
    "train": {"attribution", "detect", "doc", "errors", "eval", "ingest", "kb", "narratives",
              "roles", "techniques"},
    "bench": {"config", "corpus", "detect", "doc", "eval", "pipeline", "reuse", "server", "store",
              "techniques"},
    "cli": {"attribution", "bench", "config", "corpus", "detect", "doc", "errors", "eval", "ingest", "kb", "narratives",
            "pipeline", "render", "roles", "reuse", "server", "store", "techniques", "train"},
    "__init__": {"doc", "pipeline"},
    "__main__": {"cli"},
}
NEVER_AT_RUN_TIME = {"train", "cli", "bench"}  # tooling: only the CLI (and each other) import them
TOOLING = NEVER_AT_RUN_TIME | {"__main__"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imported_modules(path: Path, known: set[str]) -> set[str]:
    """Every propwatch module the file imports, at the top or inside functions, relative or
    absolute; ``from package import name`` counts the submodule when ``name`` is one."""
    here = module_name(path).split(".")
    base = here if is_package(path) else here[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base[: len(base) - (node.level - 1)]
                target = ".".join(anchor + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            targets.append(target)
            targets += [f"{target}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            targets += [alias.name for alias in node.names]
        for target in targets:
            if target in known:
                found.add(target)
    return found - {module_name(path)}


def import_graph() -> dict[str, set[str]]:
    modules = all_modules()
    known = set(modules)
    return {name: imported_modules(path, known) for name, path in modules.items()}


def part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles_anywhere():
    assert cycles(import_graph()) == []


def test_every_part_of_the_package_has_rules():
    assert {part(m) for m in all_modules()} <= set(ALLOWED)


def test_parts_import_only_what_they_may():
    for module, imports in import_graph().items():
        here = part(module)
        # propwatch/__init__ holds __version__ and imports the rest lazily: anyone may use it
        extra = {part(m) for m in imports} - ALLOWED[here] - {here, "__init__"}
        assert not extra, f"{module} imports {sorted(extra)}"


def test_run_time_code_never_imports_tooling():
    for module, imports in import_graph().items():
        if part(module) in TOOLING:
            continue
        bad = {m for m in imports if part(m) in NEVER_AT_RUN_TIME}
        assert not bad, f"{module} imports {sorted(bad)}"


def test_the_checker_sees_every_kind_of_import():
    graph = import_graph()
    assert "propwatch.doc" in graph["propwatch.detect.baseline"]  # relative, at the top
    assert "propwatch.config" in graph["propwatch.ingest"]  # package __init__
    assert "propwatch.detect.baseline" in graph["propwatch.detect.transformer"]  # in a function
    assert "propwatch.pipeline.component" in graph["propwatch.pipeline.run"]  # a sibling
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
