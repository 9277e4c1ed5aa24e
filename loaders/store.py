"""The database and its archive: atomic loads, rebuilds, and the manifest.

Raw files are the source of truth. Every accepted file is copied into `archive/` (beside the
database file) under its SHA-256, and listed in `archive/manifest.jsonl`. The DuckDB file is
derived from them.

A load never changes the live database file. It copies it, applies the load to the copy in
one transaction, and swaps the copy in with `os.replace` (atomic on POSIX). Readers that have
the old file open keep reading that snapshot; the next connection opens the new one. So a
rejected or killed load leaves the previous database exactly as it was, and the app keeps
working while a load runs. Writers take a file lock, one at a time.

The `loads` table inside each snapshot is the manifest of that snapshot; `manifest.jsonl` is
rewritten from it after every swap, and `recover()` repairs the file (and removes archived
files that no snapshot references) if a process died between the swap and that write.
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

import duckdb

from db.calendar import materialise_scheduled_occurrences

from .problems import LoadRejected, Problem

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
REFERENCE_DIR = DATA_DIR / "reference"
BUNDLED_DIR = DATA_DIR / "bundled"
OFFICES_FILE = REFERENCE_DIR / "offices.csv"
PUBLISHED_FILE = REFERENCE_DIR / "cws13-14-published-figures.csv"
PUBLISHED_ROUND = "2025"
SCHEMA_FILE = Path(__file__).resolve().parent / "schema.sql"

KINDS = ("survey", "schedule", "deliveries", "completeness", "xml", "authority")

#: The bundled illustrative data, loaded in this order on a first start (kind, file, round, codebook).
BUNDLED_LOADS = (
    ("survey", "survey-2025.csv", "2025", "codebook-2025.toml"),
    ("survey", "survey-2026.xlsx", "2026", "codebook-2026.toml"),
    ("schedule", "schedule.csv", None, None),
    ("deliveries", "deliveries.csv", None, None),
    ("completeness", "completeness.csv", None, None),
)
#: The bundled illustrative XML batches and ST.37 authority file (data/bundled/xml/, written by
#: scripts/make_xml_fixtures.py --bundled), loaded after the above: (kind, file, load options).
BUNDLED_XML_LOADS = (
    ("xml", "xml/us-grants-illustrative.xml", {"provider": "US", "recipient": "JP",
                                               "dataset": "patent-xml-sample", "scheduled_date": "2026-11-19"}),
    ("xml", "xml/ep-illustrative.zip", {"provider": "EP", "recipient": "WO",
                                        "dataset": "patent-xml-sample", "scheduled_date": "2026-11-18"}),
    ("authority", "xml/ep-authority-illustrative.csv", {}),
)

Progress = Callable[[float, str], None]


def _no_progress(fraction: float, message: str) -> None:
    pass


def default_db_path() -> Path:
    return Path(os.environ.get("IPDX_DB") or DATA_DIR / "ipdx.duckdb").resolve()


def _pause_for_tests(point: str) -> None:
    """Test hook (tests/test_concurrency.py), inert unless IPDX_TEST_PAUSE_AT names `point`:
    then it says so on stderr and sleeps IPDX_TEST_PAUSE_SECONDS (default 3600), so that a
    test can read during a load, or SIGKILL it midway. Points in `load_file`: 'applied' (new
    snapshot built in the copy), 'archived' (raw file archived, not yet swapped in), 'swapped'
    (swapped in, manifest not yet rewritten)."""
    if os.environ.get("IPDX_TEST_PAUSE_AT") == point:
        os.write(2, f"IPDX_TEST_PAUSE_AT {point} pid {os.getpid()}\n".encode())
        time.sleep(float(os.environ.get("IPDX_TEST_PAUSE_SECONDS", "3600")))


@dataclass
class Paths:
    db: Path

    @property
    def archive(self) -> Path:
        return self.db.parent / "archive"

    @property
    def manifest(self) -> Path:
        return self.archive / "manifest.jsonl"

    @property
    def removed(self) -> Path:
        """Loads removed in the app or with `remove_load`: later rebuilds keep them out."""
        return self.archive / "removed.jsonl"

    @property
    def lock(self) -> Path:
        return self.db.parent / (self.db.name + ".lock")


@dataclass
class LoadResult:
    status: str  # "loaded", "would load" (dry run), "already loaded"
    kind: str
    file: str
    sha256: str
    rows: int = 0
    new_rows: int = 0
    corrected_rows: int = 0
    unchanged_rows: int = 0
    seq: int | None = None
    round: str | None = None
    notes: list[str] = field(default_factory=list)
    #: The worksheet read, for a workbook (the one named by the `sheet` option, or the first
    #: visible one); None for CSV text.
    sheet: str | None = None

    def summary(self) -> str:
        text = (f"{self.status}: {self.kind} {self.file} ({self.rows} rows: {self.new_rows} new, "
                f"{self.corrected_rows} corrected, {self.unchanged_rows} unchanged)")
        if self.seq is not None:
            text += f" as load #{self.seq}"
        return text


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


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


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


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _reference_tables(con: duckdb.DuckDBPyConnection, schema: str) -> None:
    """(Re)load the shipped reference files into the snapshot being built, unless the snapshot
    holds these very files already (their hashes are kept in `meta`)."""
    digest = hashlib.sha256(OFFICES_FILE.read_bytes() + b"\0" + PUBLISHED_FILE.read_bytes()).hexdigest()
    stored = con.execute(f"SELECT value FROM {schema}.meta WHERE key = 'reference_sha256'").fetchall()
    if stored and stored[0][0] == digest:
        return
    con.execute(f"DELETE FROM {schema}.offices")
    con.execute(
        f"INSERT INTO {schema}.offices SELECT trim(code), trim(name), trim(kind), trim(region) "
        "FROM read_csv($p, header=true, all_varchar=true, auto_detect=false, "
        "columns={'code':'VARCHAR','name':'VARCHAR','kind':'VARCHAR','region':'VARCHAR'})",
        {"p": str(OFFICES_FILE)},
    )
    con.execute(f"DELETE FROM {schema}.published_figures")
    con.execute(
        f"INSERT INTO {schema}.published_figures SELECT section, nullif(direction, ''), "
        "nullif(category, ''), item, code, CAST(offices AS INTEGER), CAST(base AS INTEGER), $r "
        "FROM read_csv($p, header=true, all_varchar=true)",
        {"p": str(PUBLISHED_FILE), "r": PUBLISHED_ROUND},
    )
    con.execute(f"INSERT OR REPLACE INTO {schema}.meta VALUES ('reference_sha256', $d)", {"d": digest})


def _new_snapshot_file(paths: Paths, copy_current: bool) -> Path:
    paths.db.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=paths.db.parent, prefix=".next-", suffix=".duckdb")
    os.close(fd)
    os.unlink(tmp)  # DuckDB must create the file itself unless we copy one in
    tmp_path = Path(tmp)
    if copy_current and paths.db.exists():
        shutil.copyfile(paths.db, tmp_path)
    else:
        con = duckdb.connect(str(tmp_path))
        con.execute(SCHEMA_FILE.read_text())
        con.close()
    return tmp_path


def _swap_in(paths: Paths, tmp_path: Path) -> None:
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp_path, paths.db)
    _fsync_dir(paths.db.parent)


def _discard(tmp_path: Path) -> None:
    for p in (tmp_path, Path(str(tmp_path) + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def _manifest_rows(con: duckdb.DuckDBPyConnection, schema: str = "snap") -> list[dict]:
    cur = con.execute(f"SELECT * FROM {schema}.loads ORDER BY seq")  # schema: main or nxt
    names = [d[0] for d in cur.description]
    rows = []
    for values in cur.fetchall():
        row = dict(zip(names, values))
        if row.get("loaded_at") is not None:
            row["loaded_at"] = row["loaded_at"].isoformat()
        rows.append(row)
    try:  # a snapshot built before load_options existed has none
        options = dict(con.execute(f"SELECT load_seq, options FROM {schema}.load_options").fetchall())
    except duckdb.CatalogException:
        options = {}
    for row in rows:
        if row["seq"] in options:
            row["options"] = options[row["seq"]]
    return rows


def _write_manifest(paths: Paths, rows: list[dict]) -> None:
    _atomic_write_text(paths.manifest, "".join(json.dumps(r, sort_keys=True) + "\n" for r in rows))


def _read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def read_manifest(paths: Paths) -> list[dict]:
    return _read_jsonl(paths.manifest)


def read_removed(paths: Paths) -> list[dict]:
    """The removal records (one per removed load), oldest first."""
    return _read_jsonl(paths.removed)


def _removal_key(entry: dict, with_time: bool = True) -> tuple:
    """What identifies a removed load: its file, kind, round, codebook and load time (a later
    load of the same bytes is a new load and is not removed). Without the time, for bundled
    files that a first start loads afresh."""
    key = (entry["sha256"], entry["kind"], entry.get("round"), entry.get("codebook_sha256"))
    return key + (entry.get("loaded_at"),) if with_time else key


def _archive(paths: Paths, source: Path, sha: str, ext: str) -> str:
    """Copy a file into the archive under its content hash; return the archived name."""
    paths.archive.mkdir(parents=True, exist_ok=True)
    name = f"{sha}{ext}"
    target = paths.archive / name
    if not target.exists():
        fd, tmp = tempfile.mkstemp(dir=paths.archive, prefix=".tmp-")
        os.close(fd)
        shutil.copyfile(source, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    return name


# --------------------------------------------------------------------------- applying loads

@dataclass
class LoadRequest:
    kind: str
    path: Path  # where the bytes are now
    display: str  # the name people know the file by (never used as a path)
    round: str | None = None
    codebook: Path | None = None
    loaded_by: str = "cli"
    bundled: bool = False
    #: Kind-specific settings that are not columns of `loads` (an XML batch's provider, dataset,
    #: scheduled_date, recipient). Stored as JSON in `load_options` and the manifest, so that a
    #: rebuild replays the load with them.
    options: dict = field(default_factory=dict)
    #: The file's bytes, read once by load_file for the kinds staged from CSV/XLSX text (hashed,
    #: then validated from memory); None elsewhere: the readers then read `path`.
    content: bytes | None = field(default=None, repr=False, compare=False)


#: Kinds whose file load_file reads into memory once (hash, format, encoding, staging).
READ_ONCE_KINDS = ("schedule", "deliveries", "completeness")


def _options_json(request: LoadRequest) -> str:
    return json.dumps(request.options or {}, sort_keys=True)


def _ext_for(path: Path, display: str, content: bytes | None = None) -> str:
    from .readers import detect_format
    if Path(display).suffix.lower() in (".xml", ".zip", ".txt"):  # XML batches, ST.37 files
        return Path(display).suffix.lower()
    return ".xlsx" if detect_format(str(path), display, content) == "xlsx" else ".csv"


#: Loads that change the schedule or the delivery log, after which the snapshot's scheduled
#: occurrences are brought up to date (db.calendar.materialise_scheduled_occurrences).
OCCURRENCE_KINDS = ("schedule", "deliveries")


def _materialise_occurrences(scratch: duckdb.DuckDBPyConnection, kind: str) -> None:
    """Bring the snapshot's scheduled occurrences up to date inside the load's transaction, so
    that a snapshot never pairs new data with an old calendar. Its SQL names tables
    unqualified, hence `USE nxt` for the duration."""
    scratch.execute("USE nxt")
    try:
        materialise_scheduled_occurrences(scratch, schedule_changed=kind == "schedule")
    finally:
        scratch.execute("USE memory")


def _apply(scratch: duckdb.DuckDBPyConnection, request: LoadRequest, sha: str,
           archived_as: str, codebook_sha: str | None, codebook_archived: str | None,
           loaded_at: datetime) -> LoadResult:
    """Validate the request's file and apply it to the attached snapshot `nxt`.

    Raises LoadRejected (before any change) when the file has problems.
    """
    from . import kinds

    handler = kinds.HANDLERS[request.kind]
    seq = scratch.execute("SELECT coalesce(max(seq), 0) + 1 FROM nxt.loads").fetchall()[0][0]
    counts = None
    if hasattr(handler, "load_screened"):
        # Fast path: read, check and insert in one pass; on any doubt it returns None and the
        # exact path below, which lists every problem, decides.
        scratch.execute("BEGIN TRANSACTION")
        try:
            counts = handler.load_screened(scratch, request, seq)
        except BaseException:
            scratch.execute("ROLLBACK")
            raise
        if counts is None:
            scratch.execute("ROLLBACK")
    prepared = None
    if counts is None:
        prepared = handler.validate(scratch, request)
        scratch.execute("BEGIN TRANSACTION")
    try:
        if counts is None:
            counts = handler.apply(scratch, request, prepared, seq)
        if request.kind in OCCURRENCE_KINDS:
            _materialise_occurrences(scratch, request.kind)
        scratch.execute(
            "INSERT INTO nxt.loads VALUES ($seq, $sha, $kind, $name, $arch, $round, $cb, $cbarch, "
            "$rows, $new, $corr, $same, $at, $by, $bundled)",
            {"seq": seq, "sha": sha, "kind": request.kind, "name": request.display,
             "arch": archived_as, "round": request.round, "cb": codebook_sha,
             "cbarch": codebook_archived, "rows": counts["rows"], "new": counts["new"],
             "corr": counts["corrected"], "same": counts["unchanged"],
             "at": loaded_at.replace(tzinfo=None), "by": request.loaded_by, "bundled": request.bundled},
        )
        if request.options:
            scratch.execute("INSERT INTO nxt.load_options VALUES ($seq, $opts)",
                            {"seq": seq, "opts": _options_json(request)})
        scratch.execute("INSERT OR REPLACE INTO nxt.meta VALUES ('snapshot_id', $id)",
                        {"id": uuid.uuid4().hex})
        scratch.execute("COMMIT")
    except BaseException:
        scratch.execute("ROLLBACK")
        raise
    sheet = getattr(prepared, "sheet", None)
    notes = list(counts.get("notes", []))
    if sheet is not None:
        notes.insert(0, f"read worksheet {sheet!r}" + ("" if (request.options or {}).get("sheet")
                                                        else " (the first visible one)"))
    return LoadResult("loaded", request.kind, request.display, sha, counts["rows"], counts["new"],
                      counts["corrected"], counts["unchanged"], seq, request.round, notes, sheet)


def _already_loaded(scratch: duckdb.DuckDBPyConnection, sha: str, request: LoadRequest,
                    codebook_sha: str | None):
    """(seq, rows) of the earlier load of these very bytes (kind, round, codebook, options) in
    the snapshot copy attached as `nxt`, or None."""
    row = scratch.execute(
        "SELECT seq, rows FROM nxt.loads WHERE sha256 = $sha AND kind = $kind "
        "AND round IS NOT DISTINCT FROM $round AND codebook_sha256 IS NOT DISTINCT FROM $cb"
        + (" AND seq IN (SELECT load_seq FROM nxt.load_options WHERE options = $opts)"
           if request.options else ""),
        {"sha": sha, "kind": request.kind, "round": request.round, "cb": codebook_sha,
         **({"opts": _options_json(request)} if request.options else {})},
    ).fetchall()
    return row[0] if row else None


def _in_background(work: Callable[[], str]) -> concurrent.futures.Future:
    """Run `work` on a helper thread: the file is hashed (hashlib releases the GIL) while the
    database is checked and the snapshot copied, about 0.04 s of a 1M-row load."""
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="ipdx-hash")
    try:
        return pool.submit(work)
    finally:
        pool.shutdown(wait=False)  # the thread ends with its one task


def load_file(request: LoadRequest, db_path: Path | None = None, dry_run: bool = False,
              progress: Progress = _no_progress) -> LoadResult:
    """Validate and load one file, all or nothing. The same path serves CLI and app."""
    paths = Paths(Path(db_path) if db_path else default_db_path())
    if request.kind not in KINDS:
        raise ValueError(f"unknown kind {request.kind!r}; expected one of {', '.join(KINDS)}")
    if request.kind == "survey" and (not request.round or request.codebook is None):
        raise ValueError("a survey load needs --round and --codebook")
    from .checks import date_bounds
    date_bounds()  # a malformed IPDX_DATE_MIN / IPDX_DATE_MAX is a usage error, even for a file loaded before
    progress(0.05, "hashing")
    if request.kind in READ_ONCE_KINDS and request.content is None:
        request = dataclasses.replace(request, content=Path(request.path).read_bytes())
    sha_pending = _in_background(
        lambda: hashlib.sha256(request.content).hexdigest() if request.content is not None else sha256_of(request.path))
    ensure_database(paths.db, progress=progress)
    codebook_sha = sha256_of(request.codebook) if request.codebook else None
    with writer_lock(paths):
        progress(0.15, "copying the current snapshot")
        tmp = _new_snapshot_file(paths, copy_current=True)
        scratch = duckdb.connect()
        try:
            scratch.execute("ATTACH $p AS nxt", {"p": str(tmp)})
            sha = sha_pending.result()
            # Asked of the copy (the live snapshot's twin) rather than of a connection of its own.
            already = _already_loaded(scratch, sha, request, codebook_sha)
            if already:
                scratch.close()
                _discard(tmp)
                return LoadResult("already loaded", request.kind, request.display, sha, already[1], 0, 0,
                                  already[1], already[0], request.round,
                                  ["this exact file was loaded before; nothing changed"])
            _reference_tables(scratch, "nxt")
            progress(0.3, "validating")
            ext = _ext_for(request.path, request.display, request.content)
            archived_as = f"{sha}{ext}"
            cb_arch = f"{codebook_sha}.toml" if codebook_sha else None
            result = _apply(scratch, request, sha, archived_as, codebook_sha, cb_arch,
                            datetime.now(timezone.utc))
            manifest = _manifest_rows(scratch, "nxt")
            scratch.execute("DETACH nxt")
            _pause_for_tests("applied")
        except BaseException:
            scratch.close()
            _discard(tmp)
            raise
        scratch.close()
        if dry_run:
            _discard(tmp)
            result.status = "would load"
            result.seq = None
            return result
        progress(0.8, "archiving the raw file")
        _archive(paths, request.path, sha, ext)
        if codebook_sha:
            _archive(paths, request.codebook, codebook_sha, ".toml")
        _pause_for_tests("archived")
        progress(0.9, "swapping in the new snapshot")
        _swap_in(paths, tmp)
        _pause_for_tests("swapped")
        _write_manifest(paths, manifest)  # the swapped-in snapshot's, read before it was detached
        progress(1.0, "done")
        return result


def _requests_from_manifest(paths: Paths, entries: list[dict]) -> list[tuple[LoadRequest, dict]]:
    out = []
    for e in entries:
        path = paths.archive / e["archived_as"]
        codebook = paths.archive / e["codebook_archived_as"] if e.get("codebook_archived_as") else None
        for needed in filter(None, (path, codebook)):
            if not needed.exists():
                raise LoadRejected([Problem(str(paths.manifest), None, None, e["archived_as"],
                                            f"archived file {needed.name} to exist (the archive is incomplete)")])
        out.append((LoadRequest(e["kind"], path, e["original_name"], e.get("round"), codebook,
                                e.get("loaded_by") or "cli", bool(e.get("bundled")),
                                options=json.loads(e["options"]) if e.get("options") else {}), e))
    return out


def _bundled_requests() -> list[tuple[LoadRequest, dict]]:
    out = []
    for kind, name, rnd, codebook in BUNDLED_LOADS:
        path = BUNDLED_DIR / name
        if path.exists():
            out.append((LoadRequest(kind, path, name, rnd, BUNDLED_DIR / codebook if codebook else None,
                                    "bundled", True), {}))
    for kind, name, options in BUNDLED_XML_LOADS:
        path = BUNDLED_DIR / name
        if path.exists():
            out.append((LoadRequest(kind, path, Path(name).name, None, None, "bundled", True,
                                    options=dict(options)), {}))
    return out


def build(db_path: Path | None = None, include_bundled: bool = True, from_manifest: bool = True,
          exclude_seqs: set[int] | frozenset = frozenset(), progress: Progress = _no_progress) -> int:
    """(Re)build the database from the archive's manifest, or from the bundled data when the
    archive is empty, leaving out removed loads (`removed.jsonl`). Returns the number of loads
    replayed. All or nothing: swapped in at the end."""
    paths = Paths(Path(db_path) if db_path else default_db_path())
    with writer_lock(paths):
        return _build_locked(paths, include_bundled, from_manifest, exclude_seqs, progress)


def _build_locked(paths: Paths, include_bundled: bool, from_manifest: bool,
                  exclude_seqs, progress: Progress, before_swap: Callable[[], None] = lambda: None) -> int:
    removed = read_removed(paths)
    removed_keys = {_removal_key(r) for r in removed}
    entries = read_manifest(paths) if from_manifest else []
    entries = [e for e in entries if e["seq"] not in exclude_seqs and _removal_key(e) not in removed_keys]
    if not include_bundled:
        entries = [e for e in entries if not e.get("bundled")]
    if entries:
        requests = _requests_from_manifest(paths, entries)
    elif include_bundled and not (from_manifest and paths.manifest.exists() and read_manifest(paths)):
        removed_bundled = {_removal_key(r, with_time=False) for r in removed if r.get("bundled")}
        requests = [(r, e) for r, e in _bundled_requests()
                    if not removed_bundled or _removal_key(_identity(r), with_time=False) not in removed_bundled]
    else:
        requests = []
    tmp = _new_snapshot_file(paths, copy_current=False)
    scratch = duckdb.connect()
    try:
        scratch.execute("ATTACH $p AS nxt", {"p": str(tmp)})
        _reference_tables(scratch, "nxt")
        scratch.execute("INSERT OR REPLACE INTO nxt.meta VALUES ('snapshot_id', $id)", {"id": uuid.uuid4().hex})
        for i, (request, entry) in enumerate(requests):
            progress((i + 0.5) / max(len(requests), 1), f"loading {request.display}")
            sha = entry.get("sha256") or sha256_of(request.path)
            cb_sha = entry.get("codebook_sha256") or (sha256_of(request.codebook) if request.codebook else None)
            ext = _ext_for(request.path, request.display)
            loaded_at = (datetime.fromisoformat(entry["loaded_at"]) if entry.get("loaded_at")
                         else datetime.now(timezone.utc))
            _apply(scratch, request, sha, f"{sha}{ext}", cb_sha,
                   f"{cb_sha}.toml" if cb_sha else None, loaded_at)
            if not entry:  # bundled files enter the archive like any other load
                _archive(paths, request.path, sha, ext)
                if request.codebook:
                    _archive(paths, request.codebook, cb_sha, ".toml")
        scratch.execute("DETACH nxt")
        before_swap()
    except BaseException:
        scratch.close()
        _discard(tmp)
        raise
    scratch.close()
    _swap_in(paths, tmp)
    _write_manifest(paths, _read_loads(paths))
    progress(1.0, "database ready")
    return len(requests)


def _identity(request: LoadRequest) -> dict:
    return {"sha256": sha256_of(request.path), "kind": request.kind, "round": request.round,
            "codebook_sha256": sha256_of(request.codebook) if request.codebook else None}


def remove_load(seq: int, db_path: Path | None = None, removed_by: str = "cli",
                progress: Progress = _no_progress) -> dict:
    """Remove load #`seq`: rebuild the database from the archive without it, all or nothing.

    The file's raw bytes stay in the archive; the removal is recorded in `removed.jsonl`
    (written just before the new snapshot is swapped in) so later rebuilds keep it out. Loads
    are renumbered by the rebuild. Raises ValueError for an unknown seq, and LoadRejected
    (nothing changed) when a later load needs the removed one, e.g. completeness rows of
    removed deliveries. Returns the removal record."""
    paths = Paths(Path(db_path) if db_path else default_db_path())
    ensure_database(paths.db)
    with writer_lock(paths):
        entry = next((e for e in _read_loads(paths) if e["seq"] == seq), None)
        if entry is None:
            raise ValueError(f"there is no load #{seq} in {paths.db}")
        record = {k: entry.get(k) for k in ("seq", "sha256", "kind", "round", "codebook_sha256",
                                            "loaded_at", "original_name", "archived_as",
                                            "codebook_archived_as", "rows", "loaded_by", "bundled")}
        record.update(removed_at=datetime.now(timezone.utc).isoformat(), removed_by=removed_by)
        lines = "".join(json.dumps(r, sort_keys=True) + "\n" for r in [*read_removed(paths), record])
        _build_locked(paths, True, True, frozenset({seq}), progress,
                      before_swap=lambda: _atomic_write_text(paths.removed, lines))
    return record


def _read_loads(paths: Paths) -> list[dict]:
    con = open_snapshot(paths.db)
    try:
        return _manifest_rows(con)
    finally:
        con.close()


def recover(paths: Paths) -> None:
    """Make the manifest agree with the live snapshot after a crash (call under the lock)."""
    if not paths.db.exists():
        return
    rows = _read_loads(paths)
    if read_manifest(paths) != rows:
        _write_manifest(paths, rows)
    for f in _leftovers(paths, rows):
        f.unlink()


def _leftovers(paths: Paths, rows: list[dict]) -> list[Path]:
    """Files a killed load left behind: archived files that no snapshot row references,
    half-written archive copies, and unswapped snapshot copies."""
    kept = rows + read_removed(paths)  # a removed load's raw bytes stay in the archive
    referenced = {r["archived_as"] for r in kept} | {r["codebook_archived_as"] for r in kept if r.get("codebook_archived_as")}
    out = []
    if paths.archive.exists():
        for f in paths.archive.iterdir():
            if f.name in (paths.manifest.name, paths.removed.name):
                continue
            if f.name.startswith((".tmp-",)) or (f.is_file() and f.name not in referenced):
                out.append(f)
    return out + list(paths.db.parent.glob(".next-*.duckdb*"))


def ensure_database(db_path: Path | None = None, progress: Progress = _no_progress) -> Path:
    """Open-time check: build from the archive or bundled data when there is no database,
    and repair the manifest after a crash."""
    paths = Paths(Path(db_path) if db_path else default_db_path())
    if paths.db.exists() and read_manifest(paths) == (rows := _read_loads(paths)):
        if _leftovers(paths, rows):
            # A load killed before its swap left files behind; clean up unless a live writer
            # holds the lock (then they are its work in progress): never wait for a load here.
            with contextlib.suppress(TimeoutError), writer_lock(paths, timeout=0):
                recover(paths)
        return paths.db
    with writer_lock(paths):
        if not paths.db.exists():
            _build_locked(paths, True, True, frozenset(), progress)
        recover(paths)
    return paths.db


def connect_read_only(db_path: Path | None = None) -> duckdb.DuckDBPyConnection:
    return open_snapshot(ensure_database(db_path))


def snapshot_id(con: duckdb.DuckDBPyConnection) -> str:
    rows = con.execute("SELECT value FROM meta WHERE key = 'snapshot_id'").fetchall()
    return rows[0][0] if rows else "empty"
