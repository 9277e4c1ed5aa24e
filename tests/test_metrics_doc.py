"""The metric registry (`queries.registry.METRICS`) is complete and true, and docs/metrics.md is
what it writes: a new metric that is not registered, a column that changed, or a docstring edited
without regenerating the doc fails here."""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys

import pandas as pd
import pytest
from conftest import ROOT

import queries
from loaders import connect_read_only
from queries import registry

DOC = ROOT / "docs" / "metrics.md"


def _public_functions() -> dict[str, object]:
    """Every public function defined in a module of `queries` (and the package), by registry name."""
    found = {}
    modules = [importlib.import_module(f"queries.{i.name}") for i in pkgutil.iter_modules(queries.__path__)]
    for module in [queries, *modules]:
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if not name.startswith("_") and fn.__module__ == module.__name__:
                short = name if module is queries else f"{module.__name__.rsplit('.', 1)[-1]}.{name}"
                found[short] = fn
    return found


def _reads_database(fn) -> bool:
    params = list(inspect.signature(fn).parameters)
    return bool(params) and params[0] == "con"


def test_every_public_function_that_reads_the_database_is_registered():
    functions = _public_functions()
    readers = {name for name, fn in functions.items() if _reads_database(fn)}
    registered = set(registry.BY_NAME)
    missing = sorted(readers - registered - set(registry.NOT_METRICS))
    assert not missing, f"not in queries/registry.py METRICS (nor NOT_METRICS): {missing}"
    assert not sorted(registered - readers), "registered but not a public function of queries taking con"
    assert not sorted(set(registry.NOT_METRICS) - readers), "NOT_METRICS names a function that does not exist"
    assert not registered & set(registry.NOT_METRICS)


def test_entries_are_well_formed():
    assert len(registry.BY_NAME) == len(registry.METRICS), "a metric is registered twice"
    sections = {key for key, _title, _module in registry.SECTIONS}
    for metric in registry.METRICS:
        assert metric.section in sections, metric.name
        assert inspect.getdoc(metric.function), f"{metric.name} has no docstring"
        assert metric.summary and "\n" not in metric.summary, metric.name
        accepted = inspect.signature(metric.function).parameters
        for call in metric.bench:
            assert set(call) <= set(accepted), f"{metric.name}: bench call {call} names an unknown argument"


def _arguments(metric, context: dict) -> dict:
    params = list(inspect.signature(metric.function).parameters.values())[1:]
    return {p.name: context[p.name] for p in params if p.name in context}


def _columns(value) -> tuple[str, ...]:
    if isinstance(value, pd.DataFrame):
        return tuple(value.columns)
    if isinstance(value, dict):
        return tuple(value)
    if isinstance(value, list):
        return tuple(value[0]) if value else ()
    return ()


def test_registered_columns_are_the_columns_returned(bundled_db):
    con = connect_read_only(bundled_db)
    rounds = [r[0] for r in con.execute("SELECT round FROM survey_rounds ORDER BY round").fetchall()]
    context = {"as_of": queries.data_as_of(con), "section": "standards", "round": rounds[-1],
               "from_round": rounds[0], "to_round": rounds[-1], "contest_id": "no-such-contest"}
    wrong = {}
    for metric in registry.METRICS:
        value = metric.function(con, **_arguments(metric, context))
        if isinstance(value, list) and not value:
            pytest.fail(f"{metric.name} returned no rows on the bundled data: its columns are unchecked")
        if (isinstance(value, pd.DataFrame) or metric.columns) and _columns(value) != metric.columns:
            wrong[metric.name] = {"registered": " ".join(metric.columns), "returned": " ".join(_columns(value))}
    con.close()
    assert not wrong, wrong


def test_metrics_doc_is_up_to_date():
    assert DOC.read_text(encoding="utf-8") == registry.markdown(), (
        "docs/metrics.md is stale: run python -m queries.registry --write docs/metrics.md")


def test_metrics_doc_documents_every_metric_and_its_columns():
    text = DOC.read_text(encoding="utf-8")
    for metric in registry.METRICS:
        assert f"\n### {metric.name}\n" in text, metric.name
        section = text.split(f"\n### {metric.name}\n", 1)[1].split("\n### ", 1)[0]
        for column in metric.columns:
            assert f"`{column}`" in section, (metric.name, column)


def test_check_flag_reports_a_stale_file(tmp_path):
    stale = tmp_path / "metrics.md"
    stale.write_text(registry.markdown().replace("# Metrics", "# Old metrics", 1), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "queries.registry", "--check", str(stale)], cwd=ROOT,
                         capture_output=True, text=True)
    assert run.returncode == 1 and "stale" in run.stderr
    run = subprocess.run([sys.executable, "-m", "queries.registry", "--check", str(DOC)], cwd=ROOT,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


def test_command_line_lists_every_registered_metric():
    run = subprocess.run([sys.executable, "-m", "loaders", "metrics", "--list"], cwd=ROOT,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    listed = [line.split()[0] for line in run.stdout.splitlines()]
    assert listed == [m.name for m in registry.METRICS]
