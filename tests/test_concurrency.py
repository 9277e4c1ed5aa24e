"""Concurrency and crash safety, with real processes.

- Ten AppTest sessions in threads read the live database while a load runs in another
  process: none errs, and every run sees one snapshot (two counts read by separate queries in
  the same run come from the same snapshot: both old, or both new), never a mix.
- A load killed with SIGKILL midway (at each point `loaders.store._pause_for_tests` names):
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

from conftest import ROOT, file_digest, table_checksums
from loaders import ensure_database, open_snapshot

NEW_DELIVERIES = (
    "provider,recipient,dataset,format,standard,scheduled_date,delivered_at,records,notice_given,notes\n"
    "JP,US,test-extra,XML,ST.96,2026-01-05,2026-01-05,5000,,\n"
    "JP,US,test-extra,XML,ST.96,2026-01-12,2026-01-13,5100,yes,one day late\n"
)
BUNDLED_LOADS = 5


def _start_load(db: Path, source: Path, pause_at: str, pause_seconds: float = 3600) -> subprocess.Popen:
    env = {**os.environ, "IPDX_TEST_PAUSE_AT": pause_at, "IPDX_TEST_PAUSE_SECONDS": str(pause_seconds),
           "IPDX_DB": ""}
    return subprocess.Popen([sys.executable, "-m", "loaders", "load", "deliveries", str(source), "--db", str(db)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_pause(proc: subprocess.Popen, point: str) -> None:
    """Block until the loader says it paused at `point` (it writes one line to stderr)."""
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if line.startswith(f"IPDX_TEST_PAUSE_AT {point} "):
            return
    raise AssertionError(f"the load never reached {point!r}: {''.join(seen)}")


def _manifest(db: Path) -> list[dict]:
    text = (db.parent / "archive" / "manifest.jsonl").read_text()
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _loads(db: Path) -> list[dict]:
    con = open_snapshot(db)
    try:
        return [{"seq": seq, "archived_as": name} for seq, name in
                con.execute("SELECT seq, archived_as FROM loads ORDER BY seq").fetchall()]
    finally:
        con.close()


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
        con = open_snapshot(db)
        try:
            assert con.execute("SELECT count(*) FROM deliveries WHERE dataset = 'test-extra'"
                               ).fetchall()[0][0] == 2
        finally:
            con.close()
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
    """One app run that reads two facts through two separate cached queries."""
    import streamlit as st

    from ui import data

    def delivery_rows(con):
        """Rows in the deliveries table."""
        return con.execute("SELECT count(*) FROM deliveries").fetchall()[0][0]

    def last_load(con):
        """Sequence number of the latest load."""
        return con.execute("SELECT max(seq) FROM loads").fetchall()[0][0]

    st.text(f"{data.query(delivery_rows)} {data.query(last_load)}")


SESSIONS = 10


def test_ten_sessions_read_while_a_load_runs(fresh_bundled_db, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    db = fresh_bundled_db
    monkeypatch.setenv("IPDX_DB", str(db))
    monkeypatch.chdir(ROOT)
    con = open_snapshot(db)
    old_rows = con.execute("SELECT count(*) FROM deliveries").fetchall()[0][0]
    con.close()
    old, new = (old_rows, BUNDLED_LOADS), (old_rows + 2, BUNDLED_LOADS + 1)
    source = tmp_path / "new-deliveries.csv"
    source.write_text(NEW_DELIVERIES)

    seen: list[list[tuple]] = [[] for _ in range(SESSIONS)]
    errors: list[str] = []
    swapped = threading.Event()

    def session(i: int) -> None:
        at = AppTest.from_function(_probe, default_timeout=60)
        try:
            while True:
                done = swapped.is_set()
                at.run()
                if at.exception:
                    errors.append(f"session {i}: {at.exception[0].message}")
                    return
                first, second = at.text[0].value.split()
                seen[i].append((int(first), int(second)))
                if done:  # one full run after the load finished
                    return
        except Exception as err:  # noqa: BLE001 - any failure of a session is the finding
            errors.append(f"session {i}: {type(err).__name__}: {err}")

    # The loader pauses for 3 s with its new snapshot built and archived, then swaps it in,
    # while all ten sessions keep rerunning.
    proc = _start_load(db, source, "archived", pause_seconds=3)
    threads = [threading.Thread(target=session, args=(i,)) for i in range(SESSIONS)]
    try:
        _wait_for_pause(proc, "archived")
        for t in threads:
            t.start()
        assert proc.wait(timeout=120) == 0, proc.stderr.read()
        swapped.set()
        for t in threads:
            t.join(timeout=300)
    finally:
        swapped.set()
        if proc.poll() is None:
            proc.kill()
        proc.stderr.close()
        proc.stdout.close()

    assert not errors, errors
    assert all(not t.is_alive() for t in threads)
    for runs in seen:
        assert runs, "a session never completed a run"
        assert set(runs) <= {old, new}, runs  # never a mix of two snapshots
        assert runs[-1] == new  # after the load, every session sees the new data
    # The sessions really did read during the load: the old data was served meanwhile.
    assert sum(r == old for runs in seen for r in runs) >= SESSIONS
