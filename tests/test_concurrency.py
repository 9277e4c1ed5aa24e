"""Concurrency and crash safety, with real processes.

- Ten AppTest sessions, each in its own process, read the live database while a load runs
  in another process: none errs, and every run sees one snapshot (two counts read by separate queries in
  the same run come from the same snapshot: both old, or both new), never a mix.
- A load killed with SIGKILL midway (at each stage `load_file` reports to its `on_stage`
  callback; tests/paused_load.py pauses there):
  the next start opens the previous database whole (killed before the swap) or the new one
  (killed after it), and after `ensure_database` the manifest and the archive agree with it.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import ROOT, file_digest, rows, table_checksums

from loaders import ensure_database

NEW_DELIVERIES = (
    "provider,recipient,dataset,format,standard,scheduled_date,delivered_at,records,notice_given,notes\n"
    "JP,US,test-extra,XML,ST.96,2026-01-05,2026-01-05,5000,,\n"
    "JP,US,test-extra,XML,ST.96,2026-01-12,2026-01-13,5100,yes,one day late\n"
)
BUNDLED_LOADS = 9  # 6 CSV/XLSX files and the 3 illustrative XML/ST.37 files (loaders/store.py)


def _start_load(db: Path, source: Path, pause_at: str, pause_seconds: float = 3600) -> subprocess.Popen:
    """A load of `source` in another process that pauses `pause_seconds` at stage `pause_at`."""
    return subprocess.Popen([sys.executable, str(ROOT / "tests" / "paused_load.py"), str(db), str(source),
                             pause_at, str(pause_seconds)],
                            cwd=ROOT, env={**os.environ, "IPDX_DB": ""},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_pause(proc: subprocess.Popen, point: str) -> None:
    """Block until the loader says it paused at `point` (it writes one line to stderr)."""
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if line.startswith(f"paused at {point} "):
            return
    raise AssertionError(f"the load never reached {point!r}: {''.join(seen)}")


def _manifest(db: Path) -> list[dict]:
    text = (db.parent / "archive" / "manifest.jsonl").read_text()
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _loads(db: Path) -> list[dict]:
    return [{"seq": seq, "archived_as": name}
            for seq, name in rows(db, "SELECT seq, archived_as FROM loads ORDER BY seq")]


def _archive_agrees(db: Path) -> None:
    """Manifest == the snapshot's loads table; archive == exactly the files they reference."""
    manifest, loads = _manifest(db), _loads(db)
    assert [(e["seq"], e["archived_as"]) for e in manifest] == [(r["seq"], r["archived_as"]) for r in loads]
    referenced = {e["archived_as"] for e in manifest} | {e["codebook_archived_as"] for e in manifest
                                                          if e.get("codebook_archived_as")}
    archived = {p.name for p in (db.parent / "archive").iterdir() if p.name != "manifest.jsonl"}
    assert archived == referenced
    assert not list(db.parent.glob(".next-*"))


@pytest.mark.parametrize("point", ["applied", "archived", "swapped"])
def test_load_killed_midway_leaves_a_whole_database(fresh_bundled_db, tmp_path, point):
    db = fresh_bundled_db
    source = tmp_path / "new-deliveries.csv"
    source.write_text(NEW_DELIVERIES)
    checksums, digest = table_checksums(db), file_digest(db)
    manifest_bytes = (db.parent / "archive" / "manifest.jsonl").read_bytes()

    proc = _start_load(db, source, point)
    try:
        _wait_for_pause(proc, point)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stderr.close()
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL

    if point == "swapped":
        # Killed after the atomic rename: the new snapshot is live and whole; the manifest lags.
        assert len(_loads(db)) == BUNDLED_LOADS + 1
        assert (db.parent / "archive" / "manifest.jsonl").read_bytes() == manifest_bytes
    else:
        # Killed before the swap: the live file is byte for byte the previous database, and the
        # killed load's leftovers (snapshot copy, maybe its archived file) are still there.
        assert file_digest(db) == digest
        assert list(db.parent.glob(".next-*.duckdb"))

    ensure_database(db)  # what the next start (app or CLI) does first
    _archive_agrees(db)
    loads = _loads(db)
    if point == "swapped":
        assert len(loads) == BUNDLED_LOADS + 1
        assert rows(db, "SELECT count(*) FROM deliveries WHERE dataset = 'test-extra'") == [(2,)]
    else:
        assert len(loads) == BUNDLED_LOADS
        assert file_digest(db) == digest and table_checksums(db) == checksums
        assert (db.parent / "archive" / "manifest.jsonl").read_bytes() == manifest_bytes
    # And the same file loads normally afterwards (the lock was released by the kill).
    again = subprocess.run([sys.executable, "-m", "loaders", "load", "deliveries", str(source), "--db", str(db)],
                           cwd=ROOT, capture_output=True, text=True, env={**os.environ, "IPDX_DB": ""})
    assert again.returncode == 0, again.stderr
    assert ("already loaded" if point == "swapped" else "loaded: deliveries") in again.stdout
    _archive_agrees(db)


