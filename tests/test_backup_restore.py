"""Backups (deploy/backup.py) made while the app serves and a load runs restore to the live
database: every table's content equal after the backup's archive and manifest are restored into
an empty folder and the database is rebuilt from them.

Real parts only: `streamlit run dashboard.py -- --db ...` on a free loopback port with a
browser session reading the database (Debian chromium through Playwright), a load in another
process held (tests/paused_load.py) with its raw file archived and its snapshot not yet swapped
in, a load killed between its swap and its manifest write, and the backup and restore commands
run as an operator runs them.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, file_digest, rows, table_checksums
from e2e.conftest import CHROMIUM, CHROMIUM_ARGS, _free_port
from servers import stop
from test_concurrency import NEW_DELIVERIES, _start_load, _wait_for_pause

BACKUP = [sys.executable, str(ROOT / "deploy" / "backup.py")]
HEALTHCHECK = [sys.executable, str(ROOT / "deploy" / "healthcheck.py")]
#: How long the paused load holds the writer lock: ample for a backup process to start and
#: reach the lock on a busy machine (the test checks that it did).
PAUSE_SECONDS = 10


def contents(db: Path) -> dict:
    """Every table's content. The snapshot id in `meta` is made anew by every build (it keys the
    app's caches), so it is left out; every other `meta` row counts."""
    out = table_checksums(db)
    out["meta"] = sorted(rows(db, "SELECT key, value FROM meta WHERE key <> 'snapshot_id'"))
    return out


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, "IPDX_DB": ""}, **kwargs)


def _manifest_seqs(archive: Path) -> list[int]:
    return [json.loads(line)["seq"] for line in (archive / "manifest.jsonl").read_text().splitlines() if line.strip()]


@pytest.fixture
def running_app(fresh_bundled_db, tmp_path):
    """`streamlit run dashboard.py -- --db DB` on a loopback port, answering its health check."""
    port, log = _free_port(), tmp_path / "streamlit.log"
    with open(log, "w") as out:  # the server writes to its own copy of the descriptor
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats",
             "false", "--server.fileWatcherType", "none", "--", "--db", str(fresh_bundled_db)],
            cwd=ROOT, env={**os.environ, "IPDX_DB": ""}, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        health = _run([*HEALTHCHECK, url, "--wait", "90"])
        assert health.returncode == 0, (health.stderr, log.read_text())
        yield {"url": url, "db": fresh_bundled_db}
    finally:
        stop(proc, 15)


