"""Every file of the hostile-input corpus (tests/data/bad/, listed in EXPECTED.toml) is
rejected with a message naming the file, the row and the column, and leaves the database
exactly as it was: same table contents, same bytes on disk, same manifest and archive.
The few files that are tolerated by design (BOM, mixed line ends, a future scheduled date) load.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from datetime import date
from pathlib import Path

import pytest
from conftest import BUNDLED, ROOT, copy_database, file_digest, load, rows, table_checksums

from loaders import LoadRejected

BAD = Path(__file__).resolve().parent / "data" / "bad"
CASES = tomllib.loads((BAD / "EXPECTED.toml").read_text(encoding="utf-8"))["case"]
REJECTED = [c for c in CASES if c["outcome"] == "rejected"]
TOLERATED = [c for c in CASES if c["outcome"] == "loaded"]
CODEBOOK = BUNDLED / "codebook-2025.toml"
KINDS = ("survey", "schedule", "deliveries", "completeness", "codebook")


def _load(db: Path, case: dict, dry_run: bool = False):
    if case["kind"] == "codebook":  # a broken codebook, read with the bundled export
        return load(db, "survey", BUNDLED / "survey-2025.csv", round="2025", codebook=BAD / case["file"],
                    dry_run=dry_run)
    survey = case["kind"] == "survey"
    codebook = BAD / case["codebook"] if case.get("codebook") else CODEBOOK
    return load(db, case["kind"], BAD / case["file"], round="2025" if survey else None,
                codebook=codebook if survey else None, dry_run=dry_run)


def _state(db: Path) -> tuple:
    """Everything a load could change: table contents, the db file's bytes, the archive."""
    archive = db.parent / "archive"
    return (table_checksums(db), file_digest(db),
            sorted((p.name, file_digest(p)) for p in archive.iterdir() if p.is_file()))


@pytest.fixture(scope="module")
def shared_db(tmp_path_factory, bundled_db) -> Path:
    """One copy of the bundled database for the module: every rejection must leave it as is
    (each test compares before and after), so the cases can share it."""
    return copy_database(bundled_db, tmp_path_factory.mktemp("hostile"))


def test_corpus_is_large_and_covers_every_kind():
    assert len(REJECTED) >= 30
    assert {c["kind"] for c in REJECTED} == set(KINDS)
    for case in CASES:
        assert (BAD / case["file"]).is_file(), case["file"]
    # The committed files stay small, the zip bomb included.
    assert all((BAD / c["file"]).stat().st_size < 1_000_000 for c in CASES)


@pytest.mark.parametrize("case", REJECTED, ids=[c["file"] for c in REJECTED])
def test_bad_file_is_rejected_naming_file_row_column_and_changes_nothing(shared_db, case):
    before = _state(shared_db)
    with pytest.raises(LoadRejected) as caught:
        _load(shared_db, case)
    rejection = caught.value
    message = str(rejection)
    assert rejection.problems, message
    first = rejection.problems[0]
    assert first.file == case["file"]
    assert message.splitlines()[1].strip().startswith(case["file"])
    assert case["fragment"] in first.expected, message
    if case["row"]:
        assert first.row == case["row"], message
        assert f"row {case['row']}" in message
    else:  # a whole-file problem: no row to name, and none invented
        assert first.row in (None, 1), message
    if case["column"]:
        assert first.column == case["column"], message
        assert f"column '{case['column']}'" in message
    assert "the database is unchanged" in message
    assert _state(shared_db) == before


