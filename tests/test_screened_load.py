"""The screened load: a clean CSV file of the schedule or the log is read, checked and
inserted in one pass (`TableHandler.load_screened`); anything doubtful sends the file to the
exact path, which lists every problem. Both paths apply the same rules, so:

- a clean file takes the screened path and stores exactly the rows the exact path stores;
- every hostile file of those kinds is refused by the screen (and then by the exact path, with
  its problems: tests/test_hostile_inputs.py), or, for the checks both paths share, rejected
  with the same problems;
- a file that only trimming makes valid (cells with surrounding spaces) leaves the screen and
  loads through the exact path, trimmed.
"""
from __future__ import annotations

import tomllib
from pathlib import Path

import duckdb
import pytest
from conftest import BUNDLED, copy_database, load, rows

from loaders import LoadRejected, LoadRequest
from loaders.registry import HANDLERS

BAD = Path(__file__).resolve().parent / "data" / "bad"
CASES = tomllib.loads((BAD / "EXPECTED.toml").read_text(encoding="utf-8"))["case"]
SCREENED_KINDS = ("schedule", "deliveries")
TABLES = {"schedule": "delivery_schedule", "deliveries": "deliveries"}


def _request(kind: str, path: Path) -> LoadRequest:
    return LoadRequest(kind, path, path.name, content=path.read_bytes())


def _scratch(db: Path) -> duckdb.DuckDBPyConnection:
    scratch = duckdb.connect()
    scratch.execute("ATTACH $p AS nxt", {"p": str(db)})
    return scratch


def _stored(scratch, kind: str) -> list[tuple]:
    return scratch.execute(f"SELECT * EXCLUDE (load_seq) FROM nxt.{TABLES[kind]} ORDER BY ALL").fetchall()


def _screened(db: Path, kind: str, path: Path):
    """(counts or None, rows stored) of the screened path on a scratch copy of `db`."""
    scratch = _scratch(db)
    try:
        scratch.execute("BEGIN TRANSACTION")
        counts = HANDLERS[kind].load_screened(scratch, _request(kind, path), 999)
        stored = _stored(scratch, kind) if counts is not None else None
        scratch.execute("ROLLBACK")
        return counts, stored
    finally:
        scratch.close()


def _exact(db: Path, kind: str, path: Path):
    scratch = _scratch(db)
    try:
        handler = HANDLERS[kind]
        prepared = handler.validate(scratch, _request(kind, path))
        scratch.execute("BEGIN TRANSACTION")
        counts = handler.apply(scratch, _request(kind, path), prepared, 999)
        stored = _stored(scratch, kind)
        scratch.execute("ROLLBACK")
        return counts, stored
    finally:
        scratch.close()


@pytest.fixture(scope="module")
def bundled(tmp_path_factory, bundled_db) -> Path:
    """A private copy of the bundled database: the tests attach it read-write (and roll back),
    which DuckDB refuses for a file that another connection of the process holds open."""
    return copy_database(bundled_db, tmp_path_factory.mktemp("bundled-copy"))


@pytest.fixture(scope="module")
def reference_only(tmp_path_factory, bundled_db) -> Path:
    """The bundled database without its schedule and log (every row of a load is new)."""
    db = copy_database(bundled_db, tmp_path_factory.mktemp("screened"))
    with duckdb.connect(str(db)) as con:
        con.execute("DELETE FROM field_completeness")
        con.execute("DELETE FROM deliveries")
        con.execute("DELETE FROM delivery_schedule")
    return db


@pytest.mark.parametrize("kind, name", [("schedule", "schedule.csv"), ("deliveries", "deliveries.csv")])
def test_a_clean_file_takes_the_screened_path_and_stores_what_the_exact_path_stores(reference_only, bundled,
                                                                                     kind, name):
    counts, stored = _screened(reference_only, kind, BUNDLED / name)
    assert counts is not None, "a clean bundled file must not need the exact path"
    assert (counts, stored) == _exact(reference_only, kind, BUNDLED / name)
    assert counts["new"] == len(stored) > 20
    # Against a database that holds the same rows already, all are unchanged, in both paths.
    counts, stored = _screened(bundled, kind, BUNDLED / name)
    assert counts == {"rows": len(stored), "new": 0, "corrected": 0, "unchanged": len(stored)}
    assert (counts, stored) == _exact(bundled, kind, BUNDLED / name)


def test_a_correcting_file_replaces_rows_in_the_screened_path_as_in_the_exact_path(bundled, tmp_path):
    lines = (BUNDLED / "deliveries.csv").read_text(encoding="utf-8").splitlines()
    header, first, second = lines[0], lines[1].split(","), lines[2].split(",")
    first[7] = str(int(first[7]) + 1)  # records corrected
    new = second[:5] + ["2026-11-01"] + ["2026-11-02", "10", "", ""]
    path = tmp_path / "correction.csv"
    path.write_text("\n".join([header, ",".join(first), ",".join(second), ",".join(new)]) + "\n")
    counts, stored = _screened(bundled, "deliveries", path)
    assert counts == {"rows": 3, "new": 1, "corrected": 1, "unchanged": 1}
    assert (counts, stored) == _exact(bundled, "deliveries", path)


@pytest.mark.parametrize("case", [c for c in CASES if c["kind"] in SCREENED_KINDS and c["outcome"] == "rejected"],
                         ids=lambda c: c["file"])
def test_every_hostile_file_is_refused_by_the_screen(bundled, case):
    """Refused: the screen hands the file to the exact path (None), or, for the checks both
    paths share (encoding, header), raises the problems the exact path raises."""
    try:
        counts, _ = _screened(bundled, case["kind"], BAD / case["file"])
    except LoadRejected as screened:
        with pytest.raises(LoadRejected) as exact:
            _exact(bundled, case["kind"], BAD / case["file"])
        assert screened.problems == exact.value.problems
    else:
        assert counts is None


def test_a_file_valid_only_once_trimmed_loads_through_the_exact_path_trimmed(fresh_bundled_db, tmp_path):
    lines = (BUNDLED / "deliveries.csv").read_text(encoding="utf-8").splitlines()
    cells = lines[1].split(",")
    # An office code, free text, a date and a count: the screen reads the text as written.
    cells[0], cells[2], cells[5], cells[7] = f" {cells[0]}", f"{cells[2]}  ", f"{cells[5]} ", f" {cells[7]}"
    path = tmp_path / "spaces.csv"
    path.write_text(lines[0] + "\n" + ",".join(cells) + "\n")
    assert _screened(fresh_bundled_db, "deliveries", path)[0] is None
    result = load(fresh_bundled_db, "deliveries", path)
    assert (result.status, result.unchanged_rows) == ("loaded", 1)
    assert rows(fresh_bundled_db, "SELECT count(*) FROM deliveries WHERE provider <> trim(provider) "
                                  "OR dataset <> trim(dataset)") == [(0,)]
