"""The ui/ and pages/ layers (docs/architecture.md): no import cycle among ui modules and no import
inside a function there; the UI reads the codebooks' translations, the load history and the office
list through `queries`, which the survey loader fills at load time."""
from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT, load, rows

import loaders
from queries import labels, manage, peers

UI = ROOT / "ui"
SURVEY = ROOT / "tests" / "data" / "survey"
FRENCH = 'label = "non-standard data formats"\nlabel_fr = "formats de données non normalisés"'


def _ui_imports(path: Path) -> set[str]:
    """The ui modules a ui module imports at module level (`from . import x`, `from .x import y`)."""
    found = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found |= {node.module} if node.module else {alias.name for alias in node.names}
    return found


def test_ui_modules_import_one_way():
    graph = {p.stem: _ui_imports(p) for p in UI.glob("*.py") if p.stem != "__init__"}
    order, state = [], {}

    def visit(module, trail):
        if state.get(module) == "done":
            return
        assert state.get(module) != "open", f"import cycle: {' -> '.join([*trail, module])}"
        state[module] = "open"
        for imported in sorted(graph.get(module, ())):
            visit(imported, [*trail, module])
        state[module] = "done"
        order.append(module)

    for module in sorted(graph):
        visit(module, [])
    assert not graph["i18n"] and graph["exports"] == {"i18n"}  # the base modules
    assert "page" not in graph["common"] | graph["auth"] | graph["data"]


def _imports_of_ui_inside_functions(source: str) -> list[int]:
    """Lines where a function imports a ui module (the way an import cycle is dodged)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            lines += [inner.lineno for inner in ast.walk(node) if isinstance(inner, ast.ImportFrom)
                      and (inner.level == 1 or (inner.module or "").split(".")[0] == "ui")]
    return lines


def test_no_ui_module_imports_another_inside_a_function():
    found = [f"{p.name}:{line}" for p in sorted(UI.glob("*.py"))
             for line in _imports_of_ui_inside_functions(p.read_text(encoding="utf-8"))]
    assert found == []


def test_the_check_finds_a_function_level_import():
    assert _imports_of_ui_inside_functions("def f():\n    x = 1\n    from . import data\n") == [3]
    assert _imports_of_ui_inside_functions("from . import data\ndef f():\n    from queries import survey\n") == []


def test_codebook_translations_are_stored_at_load_and_replaced_with_the_round(empty_db, tmp_path):
    codebook = tmp_path / "codebook-fr.toml"
    codebook.write_text((SURVEY / "codebook-r1.toml").read_text(encoding="utf-8").replace(
        'label = "non-standard data formats"', FRENCH), encoding="utf-8")
    load(empty_db, "survey", SURVEY / "survey-r1.csv", "2030", codebook)
    assert rows(empty_db, "SELECT round, section, direction, code, lang, label FROM codebook_labels") == [
        ("2030", "challenges", "sharing", "non_standard_formats", "fr", "formats de données non normalisés")]
    con = loaders.open_snapshot(empty_db)
    try:
        assert labels.codebook_option_labels(con, "2030", "challenges") == {
            ("sharing", "non_standard_formats"): {"fr": "formats de données non normalisés"}}
        assert labels.codebook_option_labels(con, "2030", "standards") == {}
        assert labels.codebook_option_labels(con, "2031", "challenges") == {}
    finally:
        con.close()
    # The round loaded again with a codebook that translates nothing: its translations go with it.
    load(empty_db, "survey", SURVEY / "survey-r1.csv", "2030", SURVEY / "codebook-r1.toml")
    assert rows(empty_db, "SELECT count(*) FROM codebook_labels") == [(0,)]


def test_load_history_is_the_manifest(fresh_bundled_db):
    manifest = loaders.read_manifest(loaders.Paths(fresh_bundled_db))
    con = loaders.open_snapshot(fresh_bundled_db)
    try:
        history = manage.load_history(con)
    finally:
        con.close()
    assert list(history.columns) == list(manage.LOAD_COLUMNS)
    assert len(history) == len(manifest) > 0
    for shown, entry in zip(history.to_dict("records"), manifest):
        assert {k: shown[k] for k in ("seq", "kind", "original_name", "sha256", "loaded_at")} == {
            k: entry[k] for k in ("seq", "kind", "original_name", "sha256", "loaded_at")}


def test_the_peer_metrics_labels_are_declared_once_and_translated():
    """The metric layer owns its labels; the catalogs hold each (babel scans queries/), and the
    office profile declares none of its own."""
    from babel.messages.pofile import read_po

    from ui import office_profile
    with open(ROOT / "locales" / "fr" / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(f)
    labels = [m.label for m in peers.METRICS] + list(peers.PEER_GROUPS.values())
    assert all(catalog.get(label) is not None and catalog.get(label).string for label in labels)
    assert not hasattr(office_profile, "METRIC_LABELS") and not hasattr(office_profile, "PEER_GROUP_LABELS")
