"""The layers of docs/architecture.md, checked on the source: imports run one way
(db -> loaders | queries -> ui -> pages), there is no import cycle among the project's modules,
and no function imports a project module (the way a cycle is dodged)."""
from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PACKAGES = ("db", "loaders", "queries", "ui")
#: What each layer may import of the project. The command line of the loaders reports metrics,
#: so it alone sits above queries.
ALLOWED = {
    "db": {"db"},
    "loaders": {"db", "loaders"},
    "loaders.__main__": {"db", "loaders", "queries"},
    "queries": {"db", "queries"},
    "ui": {"db", "loaders", "queries", "ui"},
    "pages": {"db", "loaders", "queries", "ui"},
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    found = {_module_name(p): p for package in PACKAGES for p in (ROOT / package).glob("*.py")}
    found.update({f"pages.{p.stem}": p for p in (ROOT / "pages").glob("*.py")})
    found["dashboard"] = ROOT / "dashboard.py"
    return found


def _resolve(node: ast.ImportFrom, module: str, is_package: bool, known: set[str]) -> set[str]:
    """The project modules an import statement names (relative or absolute)."""
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[:len(base) - (node.level - 1)]
        prefix = ".".join([*base, node.module] if node.module else base)
    else:
        prefix = node.module or ""
    names = {f"{prefix}.{alias.name}" for alias in node.names}
    return {n for n in names if n in known} or ({prefix} if prefix in known else set())


def imports(module: str, path: Path, known: set[str]) -> tuple[set[str], list[int]]:
    """(project modules `module` imports anywhere, lines where a function imports one)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    inside = set()
    for func in ast.walk(tree):
        if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inside |= {id(n) for n in ast.walk(func) if isinstance(n, (ast.Import, ast.ImportFrom))}
    found, function_level = set(), []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            named = _resolve(node, module, is_package, known)
        elif isinstance(node, ast.Import):
            named = {a.name for a in node.names if a.name in known or a.name.split(".")[0] in PACKAGES}
        else:
            continue
        named.discard(module)
        found |= named
        if named and id(node) in inside:
            function_level.append(node.lineno)
    return found, function_level


def _graph():
    modules = project_modules()
    known = set(modules)
    return {m: imports(m, p, known) for m, p in modules.items()}


def _layer(module: str) -> str:
    if module == "loaders.__main__":
        return module
    top = module.split(".")[0]
    return "pages" if top == "dashboard" else top


def test_each_layer_imports_only_what_lies_below_it():
    wrong = sorted(f"{m} imports {target}" for m, (targets, _) in _graph().items() for target in targets
                   if target.split(".")[0] not in ALLOWED[_layer(m)])
    assert wrong == []


def test_no_import_cycle_among_the_project_modules():
    graph = {m: {t for t in targets if t in project_modules()} for m, (targets, _) in _graph().items()}
    state: dict[str, str] = {}
    cycles = []

    def visit(module, trail):
        if state.get(module) == "done":
            return
        if state.get(module) == "open":
            cycles.append(" -> ".join([*trail[trail.index(module):], module]))
            return
        state[module] = "open"
        for target in sorted(graph.get(module, ())):
            visit(target, [*trail, module])
        state[module] = "done"

    for module in sorted(graph):
        visit(module, [])
    assert cycles == []


def test_no_function_imports_a_project_module():
    found = sorted(f"{m}:{line}" for m, (_, lines) in _graph().items() for line in lines)
    assert found == []


def test_the_checks_can_fail(tmp_path):
    source = tmp_path / "probe.py"
    source.write_text("import os\nfrom . import survey\ndef f():\n    from queries import delivery\n")
    known = {"queries", "queries.survey", "queries.delivery", "loaders.probe"}
    found, lines = imports("loaders.probe", source, known)
    assert found == {"queries.delivery"} and lines == [4]
    assert "queries" not in ALLOWED[_layer("loaders.probe")]
