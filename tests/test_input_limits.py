"""Limits and choices of the loaders that the hostile corpus (tests/data/bad/) cannot show alone:
configurable date bounds, a wide survey export, worksheet choice, label spelling across loads,
a line longer than the CSV reader reads, and the command line's exit statuses (0 done,
1 rejected, 2 usage, 3 busy, 4 unexpected error), each through a real subprocess.
"""
from __future__ import annotations

import csv
import fcntl
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from conftest import BUNDLED, ROOT, file_digest, load, rows, table_checksums

from db.paths import Paths
from loaders import LoadRejected, LoadRequest, load_file

DELIVERY_HEADER = "provider,recipient,dataset,format,standard,scheduled_date,delivered_at,records,notice_given,notes"


def _deliveries(path: Path, *lines: str) -> Path:
    path.write_text("\n".join([DELIVERY_HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def _cli(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "loaders", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "IPDX_DB": "", **(env or {})}, timeout=timeout, check=False)


# ---------------------------------------------------------------- dates

def test_date_bounds_follow_the_environment(fresh_bundled_db, tmp_path, monkeypatch):
    early = _deliveries(tmp_path / "early.csv", "JP,US,patent-bibliographic,XML,ST.96,1985-03-04,1985-03-04,10,,")
    with pytest.raises(LoadRejected) as caught:
        load(fresh_bundled_db, "deliveries", early)
    assert "a date between 1990-01-01 and" in str(caught.value)
    assert caught.value.problems[0].column == "scheduled_date"
    monkeypatch.setenv("IPDX_DATE_MIN", "1980-01-01")
    monkeypatch.setenv("IPDX_DATE_MAX", "2027-12-31")
    assert load(fresh_bundled_db, "deliveries", early).status == "loaded"
    later = _deliveries(tmp_path / "later.csv", "JP,US,patent-bibliographic,XML,ST.96,2028-01-03,,,,")
    with pytest.raises(LoadRejected) as caught:
        load(fresh_bundled_db, "deliveries", later)
    assert "a date between 1980-01-01 and 2027-12-31" in str(caught.value)


def test_a_malformed_date_bound_is_a_usage_error_and_changes_nothing(fresh_bundled_db):
    before = table_checksums(fresh_bundled_db)
    done = _cli("load", "deliveries", str(BUNDLED / "deliveries.csv"), "--db", str(fresh_bundled_db),
                env={"IPDX_DATE_MAX": "next year"})
    assert done.returncode == 2, done.stderr
    assert "IPDX_DATE_MAX must be a date as YYYY-MM-DD" in done.stderr
    assert table_checksums(fresh_bundled_db) == before


def test_a_delivery_a_little_early_loads(fresh_bundled_db, tmp_path):
    """Only a delivery more than 365 days before its scheduled date is refused."""
    path = _deliveries(tmp_path / "early.csv", "JP,US,patent-bibliographic,XML,ST.96,2026-03-02,2025-03-10T08:00Z,7,,")
    assert load(fresh_bundled_db, "deliveries", path).status == "loaded"


# ---------------------------------------------------------------- a wide survey export

def test_a_wide_survey_export_loads(empty_db, tmp_path):
    """436 columns whose header line is far beyond 64 KiB: the header is read whole."""
    questions = [f"Question {i}: " + "please describe in your own words " * 6 for i in range(435)]
    codebook = ['[survey]', 'title = "Wide"', 'office_column = "Office code"']
    for i, text in enumerate(questions):
        codebook += ["", "[[questions]]", f'id = "q{i}"', f"headers = [{json.dumps(text)}]", 'type = "free_text"']
    (tmp_path / "wide.toml").write_text("\n".join(codebook) + "\n", encoding="utf-8")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["Office code", *questions])
    writer.writerow(["JP", *[f"answer {i}" for i in range(435)]])
    writer.writerow(["US", *["" for _ in range(435)]])
    (tmp_path / "wide.csv").write_text(buf.getvalue(), encoding="utf-8")
    assert len(buf.getvalue().splitlines()[0].encode()) > 65536
    result = load(empty_db, "survey", tmp_path / "wide.csv", round="2030", codebook=tmp_path / "wide.toml")
    assert (result.status, result.rows) == ("loaded", 2)
    assert rows(empty_db, "SELECT status, count(*) FROM survey_answers WHERE round = '2030' GROUP BY ALL "
                          "ORDER BY ALL") == [("answered", 435), ("no_answer", 435)]
    assert rows(empty_db, "SELECT value_text FROM survey_answers WHERE office = 'JP' AND question_id = 'q434'") == [
        ("answer 434",)]


# ---------------------------------------------------------------- worksheets

def _workbook(path: Path, sheets: list[tuple[str, list[list], bool]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, data, hidden in sheets:
        ws = wb.create_sheet(title)
        for r in data:
            ws.append(r)
        if hidden:
            ws.sheet_state = "hidden"
    wb.active = next(i for i, (_, _, hidden) in enumerate(sheets) if not hidden)
    wb.save(path)
    return path


ROW_A = ["JP", "US", "patent-bibliographic", "XML", "ST.96", "2026-11-30", "2026-11-30", "11", "", ""]
ROW_B = ["KR", "US", "patent-fulltext", "XML", "ST.36", "2026-11-27", "2026-11-27", "22", "", ""]


def test_the_first_visible_sheet_is_read_and_named_in_the_result(fresh_bundled_db, tmp_path):
    path = _workbook(tmp_path / "book.xlsx", [("Old", [DELIVERY_HEADER.split(","), ROW_A], True),
                                              ("Current", [DELIVERY_HEADER.split(","), ROW_B], False)])
    result = load(fresh_bundled_db, "deliveries", path)
    assert result.sheet == "Current"
    assert "read worksheet 'Current' (the first visible one)" in result.notes
    assert rows(fresh_bundled_db, "SELECT provider, records FROM deliveries WHERE load_seq = $s",
                {"s": result.seq}) == [("KR", 22)]


def test_a_named_sheet_is_read_even_when_hidden_and_the_cli_says_which(fresh_bundled_db, tmp_path):
    path = _workbook(tmp_path / "book.xlsx", [("Old", [DELIVERY_HEADER.split(","), ROW_A], True),
                                              ("Current", [DELIVERY_HEADER.split(","), ROW_B], False)])
    result = load_file(LoadRequest("deliveries", path, path.name, options={"sheet": "Old"}), fresh_bundled_db,
                       dry_run=True)
    assert (result.sheet, result.rows) == ("Old", 1)
    done = _cli("load", "deliveries", str(path), "--sheet", "Old", "--db", str(fresh_bundled_db))
    assert done.returncode == 0, done.stderr
    assert "note: read worksheet 'Old'" in done.stdout
    assert rows(fresh_bundled_db, "SELECT provider FROM deliveries WHERE records = 11 "
                                  "AND scheduled_date = '2026-11-30'") == [("JP",)]
    # The sheet is part of the load: a rebuild from the archive reads the same one.
    manifest = (fresh_bundled_db.parent / "archive" / "manifest.jsonl").read_text().splitlines()
    assert json.loads(json.loads(manifest[-1])["options"]) == {"sheet": "Old"}
    assert _cli("build", "--db", str(fresh_bundled_db)).returncode == 0
    assert rows(fresh_bundled_db, "SELECT provider FROM deliveries WHERE records = 11 "
                                  "AND scheduled_date = '2026-11-30'") == [("JP",)]


def test_an_unknown_sheet_is_a_rejection_naming_the_sheets(fresh_bundled_db, tmp_path):
    path = _workbook(tmp_path / "book.xlsx", [("Current", [DELIVERY_HEADER.split(","), ROW_B], False)])
    done = _cli("load", "deliveries", str(path), "--sheet", "Missing", "--db", str(fresh_bundled_db))
    assert done.returncode == 1
    assert "book.xlsx" in done.stderr and "a worksheet of that name; the workbook has 'Current'" in done.stderr


# ---------------------------------------------------------------- labels

def test_a_label_spelt_otherwise_than_loaded_is_refused_on_the_second_load(empty_db, tmp_path):
    first = _deliveries(tmp_path / "first.csv", "JP,US,Trademark-Images,XML,ST.96,2026-03-02,2026-03-02,5,,")
    assert load(empty_db, "deliveries", first).status == "loaded"
    second = _deliveries(tmp_path / "second.csv", "JP,US,trademark-images,XML,ST.96,2026-03-09,2026-03-09,5,,")
    with pytest.raises(LoadRejected) as caught:
        load(empty_db, "deliveries", second)
    problem = caught.value.problems[0]
    assert (problem.row, problem.column) == (2, "dataset")
    assert problem.value == "trademark-images (loaded as Trademark-Images)"
    assert rows(empty_db, "SELECT DISTINCT dataset FROM deliveries") == [("Trademark-Images",)]


def test_surrounding_non_breaking_spaces_are_trimmed_like_spaces(fresh_bundled_db, tmp_path):
    path = _deliveries(tmp_path / "nbsp.csv", "JP,US,patent-bibliographic\u00a0,XML,ST.96,2026-11-30,,,,")
    assert load(fresh_bundled_db, "deliveries", path).status == "loaded"
    assert rows(fresh_bundled_db, "SELECT count(DISTINCT dataset) FROM deliveries "
                                  "WHERE lower(dataset) LIKE 'patent-bib%'") == [(1,)]


# ---------------------------------------------------------------- an over-long line

def test_a_line_longer_than_the_reader_reads_names_row_and_column(fresh_bundled_db, tmp_path):
    path = _deliveries(tmp_path / "long-line.csv", "JP,US,patent-bibliographic,XML,ST.96,2025-02-17,,,,",
                       "JP,US,patent-bibliographic,XML,ST.96,2025-02-24,,,," + "x" * 4_100_000)
    before = file_digest(fresh_bundled_db)
    with pytest.raises(LoadRejected) as caught:
        load(fresh_bundled_db, "deliveries", path)
    problem = caught.value.problems[0]
    assert (problem.row, problem.column) == (3, "notes"), str(caught.value)
    assert "a row of at most 4000000 bytes" in problem.expected
    assert file_digest(fresh_bundled_db) == before


# ---------------------------------------------------------------- exit statuses

def test_exit_0_done_and_status_prints_no_nan_round(fresh_bundled_db):
    done = _cli("status", "--db", str(fresh_bundled_db))
    assert done.returncode == 0, done.stderr
    assert "nan" not in done.stdout
    schedule_line = next(line for line in done.stdout.splitlines() if "schedule.csv" in line)
    assert " round= " in schedule_line
    as_json = _cli("status", "--json", "--db", str(fresh_bundled_db))
    assert as_json.returncode == 0
    loads = json.loads(as_json.stdout)["loads"]  # valid JSON: null, not NaN
    assert {load["round"] for load in loads if load["kind"] != "survey"} == {None}


def test_exit_1_rejected(fresh_bundled_db, tmp_path):
    path = _deliveries(tmp_path / "bad.csv", "JP,US,patent-bibliographic,XML,ST.96,9999-01-01,,,,")
    done = _cli("load", "deliveries", str(path), "--db", str(fresh_bundled_db))
    assert done.returncode == 1
    assert "bad.csv, row 2, column 'scheduled_date'" in done.stderr


def test_exit_2_usage(fresh_bundled_db):
    done = _cli("load", "survey", str(BUNDLED / "survey-2025.csv"), "--db", str(fresh_bundled_db))
    assert done.returncode == 2
    assert "usage error" in done.stderr


def test_exit_3_busy_when_another_writer_holds_the_lock(fresh_bundled_db, tmp_path):
    path = _deliveries(tmp_path / "one.csv", "JP,US,patent-bibliographic,XML,ST.96,2026-11-30,,,,")
    before = table_checksums(fresh_bundled_db)
    with open(Paths(fresh_bundled_db).lock, "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        done = _cli("load", "deliveries", str(path), "--db", str(fresh_bundled_db), env={"IPDX_LOCK_WAIT": "0.3"})
    assert done.returncode == 3, done.stderr
    assert done.stderr.startswith("busy: another load or rebuild holds")
    assert "Traceback" not in done.stderr
    assert table_checksums(fresh_bundled_db) == before


def test_exit_4_unexpected_error_prints_one_line_and_logs_the_traceback(tmp_path):
    db = tmp_path / "ipdx.duckdb"
    db.write_text("this is not a DuckDB database\n")
    done = _cli("status", "--db", str(db))
    assert done.returncode == 4
    assert len(done.stderr.strip().splitlines()) == 1
    log = tmp_path / "ipdx-errors.log"
    assert done.stderr.startswith("unexpected error: ") and f"(details in {log})" in done.stderr
    assert "Traceback (most recent call last)" in log.read_text()


def test_date_bounds_cannot_be_set_beyond_what_the_calendar_can_hold(fresh_bundled_db):
    done = _cli("load", "deliveries", str(BUNDLED / "deliveries.csv"), "--db", str(fresh_bundled_db),
                env={"IPDX_DATE_MAX": "9999-12-31"})
    assert done.returncode == 2
    assert "must lie between 1800-01-01 and 2199-12-31" in done.stderr


def test_every_non_finite_number_of_a_survey_is_listed(fresh_bundled_db):
    bad = Path(__file__).resolve().parent / "data" / "bad"
    with pytest.raises(LoadRejected) as caught:
        load(fresh_bundled_db, "survey", bad / "survey-number-nan.csv", round="2025",
             codebook=bad / "survey-number-codebook.toml")
    assert [(p.row, p.value) for p in caught.value.problems] == [(3, "NaN"), (4, "inf"), (5, "-Infinity")]


def test_a_label_with_a_tab_inside_is_not_plain(fresh_bundled_db, tmp_path):
    path = _deliveries(tmp_path / "tab.csv", "JP,US,patent\tfulltext,XML,ST.96,2026-11-30,,,,")
    with pytest.raises(LoadRejected) as caught:
        load(fresh_bundled_db, "deliveries", path)
    assert caught.value.problems[0].value == "patent\tfulltext (plain form: patent fulltext)"


def test_a_workbook_cell_far_beyond_the_header_is_not_read(fresh_bundled_db, tmp_path):
    """A sheet may claim 16,384 columns and a million rows with one cell: only the header's
    columns are read, and the empty rows are skipped."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(DELIVERY_HEADER.split(","))
    ws.append(ROW_B)
    ws.cell(row=1_048_576, column=16_384, value="far away")
    wb.save(tmp_path / "far.xlsx")
    result = load(fresh_bundled_db, "deliveries", tmp_path / "far.xlsx", dry_run=True)
    assert (result.status, result.rows) == ("would load", 1)


def test_a_rejected_workbook_says_which_sheet_was_read(fresh_bundled_db):
    bad = Path(__file__).resolve().parent / "data" / "bad"
    with pytest.raises(LoadRejected) as caught:
        load(fresh_bundled_db, "deliveries", bad / "hidden-first-sheet.xlsx")
    assert str(caught.value).splitlines()[0] == "rejected: 1 problem (worksheet 'Deliveries')"


def test_a_header_of_too_many_columns_or_bytes_is_refused_at_row_1(fresh_bundled_db, tmp_path):
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(f"c{i}" for i in range(5000)) + "\n" + ",".join("x" for _ in range(5000)) + "\n")
    with pytest.raises(LoadRejected) as caught:
        load(fresh_bundled_db, "deliveries", wide)
    assert (caught.value.problems[0].row, caught.value.problems[0].expected) == (1, "a header of at most 4096 columns")
    long = tmp_path / "long-header.csv"
    long.write_text("provider," + "h" * 4_100_000 + "\nJP,x\n")
    with pytest.raises(LoadRejected) as caught:
        load(fresh_bundled_db, "deliveries", long)
    assert (caught.value.problems[0].row, caught.value.problems[0].expected) == (1, "a header row of at most 4000000 bytes")