@pytest.mark.parametrize("case", TOLERATED, ids=[c["file"] for c in TOLERATED])
def test_tolerated_file_loads(fresh_bundled_db, case):
    result = _load(fresh_bundled_db, case)
    assert result.status == "loaded"
    loaded = rows(fresh_bundled_db, "SELECT provider, scheduled_date, delivered_at, records FROM deliveries "
                                    "WHERE load_seq = $seq ORDER BY scheduled_date", {"seq": result.seq})
    assert len(loaded) == result.rows
    if "future" in case["file"]:
        assert loaded == [("JP", date(2029, 1, 1), None, None)]  # pending, not an error
    else:
        # BOM and mixed line ends: the first column is 'provider' (no BOM glued to it) and
        # the three rows are read whole, the last one included.
        assert [r[0] for r in loaded] == ["JP", "JP", "KR"]
        assert loaded[-1][3] is None and str(loaded[1][2]) == "2025-02-25 10:30:00"


CLI_CASES = ["latin1.csv", "zip-bomb.xlsx", "survey-unknown-option.csv", "completeness-populated-above-records.csv",
             # These crashed with a traceback, or took minutes, before they were refused.
             "schedule-starts-year-9999.csv", "codebook-office-column-number.toml", "zip-bomb-stored-padding.xlsx"]


@pytest.mark.parametrize("name", CLI_CASES)
def test_cli_rejects_with_exit_1_and_report_on_stderr(fresh_bundled_db, name):
    case = next(c for c in CASES if c["file"] == name)
    before = _state(fresh_bundled_db)
    manifest = (fresh_bundled_db.parent / "archive" / "manifest.jsonl").read_bytes()
    kind, path, codebook = case["kind"], BAD / name, CODEBOOK
    if kind == "codebook":
        kind, path, codebook = "survey", BUNDLED / "survey-2025.csv", BAD / name
    extra = ["--round", "2025", "--codebook", str(codebook)] if kind == "survey" else []
    done = subprocess.run([sys.executable, "-m", "loaders", "load", kind, str(path),
                           "--db", str(fresh_bundled_db), *extra],
                          cwd=ROOT, capture_output=True, text=True, env={**os.environ, "IPDX_DB": ""})
    assert done.returncode == 1, done.stderr
    assert name in done.stderr and case["fragment"] in done.stderr
    assert "Traceback" not in done.stderr
    if case["row"]:
        assert f"row {case['row']}" in done.stderr
    assert done.stdout.strip() == ""
    assert _state(fresh_bundled_db) == before
    assert (fresh_bundled_db.parent / "archive" / "manifest.jsonl").read_bytes() == manifest


def test_all_problems_of_a_file_are_listed(tmp_path, shared_db):
    """Not only the first problem: three broken rows give three problems, in row order."""
    lines = (BAD / "unknown-office.csv").read_text().splitlines()
    broken = [lines[0]] + [line.replace("JP,US", "jp,XX", 1).replace("KR,US", "QQ,US", 1) for line in lines[1:]]
    path = tmp_path / "three-problems.csv"
    path.write_text("\n".join(broken) + "\n")
    before = _state(shared_db)
    with pytest.raises(LoadRejected) as caught:
        load(shared_db, "deliveries", path)
    found = [(p.row, p.column, p.value) for p in caught.value.problems]
    assert sorted(found) == [(2, "provider", "jp"), (2, "recipient", "XX"), (3, "provider", "XX"),
                             (4, "provider", "QQ")]
    assert caught.value.total == 4
    assert _state(shared_db) == before


def test_manifest_unchanged_after_every_rejection(shared_db, bundled_db):
    """The manifest file is byte-identical after the whole corpus was thrown at the database
    (this test runs after the parametrised ones in file order)."""
    manifest = shared_db.parent / "archive" / "manifest.jsonl"
    # The bundled loads, nothing more.
    bundled = rows(bundled_db, "SELECT seq FROM loads ORDER BY seq")
    assert len(bundled) >= 5
    assert rows(shared_db, "SELECT seq FROM loads ORDER BY seq") == bundled
    assert manifest.read_bytes() == (bundled_db.parent / "archive" / "manifest.jsonl").read_bytes()
    assert sorted(p.name for p in shared_db.parent.iterdir() if p.name.startswith(".next-")) == []
