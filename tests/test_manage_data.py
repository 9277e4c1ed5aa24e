"""The Manage data page: secretariat only; upload, dry run (changes nothing), confirm (the
CLI's load path, who loaded it), history from the manifest, remove (rebuild without the load),
and refusal of path-like file names and oversized files."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from conftest import BUNDLED, file_digest, table_checksums
from signin import open_page, users_secrets
from streamlit import config

import loaders
from ui import auth

PAGE = "pages/9_Manage_data.py"
NEW_SCHEDULE = (b"provider,recipient,dataset,frequency,grace_days,starts,ends,on_time_target\n"
                b"JP,KR,trademark-bibliographic,monthly,3,2026-01-05,,0.9\n")
BAD_SCHEDULE = (b"provider,recipient,dataset,frequency,grace_days,starts,ends,on_time_target\n"
                b"JP,KR,trademark-bibliographic,fortnightly,3,2026-01-05,,0.9\n")


@pytest.fixture(autouse=True)
def fresh_throttle():
    auth.throttle().entries.clear()


def state(db: Path) -> dict:
    """Everything a load could change: table contents, manifest, archived files."""
    paths = loaders.Paths(db)
    return {"tables": {t: c for t, c in table_checksums(db).items() if t != "meta"},
            "manifest": loaders.read_manifest(paths),
            "archive": sorted(f.name for f in paths.archive.iterdir())}


def as_secretariat(db, monkeypatch):
    at = open_page(db, PAGE, monkeypatch, users_secrets(), "secretariat-1")
    assert not at.exception and not at.error
    return at


def upload(at, name: str, raw: bytes, kind: str = "schedule"):
    at.selectbox(key="manage-kind").set_value(kind)
    at.file_uploader(key="manage-file").set_value((name, raw, "text/csv"))
    return at.run()


def click(at, key: str):
    at.button(key=key).click()
    return at.run()


def has_button(at, key: str) -> bool:
    return any(b.key == key for b in at.button)


def remove(at, seq: int):
    """Choose a load, tick the confirmation, press Remove: as a person would."""
    at.selectbox(key="manage-remove-seq").set_value(seq)
    at.checkbox(key="manage-remove-sure").check()
    return click(at.run(), "manage-remove")


def texts(elements) -> str:
    return " ".join(e.value for e in elements).replace("\\", "")


def table_with(at, column: str):
    """The first table on the page that has this column (history, removed loads, problems)."""
    frames = [d.value for d in at.dataframe if column in d.value.columns]
    assert frames, f"no table with a column {column!r}"
    return frames[0]


@pytest.mark.parametrize("username", [None, "jp-office", "uy-office"])
def test_page_refuses_without_secretariat_role(username, fresh_bundled_db, monkeypatch):
    at = open_page(fresh_bundled_db, PAGE, monkeypatch, users_secrets(), username)
    assert "for the secretariat only" in texts(at.error)
    assert not at.get("file_uploader") and not at.dataframe


def test_dry_run_changes_nothing_and_summarises(fresh_bundled_db, monkeypatch):
    before = state(fresh_bundled_db)
    at = upload(as_secretariat(fresh_bundled_db, monkeypatch), "schedule-2026.csv", NEW_SCHEDULE)
    at = click(at, "manage-dry-run")
    assert not at.exception
    assert "Dry run passed" in texts(at.success)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Rows in the file": "1", "New rows": "1", "Corrected rows": "0", "Unchanged rows": "0"}
    assert has_button(at, "manage-confirm")
    assert state(fresh_bundled_db) == before
    assert not list(Path(tempfile.gettempdir()).glob("ipdx-upload-*"))  # temp copies removed


def test_dry_run_lists_every_problem_and_offers_no_confirm(fresh_bundled_db, monkeypatch):
    before = state(fresh_bundled_db)
    at = upload(as_secretariat(fresh_bundled_db, monkeypatch), "bad-schedule.csv", BAD_SCHEDULE)
    at = click(at, "manage-dry-run")
    assert "1 problem. Nothing was changed" in texts(at.error)
    problems = table_with(at, "expected")
    assert list(problems.columns) == ["file", "row", "column", "value", "expected"]
    row = problems.iloc[0]
    assert (row["file"], row["row"], row["column"], row["value"]) == ("bad-schedule.csv", 2, "frequency", "fortnightly")
    assert not has_button(at, "manage-confirm")
    assert state(fresh_bundled_db) == before


def test_confirm_loads_through_the_cli_path_and_history_shows_it(fresh_bundled_db, monkeypatch):
    calls = []
    real_load_file = loaders.load_file

    def spy(request, db_path=None, dry_run=False, progress=None, **kw):
        messages = []
        calls.append((request, dry_run, messages))
        record = (lambda f, m: (messages.append(m), progress(f, m))) if progress else (lambda f, m: messages.append(m))
        return real_load_file(request, db_path, dry_run=dry_run, progress=record)
    monkeypatch.setattr(loaders, "load_file", spy)

    before = state(fresh_bundled_db)
    at = upload(as_secretariat(fresh_bundled_db, monkeypatch), "schedule-2026.csv", NEW_SCHEDULE)
    at = click(click(at, "manage-dry-run"), "manage-confirm")
    assert not at.exception
    assert "Loaded schedule-2026.csv as load #10" in texts(at.success)  # after the 9 bundled loads
    request, dry_run, messages = calls[-1]
    assert not dry_run and request.loaded_by == "secretariat-1" and request.display == "schedule-2026.csv"
    assert request.path.name.startswith("ipdx-upload-") and "schedule-2026" not in str(request.path)
    assert "swapping in the new snapshot" in messages  # progress reported to the page's bar

    after = state(fresh_bundled_db)
    assert after["tables"]["delivery_schedule"] != before["tables"]["delivery_schedule"]
    entry = after["manifest"][-1]
    sha = __import__("hashlib").sha256(NEW_SCHEDULE).hexdigest()
    assert (entry["seq"], entry["original_name"], entry["loaded_by"], entry["sha256"]) == (10, "schedule-2026.csv",
                                                                                        "secretariat-1", sha)
    assert f"{sha}.csv" in after["archive"]
    history = table_with(at, "SHA-256")
    last = history.iloc[-1]
    assert (last["load"], last["file"], last["by"], last["SHA-256"], last["rows"]) == (10, "schedule-2026.csv",
                                                                                  "secretariat-1", sha, 1)


def test_remove_rebuilds_without_the_load_and_keeps_it_removed(fresh_bundled_db, monkeypatch):
    before = state(fresh_bundled_db)
    at = upload(as_secretariat(fresh_bundled_db, monkeypatch), "schedule-2026.csv", NEW_SCHEDULE)
    at = click(click(at, "manage-dry-run"), "manage-confirm")
    assert len(table_with(at, "SHA-256")) == 10  # the 9 bundled loads and this one

    at = remove(at, 10)
    assert not at.exception
    assert "Removed load #10 (schedule-2026.csv)" in texts(at.success)
    assert len(table_with(at, "SHA-256")) == 9
    removed = table_with(at, "removed_by")
    assert list(removed["original_name"]) == ["schedule-2026.csv"] and list(removed["removed_by"]) == ["secretariat-1"]

    after = state(fresh_bundled_db)
    assert after["tables"] == before["tables"] and after["manifest"] == before["manifest"]
    sha = __import__("hashlib").sha256(NEW_SCHEDULE).hexdigest()
    assert f"{sha}.csv" in after["archive"]  # the raw file stays in the archive

    # A later rebuild from scratch (no database file) keeps it removed and keeps its bytes.
    fresh_bundled_db.unlink()
    loaders.ensure_database(fresh_bundled_db)
    assert state(fresh_bundled_db) == after


def test_remove_is_refused_when_a_later_load_needs_it(fresh_bundled_db, monkeypatch):
    before = state(fresh_bundled_db)
    digest = file_digest(fresh_bundled_db)
    at = as_secretariat(fresh_bundled_db, monkeypatch)
    deliveries = next(e["seq"] for e in before["manifest"] if e["kind"] == "deliveries")
    at = remove(at, deliveries)
    assert "Removal refused, a later load needs this one" in texts(at.error)
    assert file_digest(fresh_bundled_db) == digest and state(fresh_bundled_db) == before
    assert not loaders.read_removed(loaders.Paths(fresh_bundled_db))


@pytest.mark.parametrize("name,raw,limit_mb,message", [
    ("../../etc/passwd.csv", NEW_SCHEDULE, None, "the file name must be a plain name"),
    ("..\\..\\boot.csv", NEW_SCHEDULE, None, "the file name must be a plain name"),
    ("schedule-big.csv", NEW_SCHEDULE + b"#" * (1024 * 1024 + 1), 1, "the limit is 1 MB"),
], ids=["path-traversal", "windows-path", "oversized"])
def test_unsafe_or_oversized_upload_is_refused(name, raw, limit_mb, message, fresh_bundled_db, monkeypatch):
    before = state(fresh_bundled_db)
    at = as_secretariat(fresh_bundled_db, monkeypatch)
    limit = config.get_option("server.maxUploadSize")
    config.set_option("server.maxUploadSize", limit_mb or limit)  # the page reads the server's setting
    try:
        at = upload(at, name, raw)
    finally:
        config.set_option("server.maxUploadSize", limit)
    assert texts(at.error).startswith("Refused: ") and message in texts(at.error)
    assert not has_button(at, "manage-dry-run")
    assert state(fresh_bundled_db) == before


def test_survey_needs_round_and_codebook_and_uses_a_bundled_one(fresh_bundled_db, monkeypatch):
    before = state(fresh_bundled_db)
    at = as_secretariat(fresh_bundled_db, monkeypatch)
    at = upload(at, "survey-2026.xlsx", (BUNDLED / "survey-2026.xlsx").read_bytes(), kind="survey")
    assert "Enter the survey round" in texts(at.info)
    assert "bundled: codebook-2026.toml" in at.selectbox(key="manage-codebook").options
    at.text_input(key="manage-round").input("2026")
    at.selectbox(key="manage-codebook").set_value("bundled: codebook-2026.toml")
    at.run()
    at = click(at, "manage-dry-run")
    assert "was loaded before" in texts(at.info)  # the bundled 2026 export: nothing would change
    assert not has_button(at, "manage-confirm")
    assert state(fresh_bundled_db) == before


def test_removed_bundled_file_stays_out_of_a_first_start_build(fresh_bundled_db):
    paths = loaders.Paths(fresh_bundled_db)
    completeness = next(e for e in loaders.read_manifest(paths) if e["kind"] == "completeness")
    record = loaders.remove_load(completeness["seq"], fresh_bundled_db, removed_by="tester")
    assert record["bundled"] and record["removed_by"] == "tester"
    # No database and no manifest: the first-start path loads the bundled files, minus the removed one.
    fresh_bundled_db.unlink()
    paths.manifest.unlink()
    loaders.ensure_database(fresh_bundled_db)
    kinds = [e["kind"] for e in loaders.read_manifest(paths)]
    assert kinds == ["survey", "survey", "schedule", "deliveries", "notices", "xml", "xml", "authority"]
    assert (paths.archive / completeness["archived_as"]).exists()
    with pytest.raises(ValueError, match="no load #99"):
        loaders.remove_load(99, fresh_bundled_db)


def test_xml_batch_upload_needs_its_delivery_and_loads_measured_completeness(fresh_bundled_db, monkeypatch):
    """The manage page loads an XML batch like `python -m loaders load xml`: the provider, dataset,
    scheduled date (and recipient, here needed: JP delivers patent-bibliographic to US and EP)
    say which delivery it is; the dry run changes nothing; confirm measures completeness."""
    import datetime as dt

    from conftest import FIXTURES
    before = state(fresh_bundled_db)
    at = as_secretariat(fresh_bundled_db, monkeypatch)
    at.selectbox(key="manage-kind").set_value("xml").run()
    at.file_uploader(key="manage-file").set_value(("st96-batch.xml", (FIXTURES / "xml" / "st96-batch.xml").read_bytes(),
                                                   "text/xml"))
    at.run()
    assert "Enter the dataset and the scheduled date" in texts(at.info)
    at.selectbox(key="manage-xml-provider").set_value("JP")
    at.text_input(key="manage-xml-dataset").input("patent-bibliographic")
    at.date_input(key="manage-xml-date").set_value(dt.date(2025, 3, 6))
    at.selectbox(key="manage-xml-recipient").set_value("EP")
    at = click(at.run(), "manage-dry-run")
    assert not at.exception and not at.error
    assert state(fresh_bundled_db) == before
    at = click(at, "manage-confirm")
    assert "Loaded st96-batch.xml as load #10" in texts(at.success)
    con = loaders.open_snapshot(fresh_bundled_db)
    # The ST.96 fixture: 6 records, 5 with an abstract (see tests/test_xml_batches.py).
    assert con.execute("SELECT populated FROM field_completeness WHERE source = 'measured' AND provider = 'JP' "
                       "AND recipient = 'EP' AND scheduled_date = '2025-03-06' AND field = 'abstract'"
                       ).fetchall() == [(5,)]
    con.close()
    assert loaders.read_manifest(loaders.Paths(fresh_bundled_db))[-1]["options"]


def test_st37_authority_file_upload_loads(fresh_bundled_db, monkeypatch):
    from conftest import FIXTURES
    raw = (FIXTURES / "xml" / "ep-authority.txt").read_bytes()
    at = as_secretariat(fresh_bundled_db, monkeypatch)
    at.selectbox(key="manage-kind").set_value("authority").run()
    at.file_uploader(key="manage-file").set_value(("ep-authority.txt", raw, "text/plain"))
    at = click(click(at.run(), "manage-dry-run"), "manage-confirm")
    assert not at.exception
    assert "Loaded ep-authority.txt as load #10" in texts(at.success)
    con = loaders.open_snapshot(fresh_bundled_db)
    assert con.execute("SELECT office FROM authority_files").fetchall() == [("EP",)]
    con.close()


def test_a_load_while_another_writer_holds_the_database_says_busy_and_changes_nothing(fresh_bundled_db,
                                                                                        monkeypatch):
    at = click(upload(as_secretariat(fresh_bundled_db, monkeypatch), "schedule-2026.csv", NEW_SCHEDULE),
               "manage-dry-run")
    before = state(fresh_bundled_db)
    monkeypatch.setenv("IPDX_LOCK_WAIT", "0.3")
    from loaders.store import writer_lock
    with writer_lock(loaders.Paths(fresh_bundled_db)):  # the real lock, as another load holds it
        at = click(at, "manage-confirm")
    assert not at.exception
    assert any("The database is busy" in e.value for e in at.error)
    assert state(fresh_bundled_db) == before
