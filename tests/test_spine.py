"""The spine: building from bundled data and from the archive, the CLI, status and metrics."""
import json
import os
import subprocess
import sys

import duckdb
from conftest import BUNDLED, BUNDLED_AS_OF, ROOT, file_digest, load, table_checksums

from db.schema import SCHEMA_VERSION
from loaders import Paths, build, ensure_database, open_snapshot, read_manifest


def cli(*args, db=None, env_db=None):
    env = dict(os.environ)
    if env_db:
        env["IPDX_DB"] = str(env_db)
    cmd = [sys.executable, "-m", "loaders", *args] + (["--db", str(db)] if db else [])
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_first_start_builds_from_bundled_data_and_archives_it(tmp_path):
    db = tmp_path / "ipdx.duckdb"
    ensure_database(db)
    manifest = read_manifest(Paths(db))
    assert [m["original_name"] for m in manifest] == [
        "survey-2025.csv", "survey-2026.xlsx", "schedule.csv", "deliveries.csv", "completeness.csv",
        "notices.csv", "us-grants-illustrative.xml", "ep-illustrative.zip", "ep-authority-illustrative.csv"]
    assert all(m["bundled"] for m in manifest)
    for m in manifest:
        archived = tmp_path / "archive" / m["archived_as"]
        assert archived.exists() and file_digest(archived) == m["sha256"]
        assert m["archived_as"].startswith(m["sha256"])
    assert file_digest(tmp_path / "archive" / manifest[3]["archived_as"]) == file_digest(BUNDLED / "deliveries.csv")


def test_rebuild_from_archive_gives_identical_tables(fresh_bundled_db):
    before = table_checksums(fresh_bundled_db)
    build(fresh_bundled_db)
    after = table_checksums(fresh_bundled_db)
    before.pop("meta"), after.pop("meta")  # the snapshot id is new on every build
    assert before == after


def test_a_database_of_another_schema_version_is_rebuilt_from_the_archive_at_start(fresh_bundled_db):
    """A database file written by another version of schema.sql (here: one table too many and an
    older version in meta) is rebuilt from the archive by the open-time check: same loads, same
    rows, the current schema only."""
    before = table_checksums(fresh_bundled_db)
    with duckdb.connect(str(fresh_bundled_db)) as write:
        write.execute("CREATE TABLE dropped_since (x INTEGER)")
        write.execute("UPDATE meta SET value = 'older' WHERE key = 'schema_version'")
    ensure_database(fresh_bundled_db)
    after = table_checksums(fresh_bundled_db)
    assert "dropped_since" not in after
    con = open_snapshot(fresh_bundled_db)
    try:
        assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() == [(SCHEMA_VERSION,)]
    finally:
        con.close()
    before.pop("meta"), after.pop("meta")  # the snapshot id is new on every build
    assert before == after


def test_loading_the_same_file_twice_changes_nothing(fresh_bundled_db):
    before_db = file_digest(fresh_bundled_db)
    result = load(fresh_bundled_db, "deliveries", BUNDLED / "deliveries.csv")
    assert result.status == "already loaded"
    assert file_digest(fresh_bundled_db) == before_db


def test_survey_tables_are_long_form_with_no_answer_distinct_from_no(bundled_db):
    con = open_snapshot(bundled_db)
    # GH left the 2025 collecting-challenges question blank: every option is 'no_answer'.
    statuses = con.execute("SELECT DISTINCT status FROM survey_answers WHERE round = '2025' AND office = 'GH' "
                           "AND question_id = 'challenges_collecting'").fetchall()
    assert statuses == [("no_answer",)]
    # HN answered "no" to sharing data: an answer, not a missing one.
    assert con.execute("SELECT status, value_text FROM survey_answers WHERE round = '2025' AND office = 'HN' "
                       "AND question_id = 'shares_data'").fetchall() == [("answered", "no")]
    kinds = dict(con.execute("SELECT code, kind FROM offices WHERE code IN ('EP', 'JP', 'WO')").fetchall())
    assert kinds == {"EP": "regional", "JP": "national", "WO": "international"}
    con.close()


def test_cli_metrics_json(bundled_db):
    run = cli("metrics", "--json", "--as-of", BUNDLED_AS_OF, db=bundled_db)
    assert run.returncode == 0, run.stderr
    metrics = json.loads(run.stdout)
    assert metrics["rounds"] == ["2025", "2026"]
    assert metrics["standards"]["2025"]["ST.96"] == 11
    assert metrics["standards"]["2025"]["ST.26"] == 11
    assert "ST.97" not in metrics["standards"]["2025"]  # not asked in 2025
    assert metrics["challenges"]["2025"]["sharing"]["does_not_share"] == 2
    assert metrics["challenges"]["2025"]["collecting"]["does_not_collect"] == 5
    # UA: 62 due, 55 on time, 3 late, 4 missed (an unannounced interruption) in the bundled log.
    ua = metrics["reliability"]["UA"]
    assert {k: ua[k] for k in ("scheduled", "on_time", "late", "missed", "pending", "on_time_rate")} == {
        "scheduled": 62, "on_time": 55, "late": 3, "missed": 4, "pending": 0, "on_time_rate": round(55 / 62, 4)}


