"""Dependencies point inward: core modules import nothing of ours, stages never import each
other, run-time code never imports training or the CLI."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "propwatch"

CORE = {"doc", "errors", "techniques"}
ALLOWED = {  # module -> the propwatch modules it may import
    "doc": set(), "errors": set(), "techniques": set(),
    "config": {"errors"},
    "ingest": {"config", "doc", "errors"},
    "detect": {"doc", "errors", "techniques"},
    "evaluate": {"doc"},
    "ptc": {"doc", "errors", "techniques"},
    "report": {"doc", "techniques", "htmlkit"},
    "htmlkit": set(),
    "reuse": {"doc", "errors", "htmlkit"},
    "store": {"doc", "errors", "config"},
}
NEVER_AT_RUN_TIME = {"train", "cli", "corpus_cli"}  # corpus_cli: only cli imports it


def top_module(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def imported_modules(path: Path) -> set[str]:
    """The top-level propwatch modules a file imports (relative or absolute)."""
    found = set()
    depth = len(path.relative_to(PACKAGE).parts) - 1  # 0 for propwatch/x.py, 1 for propwatch/pkg/x.py
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module and node.module.startswith("propwatch."):
                found.add(node.module.split(".")[1])
            elif node.level == depth + 1:  # climbs to the package root
                if node.module:
                    found.add(node.module.split(".")[0])
                else:
                    found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("propwatch."))
    return found


def test_modules_import_only_what_they_may():
    for path in PACKAGE.rglob("*.py"):
        module = top_module(path)
        if module not in ALLOWED:
            continue
        extra = imported_modules(path) - ALLOWED[module] - {module}
        assert not extra, f"{path.relative_to(PACKAGE)} imports {sorted(extra)}"


def test_run_time_code_never_imports_training_or_cli():
    for path in PACKAGE.rglob("*.py"):
        if top_module(path) in NEVER_AT_RUN_TIME:
            continue
        bad = imported_modules(path) & NEVER_AT_RUN_TIME
        assert not bad, f"{path.relative_to(PACKAGE)} imports {sorted(bad)}"


def test_the_checker_sees_relative_imports():
    assert "doc" in imported_modules(PACKAGE / "detect" / "baseline.py")
    assert "errors" in imported_modules(PACKAGE / "ingest.py")
