"""Loaders on good files: survey exports in both multiple-choice styles, as CSV and as XLSX,
give the same answers; header case, spaces and column order do not matter; loading a file twice
changes nothing; a later file corrects an earlier row, and the counts say new/corrected/unchanged.
"""
from __future__ import annotations

import csv
import itertools
from pathlib import Path

import openpyxl
import pytest
from conftest import BUNDLED, file_digest, load, rows, table_checksums

from loaders.survey import Codebook, parse_multiple_choice

CODEBOOK = BUNDLED / "codebook-2025.toml"
TICKS = itertools.cycle(["Yes", "x", "1", "TRUE", "checked"])  # every tick spelling docs/input-formats.md allows


def _answers(db: Path, rnd: str = "2025") -> list[tuple]:
    return rows(db, "SELECT office, question_id, option_code, status, value_text, value_num FROM survey_answers "
                     "WHERE round = $r ORDER BY ALL", {"r": rnd})


def _bundled_survey() -> list[list[str]]:
    return list(csv.reader(open(BUNDLED / "survey-2025.csv", encoding="utf-8")))


def _per_option(table: list[list[str]]) -> list[list[str]]:
    """The export with every multiple-choice question as one column per option ('Q [Option]')."""
    questions = {q.headers[0]: q for q in Codebook.from_file(CODEBOOK).questions if q.type == "multiple_choice"}
    header = table[0]
    out_header: list[str] = []
    for h in header:
        q = questions.get(h)
        out_header += [f"{h} [{o.label}]" for o in q.options] if q else [h]
    out = [out_header]
    for row in table[1:]:
        cells: list[str] = []
        for h, cell in zip(header, row):
            q = questions.get(h)
            if not q:
                cells.append(cell)
                continue
            chosen, unknown = parse_multiple_choice(cell, q) if cell.strip() else ([], [])
            assert not unknown
            cells += [next(TICKS) if o.code in chosen else "" for o in q.options]
        out.append(cells)
    return out