def test_cli_status_and_env_override(bundled_db):
    run = cli("status", env_db=bundled_db)
    assert run.returncode == 0, run.stderr
    assert str(bundled_db) in run.stdout
    assert "deliveries: 1630 rows" in run.stdout
    assert "2025 (illustrative)" in run.stdout


def test_cli_usage_error_exits_2(bundled_db):
    run = cli("load", "survey", str(BUNDLED / "survey-2025.csv"), db=bundled_db)
    assert run.returncode == 2
    assert "--round" in run.stderr


def test_cli_rejected_input_exits_1_and_names_file_row_column(tmp_path, bundled_db):
    bad = tmp_path / "late-log.csv"
    bad.write_text("provider,recipient,dataset,scheduled_date,delivered_at,records\n"
                   "JP,EP,patent-bibliographic,2026-01-05,2026-01-06,12\n"
                   "XX,EP,patent-bibliographic,2026-01-12,2026-01-13,-5\n")
    db_copy = tmp_path / "copy.duckdb"
    db_copy.write_bytes(bundled_db.read_bytes())
    before = file_digest(db_copy)
    run = cli("load", "deliveries", str(bad), db=db_copy)
    assert run.returncode == 1
    assert "late-log.csv, row 3, column 'provider': value 'XX'" in run.stderr
    assert "late-log.csv, row 3, column 'records': value '-5'" in run.stderr
    assert file_digest(db_copy) == before


def test_dry_run_reports_changes_without_making_them(fresh_bundled_db, tmp_path):
    correction = tmp_path / "correction.csv"
    correction.write_text(
        "provider,recipient,dataset,scheduled_date,delivered_at,records,notice_given\n"
        # A corrected row (UA's missed delivery of 2026-01-02 arrived after all) and a new one.
        "UA,EP,patent-bibliographic,2026-01-02,2026-01-20,9000,yes\n"
        "JP,EP,patent-bibliographic,2030-01-01,,,\n")
    before = table_checksums(fresh_bundled_db)
    result = load(fresh_bundled_db, "deliveries", correction, dry_run=True)
    assert (result.status, result.new_rows, result.corrected_rows, result.unchanged_rows) == ("would load", 1, 1, 0)
    assert table_checksums(fresh_bundled_db) == before
    result = load(fresh_bundled_db, "deliveries", correction)
    assert (result.status, result.new_rows, result.corrected_rows) == ("loaded", 1, 1)
    con = open_snapshot(fresh_bundled_db)
    assert con.execute("SELECT records FROM deliveries WHERE provider = 'UA' AND scheduled_date = '2026-01-02'"
                       ).fetchall() == [(9000,)]
    con.close()
    # Both files stay in the archive and the manifest lists the correction last.
    manifest = read_manifest(Paths(fresh_bundled_db))
    assert manifest[-1]["original_name"] == "correction.csv" and manifest[-1]["corrected_rows"] == 1


def test_new_survey_file_for_a_round_replaces_that_round(fresh_bundled_db, tmp_path):
    lines = (BUNDLED / "survey-2025.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    fewer = tmp_path / "survey-2025-v2.csv"
    fewer.write_text("".join(lines[:-1]), encoding="utf-8")  # the last office is left out
    result = load(fresh_bundled_db, "survey", fewer, "2025", BUNDLED / "codebook-2025.toml")
    assert (result.rows, result.unchanged_rows, result.new_rows) == (19, 19, 0)
    assert any("no longer in this round" in n for n in result.notes)
    con = open_snapshot(fresh_bundled_db)
    assert con.execute("SELECT count(*) FROM survey_respondents WHERE round = '2025'").fetchall() == [(19,)]
    con.close()


def test_readers_never_see_a_half_loaded_snapshot(fresh_bundled_db, tmp_path):
    reader = open_snapshot(fresh_bundled_db)
    count = reader.execute("SELECT count(*) FROM deliveries").fetchall()[0][0]
    extra = tmp_path / "extra.csv"
    extra.write_text("provider,recipient,dataset,scheduled_date,delivered_at,records\n"
                     "JP,EP,adhoc,2026-02-01,2026-02-01,5\n")
    load(fresh_bundled_db, "deliveries", extra)
    # The open reader keeps its snapshot; a new connection sees the new one.
    assert reader.execute("SELECT count(*) FROM deliveries").fetchall()[0][0] == count
    fresh = open_snapshot(fresh_bundled_db)
    assert fresh.execute("SELECT count(*) FROM deliveries").fetchall()[0][0] == count + 1
    reader.close(), fresh.close()


def test_cli_remove_rebuilds_without_the_load(fresh_bundled_db):
    # Load #5 is the bundled completeness file: removing it empties the reported completeness
    # only (the bundled XML batches' measured rows stay).
    run = cli("remove", "5", db=fresh_bundled_db)
    assert run.returncode == 0, run.stderr
    assert "removed load #5" in run.stdout
    con = open_snapshot(fresh_bundled_db)
    assert con.execute("SELECT count(*) FROM field_completeness WHERE source = 'reported'").fetchall() == [(0,)]
    assert con.execute("SELECT count(*) FROM deliveries").fetchall() == [(1630,)]
    con.close()
    assert cli("remove", "99", db=fresh_bundled_db).returncode == 2