def _probe():
    """One app run that reads two facts through two separate cached queries (for AppTest)."""
    import streamlit as st

    from ui import data
    data.begin_run()  # what the page frame does first on every page

    def delivery_rows(con):
        """Rows in the deliveries table."""
        return con.execute("SELECT count(*) FROM deliveries").fetchall()[0][0]

    def last_load(con):
        """Sequence number of the latest load."""
        return con.execute("SELECT max(seq) FROM loads").fetchall()[0][0]

    st.text(f"{data.query(delivery_rows)} {data.query(last_load)}")


SESSIONS = 10
#: One app session in its own process (AppTest is not thread-safe: each run installs and
#: removes a process-wide Runtime). It reruns the probe until the stop file exists, then once
#: more, printing what each run saw.
SESSION_SCRIPT = """
import pathlib, sys, time
sys.path[:0] = [{root!r}, {tests!r}]
from streamlit.testing.v1 import AppTest
from test_concurrency import _probe
stop = pathlib.Path(sys.argv[1])
at = AppTest.from_function(_probe, default_timeout=60)
while True:
    done = stop.exists()
    at.run()
    if at.exception or not at.text:
        print("error", at.exception[0].message if at.exception else at.main, flush=True)
        break
    print("seen", at.text[0].value, flush=True)
    if done:
        break
    time.sleep(0.05)
"""


def test_ten_sessions_read_while_a_load_runs(fresh_bundled_db, tmp_path):
    db = fresh_bundled_db
    old_rows = rows(db, "SELECT count(*) FROM deliveries")[0][0]
    old, new = (old_rows, BUNDLED_LOADS), (old_rows + 2, BUNDLED_LOADS + 1)
    source = tmp_path / "new-deliveries.csv"
    source.write_text(NEW_DELIVERIES)
    stop = tmp_path / "stop"
    script = tmp_path / "session.py"
    script.write_text(SESSION_SCRIPT.format(root=str(ROOT), tests=str(Path(__file__).resolve().parent)))

    env = {**os.environ, "IPDX_DB": str(db)}
    logs = [open(tmp_path / f"session-{i}.log", "w") for i in range(SESSIONS)]  # a full pipe would block
    sessions = [subprocess.Popen([sys.executable, str(script), str(stop)], cwd=ROOT, env=env,
                                 stdout=subprocess.PIPE, stderr=log, text=True) for log in logs]
    outputs: list[list[str]] = [[] for _ in sessions]
    readers = [threading.Thread(target=lambda p=p, out=out: out.extend(line.strip() for line in p.stdout))
               for p, out in zip(sessions, outputs)]
    for r in readers:
        r.start()
    proc = None
    try:
        deadline = time.monotonic() + 120
        while not all(outputs) and time.monotonic() < deadline:  # every session has read once
            time.sleep(0.1)
        assert all(outputs), [(tmp_path / f"session-{i}.log").read_text() for i in range(SESSIONS)]
        # The loader pauses 2 s with its new snapshot built and archived, then swaps it in,
        # while all ten sessions keep rerunning.
        proc = _start_load(db, source, "archived", pause_seconds=2)
        assert proc.wait(timeout=120) == 0, proc.stderr.read()
        stop.touch()
        for p in sessions:
            p.wait(timeout=120)
        for r in readers:
            r.join(timeout=10)
    finally:
        stop.touch()
        for p in sessions + ([proc] if proc else []):
            if p.poll() is None:
                p.kill()
                p.wait()
            for stream in (p.stdout, p.stderr):
                if stream:
                    stream.close()
        for log in logs:
            log.close()

    for i, lines in enumerate(outputs):
        assert lines and all(line.startswith("seen ") for line in lines), (i, lines)
        runs = [tuple(int(n) for n in line.split()[1:]) for line in lines]
        assert set(runs) <= {old, new}, runs  # never a mix of two snapshots within a run
        assert runs[0] == old and runs[-1] == new  # read before, during and after the load
