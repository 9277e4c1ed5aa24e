"""The notices loader: a good file, a bad file with every problem named by row and
column, the same file twice, a repeat with an empty announced_at, the app's form path
(`publish_notice`), and a rebuild from the archive. Real database files, the real loader."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, load, rows, table_checksums

from loaders import LoadRejected, build, connect_read_only
from loaders.publish import publish_notice
from queries import incidents

FIXTURE = FIXTURES / "incidents"
HEADER = "provider,recipient,dataset,starts,ends,kind,text,announced_at\n"


@pytest.fixture
def schedule_db(empty_db) -> Path:
    """Reference tables, the hand-made schedule and log of tests/data/incidents/."""
    load(empty_db, "schedule", FIXTURE / "schedule.csv")
    load(empty_db, "deliveries", FIXTURE / "deliveries.csv")
    return empty_db


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_good_file_loads_every_notice_with_its_time(schedule_db):
    result = load(schedule_db, "notices", FIXTURE / "notices.csv")
    assert (result.status, result.rows, result.new_rows) == ("loaded", 4, 4)
    stored = rows(schedule_db, "SELECT provider, recipient, dataset, starts, kind, announced_at FROM notices "
                               "ORDER BY announced_at, provider")
    assert stored[0] == ("JP", None, "patent-bibliographic", dt.date(2026, 1, 12), "planned_interruption",
                         dt.datetime(2026, 1, 6))
    assert stored[-1][5] == dt.datetime(2026, 2, 20, 15, 30)  # the UTC time of '2026-02-20T15:30:00Z'
    # untrusted text is stored as written
    assert rows(schedule_db, "SELECT text FROM notices WHERE provider = 'KR'") == [("KR notice, <b>not</b> JP's",)]
    assert rows(schedule_db, "SELECT kind, original_name FROM loads ORDER BY seq DESC LIMIT 1") == [
        ("notices", "notices.csv")]
    archived = rows(schedule_db, "SELECT archived_as FROM loads ORDER BY seq DESC LIMIT 1")[0][0]
    assert (schedule_db.parent / "archive" / archived).read_bytes() == (FIXTURE / "notices.csv").read_bytes()


def test_bad_file_names_every_problem_by_row_and_column_and_changes_nothing(schedule_db, tmp_path):
    before = table_checksums(schedule_db)
    bad = _write(tmp_path, "bad-notices.csv", HEADER +
                 "JP,EP,patent-bibliographic,2026-02-01,2026-01-31,planned_interruption,ends first,2026-01-01\n"
                 "JP,,,2026-02-01,2026-02-03,outage,unknown kind,\n"
                 "XX,,,2026-02-01,2026-02-03,delay,unknown office,\n"
                 "JP,JP,,2026-02-01,2026-02-03,delay,to itself,\n"
                 "JP,,,2026-02-30,2026-03-03,delay,no such date,\n"
                 "JP,,,2026-02-01,2026-02-03,delay,,\n"
                 "JP,,,2026-02-01,2026-02-03,delay,from the future,2099-01-01\n"
                 "JP,,,2026-02-01,2026-02-03,delay,bad time,yesterday\n")
    with pytest.raises(LoadRejected) as err:
        load(schedule_db, "notices", bad)
    found = {(p.row, p.column) for p in err.value.problems}
    for expected in [(2, "ends"), (3, "kind"), (4, "provider"), (5, "recipient"), (6, "starts"), (7, "text"),
                     (8, "announced_at"), (9, "announced_at")]:
        assert expected in found, (expected, sorted(found))
    report = err.value.report()
    assert "bad-notices.csv" in report and "planned_interruption" in report
    assert table_checksums(schedule_db) == before


def test_unknown_column_and_duplicate_notice_are_refused(schedule_db, tmp_path):
    bad = _write(tmp_path, "dup.csv", "provider,starts,ends,kind,text,colour\n"
                                      "JP,2026-02-01,2026-02-03,delay,x,red\n")
    with pytest.raises(LoadRejected) as err:
        load(schedule_db, "notices", bad)
    assert [(p.row, p.column) for p in err.value.problems] == [(1, "colour")]
    dup = _write(tmp_path, "dup2.csv", HEADER + "JP,,,2026-02-01,2026-02-03,delay,same,\n" * 2)
    with pytest.raises(LoadRejected) as err:
        load(schedule_db, "notices", dup)
    assert [p.row for p in err.value.problems] == [3]


def test_same_file_twice_changes_nothing(schedule_db):
    load(schedule_db, "notices", FIXTURE / "notices.csv")
    before = table_checksums(schedule_db)
    again = load(schedule_db, "notices", FIXTURE / "notices.csv")
    assert again.status == "already loaded"
    assert table_checksums(schedule_db) == before


def test_repeat_with_empty_time_keeps_the_time_and_a_new_time_corrects_it(schedule_db, tmp_path):
    first = _write(tmp_path, "first.csv", HEADER + "JP,EP,,2026-02-16,2026-03-06,delay,Late files.,\n")
    load(schedule_db, "notices", first)
    (loaded_at,) = rows(schedule_db, "SELECT loaded_at FROM loads ORDER BY seq DESC LIMIT 1")[0]
    con = connect_read_only(schedule_db)
    assert list(incidents.notices(con)["announced_at"]) == [loaded_at]  # empty = the time of its load
    con.close()
    repeat = _write(tmp_path, "repeat.csv", HEADER + "JP,EP,,2026-02-16,2026-03-06,delay,Late files.,\n"
                                                     "JP,EP,,2026-02-16,2026-03-06,delay,Another.,2026-02-17\n")
    result = load(schedule_db, "notices", repeat)
    assert (result.new_rows, result.corrected_rows, result.unchanged_rows) == (1, 0, 1)
    assert rows(schedule_db, "SELECT announced_at FROM notices WHERE text = 'Late files.'") == [(loaded_at,)]
    fix = _write(tmp_path, "fix.csv", HEADER + "JP,EP,,2026-02-16,2026-03-06,delay,Late files.,2026-02-15\n")
    result = load(schedule_db, "notices", fix)
    assert (result.new_rows, result.corrected_rows) == (0, 1)
    assert rows(schedule_db, "SELECT announced_at FROM notices WHERE text = 'Late files.'") == [
        (dt.datetime(2026, 2, 15),)]
    assert rows(schedule_db, "SELECT count(*) FROM notices") == [(2,)]


def test_form_publishes_through_the_loader_as_the_user(schedule_db):
    text = "Maintenance'); DROP TABLE notices; -- <script>alert(1)</script>"
    result = publish_notice("JP", "EP", "patent-bibliographic", dt.date(2026, 4, 1), dt.date(2026, 4, 3),
                            "planned_interruption", text, loaded_by="alice@jp", db_path=schedule_db)
    assert result.status == "loaded" and result.rows == 1
    assert rows(schedule_db, "SELECT kind, loaded_by, bundled FROM loads ORDER BY seq DESC LIMIT 1") == [
        ("notices", "alice@jp", False)]
    assert rows(schedule_db, "SELECT text, recipient, announced_at IS NULL FROM notices") == [(text, "EP", True)]
    con = connect_read_only(schedule_db)
    published = incidents.notices(con)
    con.close()
    assert published["announced_at"].notna().all()  # the time of the load
    archived = rows(schedule_db, "SELECT archived_as FROM loads ORDER BY seq DESC LIMIT 1")[0][0]
    assert text.encode() in (schedule_db.parent / "archive" / archived).read_bytes()
    # a bad value from the form is refused naming its column, and nothing changes
    before = table_checksums(schedule_db)
    with pytest.raises(LoadRejected) as err:
        publish_notice("JP", None, None, "2026-04-05", "2026-04-01", "planned_interruption", "x",
                       loaded_by="alice@jp", db_path=schedule_db)
    assert [p.column for p in err.value.problems] == ["ends"]
    assert table_checksums(schedule_db) == before


def test_rebuild_from_the_archive_gives_the_same_notices(schedule_db):
    load(schedule_db, "notices", FIXTURE / "notices.csv")
    publish_notice("JP", None, None, "2026-04-01", "2026-04-02", "other", "From the form.",
                   loaded_by="alice@jp", db_path=schedule_db)
    con = connect_read_only(schedule_db)
    before = incidents.notices(con)
    con.close()
    build(schedule_db)
    con = connect_read_only(schedule_db)
    after = incidents.notices(con)
    con.close()
    assert len(after) == 5
    assert before.drop(columns="load_seq").equals(after.drop(columns="load_seq"))


def test_workbook_with_typed_cells_loads_like_the_csv(schedule_db, tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["provider", "recipient", "dataset", "starts", "ends", "kind", "text", "announced_at"])
    ws.append(["JP", None, None, dt.date(2026, 5, 1), dt.date(2026, 5, 2), "delay", "From a workbook.",
               dt.datetime(2026, 4, 20, 9, 0)])
    wb.save(tmp_path / "notices.xlsx")
    assert load(schedule_db, "notices", tmp_path / "notices.xlsx").rows == 1
    assert rows(schedule_db, "SELECT recipient, dataset, starts, ends, announced_at FROM notices") == [
        (None, None, dt.date(2026, 5, 1), dt.date(2026, 5, 2), dt.datetime(2026, 4, 20, 9, 0))]


def test_status_counts_the_notices(schedule_db):
    """`python -m loaders status --json` lists the notices table's row count like the others."""
    load(schedule_db, "notices", FIXTURE / "notices.csv")
    run = subprocess.run([sys.executable, "-m", "loaders", "status", "--db", str(schedule_db), "--json"],
                         cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["tables"]["notices"] == 4