def _write(table: list[list[str]], path: Path) -> Path:
    if path.suffix == ".xlsx":
        wb = openpyxl.Workbook()
        for row in table:
            wb.active.append(row)
        wb.save(path)
    else:
        with open(path, "w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(table)
    return path


@pytest.mark.parametrize("style,ext", [("one-column", ".csv"), ("one-column", ".xlsx"),
                                       ("per-option", ".csv"), ("per-option", ".xlsx")])
def test_survey_styles_and_formats_give_the_bundled_answers(empty_db, bundled_db, tmp_path, style, ext):
    table = _bundled_survey()
    if style == "one-column":
        # Commas as separators and a trailing separator in one cell, as real exports have.
        ip = table[0].index("Which IP rights does your office exchange data on?")
        table[1][ip] = table[1][ip].replace("; ", ", ") + ";"
    else:
        table = _per_option(table)
    path = _write(table, tmp_path / f"survey-2025-{style}{ext}")
    result = load(empty_db, "survey", path, round="2025", codebook=CODEBOOK)
    assert (result.status, result.rows, result.new_rows) == ("loaded", 20, 20)
    assert _answers(empty_db) == _answers(bundled_db)
    # "No answer" stays distinct from "no" in every style.
    assert rows(empty_db, "SELECT count(*) FROM survey_answers WHERE status = 'no_answer'") == \
        rows(bundled_db, "SELECT count(*) FROM survey_answers WHERE status = 'no_answer' AND round = '2025'")


def test_loading_the_same_xlsx_twice_changes_nothing(empty_db, tmp_path):
    path = _write(_per_option(_bundled_survey()), tmp_path / "survey.xlsx")
    first = load(empty_db, "survey", path, round="2025", codebook=CODEBOOK)
    before = (table_checksums(empty_db), file_digest(empty_db),
              (empty_db.parent / "archive" / "manifest.jsonl").read_bytes())
    second = load(empty_db, "survey", path, round="2025", codebook=CODEBOOK)
    assert first.status == "loaded" and second.status == "already loaded"
    assert (second.new_rows, second.corrected_rows, second.unchanged_rows) == (0, 0, 20)
    assert (table_checksums(empty_db), file_digest(empty_db),
            (empty_db.parent / "archive" / "manifest.jsonl").read_bytes()) == before


DELIVERIES = [
    ["provider", "recipient", "dataset", "format", "standard", "scheduled_date", "delivered_at", "records",
     "notice_given", "notes"],
    ["JP", "US", "patent-bibliographic", "XML", "ST.96", "2025-03-03", "2025-03-03", "5000", "", ""],
    ["JP", "US", "patent-bibliographic", "XML", "ST.96", "2025-03-10", "2025-03-12T08:00:00Z", "5100", "yes", "late"],
    ["KR", "US", "patent-fulltext", "XML", "ST.36", "2025-07-04", "", "", "no", "missed"],
]


def test_later_file_corrects_an_earlier_row_and_counts_say_so(empty_db, tmp_path):
    first = load(empty_db, "deliveries", _write(DELIVERIES, tmp_path / "log-march.csv"))
    assert (first.rows, first.new_rows, first.corrected_rows, first.unchanged_rows) == (3, 3, 0, 0)
    corrected = [list(r) for r in DELIVERIES]
    corrected[3][6:8] = ["2025-07-06", "4200"]  # the "missed" run did arrive, two days late
    corrected.append(["EP", "WO", "patent-bibliographic", "XML", "ST.36", "2025-07-09", "2025-07-09", "900", "", ""])
    second = load(empty_db, "deliveries", _write(corrected, tmp_path / "log-july.xlsx"))
    assert (second.rows, second.new_rows, second.corrected_rows, second.unchanged_rows) == (4, 1, 1, 2)
    assert rows(empty_db, "SELECT CAST(delivered_at AS DATE)::VARCHAR, records, load_seq FROM deliveries "
                           "WHERE provider = 'KR'") == [("2025-07-06", 4200, second.seq)]
    assert rows(empty_db, "SELECT count(*) FROM deliveries") == [(4,)]
    # Both files stay in the archive, in load order in the manifest.
    assert [r[0] for r in rows(empty_db, "SELECT original_name FROM loads ORDER BY seq")] == \
        ["log-march.csv", "log-july.xlsx"]
    archived = {p.name for p in (empty_db.parent / "archive").iterdir()}
    assert {f"{first.sha256}.csv", f"{second.sha256}.xlsx"} <= archived


def test_headers_ignore_case_spaces_and_order_and_schedule_completeness_load(empty_db, tmp_path):
    load(empty_db, "deliveries", _write(DELIVERIES, tmp_path / "log.csv"))
    schedule = [[" On_Time_Target", "PROVIDER ", "recipient", "Dataset", "frequency", "grace_days", "starts", "ends"],
                ["0.9", "JP", "US", "patent-bibliographic", "Weekly", "1", "2025-03-03", ""],
                ["0.95", "KR", "US", "patent-fulltext", "monthly", "3", "2025-07-04", "2026-07-04"]]
    result = load(empty_db, "schedule", _write(schedule, tmp_path / "schedule.xlsx"))
    assert (result.rows, result.new_rows) == (2, 2)
    assert rows(empty_db, "SELECT provider, frequency, grace_days, ends::VARCHAR, on_time_target "
                           "FROM delivery_schedule ORDER BY provider") == \
        [("JP", "weekly", 1, None, 0.9), ("KR", "monthly", 3, "2026-07-04", 0.95)]
    completeness = [["provider", "recipient", "dataset", "scheduled_date", "field", "populated"],
                    ["JP", "US", "patent-bibliographic", "2025-03-03", "abstract", "4990"],
                    ["JP", "US", "patent-bibliographic", "2025-03-03", "claims", "5000"]]
    result = load(empty_db, "completeness", _write(completeness, tmp_path / "completeness.csv"))
    assert (result.rows, result.new_rows) == (2, 2)
    assert rows(empty_db, "SELECT field, populated FROM field_completeness ORDER BY field") == \
        [("abstract", 4990), ("claims", 5000)]
