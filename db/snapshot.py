"""Snapshots of the database file: read-only connections, the writer lock, and the atomic swap.

A writer never changes the live database file. It builds the next snapshot in a new file beside
it (`new_snapshot_file`), then `swap_in` replaces the live file with `os.replace` (atomic on
POSIX) after an fsync. Readers that have the old file open keep reading that snapshot; the next
connection opens the new one. Writers take a file lock, one at a time.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Iterator

import duckdb

from .paths import Paths
from .schema import create_schema


def open_snapshot(db_path: str | Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the snapshot that is live right now.

    Attached into a fresh in-memory database on purpose: `duckdb.connect(path)` reuses a
    process-wide instance per path, which would keep serving a snapshot that a load has since
    replaced. Cursors of this connection must run `USE snap` (see `cursor`).
    """
    con = duckdb.connect()
    con.execute("ATTACH $p AS snap (READ_ONLY)", {"p": str(db_path)})
    con.execute("USE snap")
    return con


def cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A thread-local cursor on a snapshot connection (DuckDB connections are not thread-safe)."""
    cur = con.cursor()
    cur.execute("USE snap")
    return cur


def snapshot_id(con: duckdb.DuckDBPyConnection) -> str:
    rows = con.execute("SELECT value FROM meta WHERE key = 'snapshot_id'").fetchall()
    return rows[0][0] if rows else "empty"


class DatabaseBusy(TimeoutError):
    """Another writer held the database's lock for longer than a load waits (exit status 3)."""


#: How long a writer waits for the lock by default, in seconds (IPDX_LOCK_WAIT overrides it).
DEFAULT_LOCK_WAIT = 600.0


def lock_wait() -> float:
    """Seconds a writer waits for the lock: IPDX_LOCK_WAIT, or DEFAULT_LOCK_WAIT."""
    text = os.environ.get("IPDX_LOCK_WAIT", "").strip()
    if not text:
        return DEFAULT_LOCK_WAIT
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:  # also refuses NaN
        raise ValueError(f"IPDX_LOCK_WAIT must be a number of seconds (it is {text!r})")
    return seconds


@contextlib.contextmanager
def writer_lock(paths: Paths, timeout: float | None = None) -> Iterator[None]:
    """One writer at a time per database (across processes and threads). Raises DatabaseBusy
    after `timeout` seconds (default: lock_wait())."""
    paths.db.parent.mkdir(parents=True, exist_ok=True)
    timeout = lock_wait() if timeout is None else timeout
    with open(paths.lock, "a+") as fh:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise DatabaseBusy(f"another load or rebuild holds {paths.lock} (waited {timeout:g} s; "
                                       "IPDX_LOCK_WAIT sets how long)") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_text(path: Path, text: str) -> None:
    """Replace `path` with `text` in one step (a crash leaves the old text or the new one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


#: The names of snapshot files being built; one left behind is a killed writer's.
NEXT_SNAPSHOT_GLOB = ".next-*.duckdb*"


def new_snapshot_file(paths: Paths, copy_current: bool) -> Path:
    """A new file beside the database for the next snapshot: a copy of the live one, or an
    empty database of the current schema."""
    paths.db.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=paths.db.parent, prefix=".next-", suffix=".duckdb")
    os.close(fd)
    os.unlink(tmp)  # DuckDB must create the file itself unless we copy one in
    tmp_path = Path(tmp)
    if copy_current and paths.db.exists():
        shutil.copyfile(paths.db, tmp_path)
    else:
        con = duckdb.connect(str(tmp_path))
        create_schema(con)
        con.close()
    return tmp_path


def swap_in(paths: Paths, tmp_path: Path) -> None:
    """Make the snapshot file `tmp_path` the live database, durably."""
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp_path, paths.db)
    fsync_dir(paths.db.parent)


def discard(tmp_path: Path) -> None:
    for p in (tmp_path, Path(str(tmp_path) + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()