@pytest.fixture
def reader(running_app):
    """A browser tab showing the app's home page: a session whose script reads the database."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        tab = browser.new_page()
        tab.set_default_timeout(90_000)

        def home_shows_respondents() -> str:
            tab.goto(running_app["url"])
            tab.get_by_text("Respondents 2025").first.wait_for()
            return tab.get_by_role("heading", level=1).first.inner_text()
        yield home_shows_respondents
        browser.close()


def test_backup_during_a_load_while_the_app_serves_restores_to_the_live_database(running_app, reader, tmp_path):
    db = running_app["db"]
    assert "Transparency Dashboard" in reader()
    source = tmp_path / "new-deliveries.csv"
    source.write_text(NEW_DELIVERIES, encoding="utf-8")
    loads_before = len(rows(db, "SELECT seq FROM loads"))

    load = _start_load(db, source, "archived", PAUSE_SECONDS)
    _wait_for_pause(load, "archived")
    # A moment a backup can get wrong: the new raw file is in the archive, named by no manifest
    # row (a crash now would leave it a leftover that the next start removes), and the snapshot
    # that names it is about to be swapped in.
    archived = {p.name for p in (db.parent / "archive").iterdir()} - {"manifest.jsonl"}
    named = set(rows(db, "SELECT archived_as FROM loads UNION SELECT codebook_archived_as FROM loads"))
    assert len(archived - {n for n, in named}) == 1
    assert len(_manifest_seqs(db.parent / "archive")) == len(rows(db, "SELECT seq FROM loads")) == loads_before

    dest = tmp_path / "backups"
    backup = subprocess.Popen([*BACKUP, "backup", str(dest), "--db", str(db)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + PAUSE_SECONDS
    while not list(dest.glob(".partial-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(dest.glob(".partial-*")) and load.poll() is None, "the backup did not start while the load ran"
    assert reader()  # the app keeps serving while the load and the backup wait on each other

    assert load.wait(timeout=120) == 0, load.stderr.read()
    out, err = backup.communicate(timeout=120)
    assert backup.returncode == 0, err
    made = Path(out.strip())
    assert made.parent == dest and not list(dest.glob(".partial-*"))
    live = contents(db)
    assert _manifest_seqs(made / "archive") == [r[0] for r in rows(db, "SELECT seq FROM loads ORDER BY seq")]

    restored = tmp_path / "restored" / "ipdx.duckdb"
    restore = _run([*BACKUP, "restore", str(made), "--db", str(restored)])
    assert restore.returncode == 0, restore.stderr
    assert contents(restored) == live
    assert rows(restored, "SELECT count(*) FROM deliveries WHERE dataset = 'test-extra'") == [(2,)]
    # The raw files came back byte for byte.
    for name, in rows(db, "SELECT archived_as FROM loads"):
        assert file_digest(restored.parent / "archive" / name) == file_digest(db.parent / "archive" / name)


def test_backup_after_a_load_killed_between_swap_and_manifest_has_the_swapped_in_load(fresh_bundled_db, tmp_path):
    db = fresh_bundled_db
    source = tmp_path / "new-deliveries.csv"
    source.write_text(NEW_DELIVERIES, encoding="utf-8")
    load = _start_load(db, source, "swapped", 3600)
    _wait_for_pause(load, "swapped")
    load.send_signal(signal.SIGKILL)
    load.wait(timeout=30)
    assert len(_manifest_seqs(db.parent / "archive")) == len(rows(db, "SELECT seq FROM loads")) - 1

    made = _run([*BACKUP, "backup", str(tmp_path / "backups"), "--db", str(db)])
    assert made.returncode == 0, made.stderr
    restored = tmp_path / "restored" / "ipdx.duckdb"
    assert _run([*BACKUP, "restore", made.stdout.strip(), "--db", str(restored)]).returncode == 0
    assert contents(restored) == contents(db)
    assert rows(restored, "SELECT count(*) FROM deliveries WHERE dataset = 'test-extra'") == [(2,)]


def test_database_built_without_the_bundled_data_restores_without_it(empty_db, tmp_path):
    made = _run([*BACKUP, "backup", str(tmp_path / "backups"), "--db", str(empty_db)])
    assert made.returncode == 0, made.stderr
    restored = tmp_path / "restored" / "ipdx.duckdb"
    assert _run([*BACKUP, "restore", made.stdout.strip(), "--db", str(restored)]).returncode == 0
    assert contents(restored) == contents(empty_db)
    assert rows(restored, "SELECT count(*) FROM survey_answers") == [(0,)]


def test_restore_refuses_a_damaged_backup_and_a_folder_that_holds_a_database(fresh_bundled_db, tmp_path):
    made = Path(_run([*BACKUP, "backup", str(tmp_path / "backups"), "--db", str(fresh_bundled_db)]).stdout.strip())
    into_live = _run([*BACKUP, "restore", str(made), "--db", str(fresh_bundled_db)])
    assert into_live.returncode == 1 and "restore into an empty folder" in into_live.stderr

    damaged = min(p for p in (made / "archive").iterdir() if p.suffix == ".csv")
    damaged.write_bytes(damaged.read_bytes() + b"JP,US,x\n")
    restored = tmp_path / "restored" / "ipdx.duckdb"
    refused = _run([*BACKUP, "restore", str(made), "--db", str(restored)])
    assert refused.returncode == 1 and damaged.name in refused.stderr and "SHA-256" in refused.stderr
    assert not restored.exists()


def test_backup_of_a_missing_database_fails_and_leaves_no_folder(tmp_path):
    missing = _run([*BACKUP, "backup", str(tmp_path / "backups"), "--db", str(tmp_path / "none" / "ipdx.duckdb")])
    assert missing.returncode == 1 and "there is no database" in missing.stderr
    assert not (tmp_path / "backups").exists() or not any((tmp_path / "backups").iterdir())


def test_backup_gives_up_on_a_load_that_holds_the_lock_too_long_and_leaves_no_folder(fresh_bundled_db, tmp_path):
    source = tmp_path / "new-deliveries.csv"
    source.write_text(NEW_DELIVERIES, encoding="utf-8")
    load = _start_load(fresh_bundled_db, source, "applied", 3600)
    try:
        _wait_for_pause(load, "applied")
        dest = tmp_path / "backups"
        waited = subprocess.run([*BACKUP, "backup", str(dest), "--db", str(fresh_bundled_db)], cwd=ROOT,
                                capture_output=True, text=True, timeout=120, check=False,
                                env={**os.environ, "IPDX_DB": "", "IPDX_LOCK_WAIT": "1"})
        assert waited.returncode == 1 and "IPDX_LOCK_WAIT" in waited.stderr
        assert list(dest.iterdir()) == []
    finally:
        load.kill()
        load.wait(timeout=30)
